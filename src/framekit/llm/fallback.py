"""A chain of LLM providers that answers as one: :class:`FallbackLLMService`.

``FallbackLLMService([claude, gpt, local, intents])`` is an
:class:`~framekit.llm.events.LLMService`, so :class:`~framekit.processors.llm.LLMProcessor`
drives it like any single provider. For each request it streams from the first
provider whose circuit breaker lets it through (:mod:`framekit.health`), and
moves to the next one when that provider fails: an HTTP error, a refused or reset
connection, no first token in time, a stream that goes silent, an error event, or
(by default) tool arguments that are not JSON.

What the caller hears across a failure (the seam):

* text the failed provider streamed has already gone on (the TTS may be speaking
  it), and is kept: it is what the caller heard;
* the next provider gets the conversation *plus* that partial answer, followed by
  an instruction to continue it exactly where it stopped (:data:`CONTINUE_INSTRUCTION`);
* its text goes through a :class:`~framekit.llm._seam.SeamJoiner`, which drops the
  words it repeats when it starts the sentence or the answer over instead;
* a link that cannot continue (``continues_text = False``, the intent engine) gets
  the plain conversation; if its answer does not repeat what was said, it is
  introduced by ``restart_text`` ("Sorry, let me start again.").

Tool calls: a provider's calls (and usage) are held back until its stream has ended
cleanly, and dropped if it fails, so a failed provider never runs a tool and the
caller's request gets the tool calls of one provider only.

Time: each link may set its own ``first_token_timeout`` and ``stall_timeout`` on top
of the provider's own. ``silence_budget`` bounds how long the caller waits in silence
while the chain looks for an answer: counted from the request, or from the last text
before a failure, it cuts short the first-token wait of every link but the last, and
when it has run out the chain goes straight to the last link (which should be one
that answers at once, like the offline intent engine).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field

from loguru import logger

from framekit.clock import Clock, SystemClock
from framekit.conversation.context import AssistantTurn, LLMContext, Turn, UserTurn
from framekit.health import ProviderHealth
from framekit.llm._seam import SeamJoiner
from framekit.llm.events import (
    LLMEvent,
    LLMService,
    LLMServiceError,
    StreamEnd,
    TextDelta,
    ToolCallEvent,
    UsageEvent,
)

__all__ = [
    "CONTINUE_INSTRUCTION",
    "DEFAULT_RESTART_TEXT",
    "Attempt",
    "FallbackLLMService",
    "FallbackLink",
]

CONTINUE_INSTRUCTION = (
    "(Your reply above was cut off by a technical fault right after its last word; "
    "the caller heard it up to there. Continue it from exactly that point, without "
    "repeating anything already said.)"
)
"""What the next provider is told after the partial answer of a failed one."""

DEFAULT_RESTART_TEXT = "Sorry, let me start again."
"""Said before the answer of a link that cannot continue, when the caller heard part of one."""


@dataclass(frozen=True, slots=True)
class FallbackLink:
    """One provider of the chain and the chain's own deadlines for it.

    ``first_token_timeout``: seconds until its first text or tool call;
    ``stall_timeout``: seconds between events after that (``None``: only the
    provider's own). ``name`` keys its circuit breaker (default
    ``"<provider>:<model>"``); give two links to the same model on different
    servers different names. ``continues_text``: whether it can be asked to
    continue a partial answer (default: the service's ``continues_text``, else True).
    """

    service: LLMService
    first_token_timeout: float | None = None
    stall_timeout: float | None = None
    name: str | None = None
    continues_text: bool | None = None

    @property
    def key(self) -> str:
        return self.name or f"{self.service.provider}:{self.service.model}"

    @property
    def can_continue(self) -> bool:
        if self.continues_text is not None:
            return self.continues_text
        return bool(getattr(self.service, "continues_text", True))


@dataclass(slots=True)
class Attempt:
    """What one link did for one request (``FallbackLLMService.last_attempts``)."""

    link: str
    outcome: str
    """``answered``, ``failed``, or ``skipped``."""
    kind: str | None = None
    """The failure's :class:`~framekit.llm.events.LLMServiceError` kind, or why it was skipped."""
    error: str | None = None
    text: str = ""
    """What of its text went to the caller (after the seam)."""
    first_token_at: float | None = None
    """Loop time of its first text or tool call."""
    started_at: float = 0.0
    ended_at: float = 0.0
    dropped: str = field(default="", repr=False)
    """Its text dropped at the seam as a repeat."""


class FallbackLLMService(LLMService):
    """Streams from the first healthy provider of ``links``; see the module docstring.

    ``health``: the breakers, one registry per process (the application creates it
    and passes it to every chain, so a provider that is down is skipped by every call).
    ``clock``: the clock of breaker cool-downs (the call's clock; real time by default).
    ``fallback_on_bad_tool_arguments``: a provider whose tool arguments are not JSON
    counts as failed and the next one is asked (the last link's are passed on as
    usual: the model hears the error). The last link is tried even when its breaker
    is open: trying it is better than silence.
    """

    provider = "fallback"

    def __init__(
        self,
        links: Sequence[LLMService | FallbackLink],
        *,
        health: ProviderHealth,
        clock: Clock | None = None,
        silence_budget: float | None = 3.0,
        restart_text: str = DEFAULT_RESTART_TEXT,
        continue_instruction: str = CONTINUE_INSTRUCTION,
        fallback_on_bad_tool_arguments: bool = True,
        min_overlap_words: int = 2,
    ) -> None:
        if not links:
            raise ValueError("FallbackLLMService needs at least one provider")
        self.links = tuple(
            link if isinstance(link, FallbackLink) else FallbackLink(link) for link in links
        )
        super().__init__(model=self.links[0].service.model)
        self.health = health
        self.clock: Clock = clock or SystemClock()
        self.silence_budget = silence_budget
        self.restart_text = restart_text
        self.continue_instruction = continue_instruction
        self.fallback_on_bad_tool_arguments = fallback_on_bad_tool_arguments
        self.min_overlap_words = min_overlap_words
        self.last_attempts: list[Attempt] = []
        """What each link did for the latest request, in order."""

    def __repr__(self) -> str:
        return f"FallbackLLMService({[link.key for link in self.links]})"

    async def stream(self, context: LLMContext) -> AsyncGenerator[LLMEvent, None]:
        loop = asyncio.get_running_loop()
        turns = _settled_turns(context)
        attempts: list[Attempt] = []
        self.last_attempts = attempts
        said = ""
        quiet_since = loop.time()
        failures: list[str] = []
        last_index = len(self.links) - 1
        for index, link in enumerate(self.links):
            last = index == last_index
            breaker = self.health.breaker(link.key)
            attempt = Attempt(link.key, "skipped", started_at=loop.time())
            attempts.append(attempt)
            left = self._budget_left(quiet_since, loop.time())
            if not last and left is not None and left <= 0:
                attempt.kind = "no time left"
                continue
            if not breaker.allow(self.clock.now()) and not last:
                attempt.kind = "circuit open"
                continue
            self.model = link.service.model
            settled = False
            held: list[LLMEvent] = []
            try:
                request = context
                if said and link.can_continue:
                    request = self._continuation(context, turns, said)
                restart = "" if link.can_continue else self.restart_text
                seam = SeamJoiner(said, restart_text=restart, min_overlap=self.min_overlap_words)
                first_wait = link.first_token_timeout
                if not last and left is not None:
                    first_wait = left if first_wait is None else min(first_wait, left)
                async with (
                    aclosing(link.service.stream(request)) as events,
                    aclosing(_deadlined(events, first_wait, link)) as timed,
                ):
                    async for event in timed:
                        if attempt.first_token_at is None and isinstance(
                            event, TextDelta | ToolCallEvent
                        ):
                            attempt.first_token_at = loop.time()
                        if isinstance(event, TextDelta):
                            out = seam.feed(event.text)
                            if out:
                                said += out
                                attempt.text += out
                                quiet_since = loop.time()
                                yield TextDelta(out)
                        elif isinstance(event, ToolCallEvent):
                            self._check_arguments(event, link, last)
                            held.append(event)
                        elif isinstance(event, UsageEvent | StreamEnd):
                            held.append(event)
                out = seam.finish()
                attempt.dropped = seam.dropped
                if out:
                    said += out
                    attempt.text += out
                    yield TextDelta(out)
            except LLMServiceError as exc:
                settled = True
                self._failed(attempt, exc, link, breaker.record_failure(self.clock.now()))
                failures.append(f"{link.key}: {exc.kind}")
                if last:
                    raise
                continue
            except Exception as exc:
                settled = True
                error = LLMServiceError("stream", repr(exc), provider=link.service.provider)
                self._failed(attempt, error, link, breaker.record_failure(self.clock.now()))
                failures.append(f"{link.key}: stream")
                if last:
                    raise error from exc
                continue
            finally:
                attempt.ended_at = loop.time()
                if not settled:
                    breaker.release()
            breaker.record_success()
            attempt.outcome = "answered"
            end = StreamEnd()
            for event in held:
                if isinstance(event, StreamEnd):
                    end = event
                else:
                    yield event
            yield end
            return
        raise LLMServiceError(
            "unavailable",
            "no provider could answer: " + ("; ".join(failures) or "every circuit is open"),
            provider=self.provider,
        )

    def _budget_left(self, quiet_since: float, now: float) -> float | None:
        if self.silence_budget is None:
            return None
        return self.silence_budget - (now - quiet_since)

    def _check_arguments(self, event: ToolCallEvent, link: FallbackLink, last: bool) -> None:
        if event.error is not None and self.fallback_on_bad_tool_arguments and not last:
            raise LLMServiceError(
                "tool_arguments",
                f"{link.key}: {event.name}: {event.error}",
                provider=link.service.provider,
            )

    def _continuation(self, context: LLMContext, turns: list[Turn], said: str) -> LLMContext:
        """``context`` as it was, plus the partial answer and the instruction to continue it."""
        request = LLMContext(
            context.system,
            tools=context.tools,
            max_tokens=context.max_tokens,
            max_turns=context.max_turns,
        )
        request.turns = [*turns, AssistantTurn(text=said, heard=True)]
        request.turns.append(UserTurn(self.continue_instruction))
        return request

    def _failed(
        self, attempt: Attempt, exc: LLMServiceError, link: FallbackLink, opened: bool
    ) -> None:
        attempt.outcome = "failed"
        attempt.kind = exc.kind
        attempt.error = str(exc)
        note = "; circuit opened" if opened else ""
        logger.warning(f"fallback: {link.key} failed ({exc.kind}: {exc}){note}")

    async def close(self) -> None:
        for link in self.links:
            try:
                await link.service.close()
            except Exception:
                logger.exception(f"fallback: closing {link.key} failed")


def _settled_turns(context: LLMContext) -> list[Turn]:
    """The turns before this response: without its own (still empty) assistant turn.

    The assistant aggregator may already have added the turn this response streams
    into; it fills up as the text goes by, so a continuation request built later
    would otherwise carry the partial answer twice.
    """
    turns = list(context.turns)
    if turns:
        tail = turns[-1]
        if (
            isinstance(tail, AssistantTurn)
            and tail.response_id is not None
            and not tail.heard
            and not tail.text
            and not tail.tool_calls
        ):
            turns.pop()
    return turns


async def _deadlined(
    events: AsyncIterator[LLMEvent], first_wait: float | None, link: FallbackLink
) -> AsyncGenerator[LLMEvent, None]:
    """``events`` with the link's deadlines: ``first_wait`` until content, then the stall one."""
    waiting_for_content = True
    while True:
        seconds = first_wait if waiting_for_content else link.stall_timeout
        try:
            if seconds is None:
                event = await anext(events)
            else:
                deadline = asyncio.timeout(seconds)
                try:
                    async with deadline:
                        event = await anext(events)
                except TimeoutError:
                    if not deadline.expired():
                        raise
                    what = "no first token" if waiting_for_content else "no data"
                    raise LLMServiceError(
                        "stall",
                        f"{link.key}: {what} for {seconds:.2g} s",
                        provider=link.service.provider,
                    ) from None
        except StopAsyncIteration:
            return
        if isinstance(event, TextDelta | ToolCallEvent):
            waiting_for_content = False
        yield event
