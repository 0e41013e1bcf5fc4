"""An LLM's summary and call sentiment, when one is configured, on top of the offline analysis.

:class:`LLMAnalysis` asks an :class:`~framekit.llm.LLMService` (any provider, or a
fallback chain) for a two-sentence summary and the caller's overall sentiment as
JSON, and :meth:`LLMAnalysis.analyzer` gives the :class:`~framekit.analytics.AnalysisWorker`
an ``analyze`` that runs the offline analysis first and lets the LLM replace its
summary and call label. The per-turn labels, start and end stay VADER's: a call is
asked about once, not turn by turn.

Why it never fails an analysis: a provider down, slow (``timeout``), or answering
something that is not the JSON asked for leaves the offline summary and label in
place (one log line); ``methods`` in the stored details says which one a call got.

The worker runs in a thread; the LLM's client is asynchronous. The analyzer keeps one
event loop of its own in that thread, so the client's connections live on one loop
from the first call to :meth:`LLMAnalysis.close`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Final, cast

from loguru import logger

from framekit.analytics.analysis import Analysis, analyze
from framekit.analytics.conversation import Event, ToolUse, from_records, tool_ok
from framekit.analytics.sentiment import Label
from framekit.conversation.context import LLMContext
from framekit.llm.events import LLMService, LLMServiceError, TextDelta
from framekit.storage import CallDetails

__all__ = ["LLMAnalysis", "LLMVerdict"]

_SYSTEM: Final = (
    "You review phone calls between a caller and a shop's voice assistant. Answer with one "
    'JSON object and nothing else: {"summary": "<at most two sentences: what the caller '
    'wanted and how the call ended>", "sentiment": "positive" | "neutral" | "negative"} '
    "where sentiment is how the caller felt over the call, as a quality reviewer would say."
)
_MAX_TRANSCRIPT: Final = 12_000
"""Characters of transcript sent (the end is kept: how the call ended matters most)."""
_LABELS: Final = frozenset({"positive", "neutral", "negative"})
_MAX_SUMMARY: Final = 600


@dataclasses.dataclass(frozen=True, slots=True)
class LLMVerdict:
    """What the LLM said of a call."""

    summary: str
    sentiment: Label


class LLMAnalysis:
    """Summaries and call sentiment from ``service`` (see the module docstring)."""

    def __init__(self, service: LLMService, *, timeout: float = 30.0) -> None:
        self._service = service
        self._timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None

    async def verdict(self, events: Sequence[Event]) -> LLMVerdict | None:
        """The LLM's summary and sentiment of ``events``, or None if it gave none usable."""
        context = LLMContext(_SYSTEM)
        context.add_user(_transcript(events))
        text: list[str] = []
        try:
            async with asyncio.timeout(self._timeout):
                async for event in self._service.stream(context):
                    if isinstance(event, TextDelta):
                        text.append(event.text)
        except (LLMServiceError, TimeoutError) as exc:
            logger.warning(f"analytics: the LLM gave no summary ({type(exc).__name__}: {exc})")
            return None
        return _parse("".join(text))

    def analyzer(self) -> Callable[[CallDetails], Analysis]:
        """An ``analyze`` for :class:`~framekit.analytics.AnalysisWorker`: offline, then
        the LLM's summary and call label where it gives them. Call it from one thread."""

        def run(details: CallDetails) -> Analysis:
            offline = analyze(details)
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
            found = self._loop.run_until_complete(self.verdict(from_records(details)))
            if found is None:
                return offline
            text = offline.text
            methods = {
                **text.methods,
                "summary": f"llm:{self._service.provider}",
                "sentiment": f"{text.methods['sentiment']}, call: llm:{self._service.provider}",
            }
            sentiment = dataclasses.replace(text.sentiment, call=found.sentiment)
            return dataclasses.replace(
                offline,
                text=dataclasses.replace(
                    text, summary=found.summary, sentiment=sentiment, methods=methods
                ),
            )

        return run

    def close(self) -> None:
        """Close the service's connections and the analyzer's loop (from the worker's thread,
        or once it has stopped)."""
        if self._loop is not None:
            self._loop.run_until_complete(self._service.close())
            self._loop.close()
            self._loop = None


def _transcript(events: Sequence[Event]) -> str:
    lines = []
    for event in events:
        if isinstance(event, ToolUse):
            lines.append(f"[tool {event.name}: {'ok' if tool_ok(event) else 'error'}]")
        else:
            lines.append(f"{'Caller' if event.role == 'caller' else 'Assistant'}: {event.text}")
    text = "\n".join(lines)
    return text if len(text) <= _MAX_TRANSCRIPT else "...\n" + text[-_MAX_TRANSCRIPT:]


def _parse(answer: str) -> LLMVerdict | None:
    """The JSON object in ``answer`` (a model may wrap it in a code fence), checked."""
    start, end = answer.find("{"), answer.rfind("}")
    try:
        data = json.loads(answer[start : end + 1]) if 0 <= start < end else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        logger.warning("analytics: the LLM's answer is not the JSON asked for")
        return None
    summary, sentiment = data.get("summary"), data.get("sentiment")
    if not isinstance(summary, str) or not summary.strip() or sentiment not in _LABELS:
        logger.warning("analytics: the LLM's answer lacks a summary or a sentiment label")
        return None
    return LLMVerdict(" ".join(summary.split())[:_MAX_SUMMARY], cast(Label, sentiment))
