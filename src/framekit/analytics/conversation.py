"""A finished call as the analysis reads it: who said what, in order, and the tools run.

Why a view of its own rather than the stored rows: the same text measures
(sentiment, resolution, intents, summary) run on stored calls
(:func:`from_records`, from :class:`~framekit.storage.CallDetails`) and on the labelled
transcripts that measure their accuracy (:func:`from_events`, the corpus's JSON), so
they take plain events, not database rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeAlias

from framekit.storage import CallDetails

__all__ = [
    "Event",
    "ToolUse",
    "Utterance",
    "bot_before_caller",
    "from_events",
    "from_records",
    "tool_ok",
]

Role: TypeAlias = Literal["caller", "bot"]


@dataclass(frozen=True, slots=True)
class Utterance:
    """One side's words: a caller's final transcription, or bot text the caller heard."""

    role: Role
    text: str
    truncated: bool = False
    """A bot utterance cut short by the caller (a barge-in)."""


@dataclass(frozen=True, slots=True)
class ToolUse:
    """A tool the bot ran, with its result or its error."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    result: Any = None
    error: str | None = None


Event: TypeAlias = Utterance | ToolUse


def tool_ok(tool: ToolUse) -> bool:
    """The tool ran and did not report an error (``{"error": ...}`` counts as one)."""
    if tool.error is not None:
        return False
    return not (isinstance(tool.result, dict) and tool.result.get("error"))


def bot_before_caller(events: Iterable[Event]) -> list[str]:
    """For each caller turn, in order: what the bot said last before it ("" when nothing).

    What a caller's words answer: "no" to "anything else?" is courtesy, "no" to "did
    that help?" a complaint.
    """
    out, last = [], ""
    for event in events:
        if isinstance(event, Utterance):
            if event.role == "caller":
                out.append(last)
            else:
                last = event.text
    return out


def from_records(details: CallDetails) -> list[Event]:
    """The call's words (caller and heard bot text) and tools, in the order they happened.

    Transcript segments keep their order; a tool goes before the first segment that
    started after it ended (after all of them when its times are unknown).
    """
    utterances = [
        (segment.started_at, Utterance(_role(segment.speaker), segment.text, segment.truncated))
        for segment in details.transcript
        if segment.heard and segment.text.strip()
    ]
    tools = [
        (t.ended_at or t.started_at, ToolUse(t.name, t.arguments, t.result, t.error))
        for t in details.tools
    ]
    return _merge(utterances, tools)


def from_events(events: Iterable[Mapping[str, Any]]) -> list[Event]:
    """Events written as JSON: ``{"role": "caller"|"bot", "text"}`` or
    ``{"role": "tool", "name", "arguments", "result"}`` (and ``"error"``)."""
    out: list[Event] = []
    for event in events:
        role = event.get("role")
        if role == "tool":
            out.append(
                ToolUse(
                    str(event["name"]),
                    event.get("arguments") or {},
                    event.get("result"),
                    event.get("error"),
                )
            )
        elif role in ("caller", "bot"):
            out.append(Utterance(role, str(event.get("text", "")), bool(event.get("truncated"))))
        else:
            raise ValueError(f"an event's role must be caller, bot or tool, got {role!r}")
    return out


def _role(speaker: str) -> Role:
    return "bot" if speaker == "bot" else "caller"


def _merge(
    utterances: list[tuple[datetime | None, Utterance]],
    tools: list[tuple[datetime | None, ToolUse]],
) -> list[Event]:
    out: list[Event] = []
    pending = list(tools)
    for started, utterance in utterances:
        while pending and pending[0][0] is not None and started is not None:
            if pending[0][0] > started:
                break
            out.append(pending.pop(0)[1])
        out.append(utterance)
    out.extend(tool for _, tool in pending)
    return out
