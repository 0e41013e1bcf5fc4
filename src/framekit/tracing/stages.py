"""The spans of a call's stages (stt, llm, tool, tts): :class:`StageSpans`.

Why apart from :class:`~framekit.tracing.call.CallTracer`: the tracer decides from
frames *when* something happened (which hop counts, which turn is open, which frame
types it can stop looking at); this module holds the stage spans that are open and
the rule by which each one ends: a transcript's first final, a response's first token,
a tool's result or cancellation, an utterance's first audio, or a cut (an interruption,
the end of the call) that marks what it closes. Each stage's rules read in one place,
and the tracer passes in the context a span opens under (the open turn, else the call).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opentelemetry.trace import Status, StatusCode

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span, Tracer

__all__ = ["StageSpans"]


@dataclass(slots=True)
class _Response:
    """An LLM response being traced: its span, when it started, whether text came yet."""

    span: Span
    started: float
    first_token: bool = False


class StageSpans:
    """The open stage spans of one call; ``ns`` turns the call's clock into span times."""

    def __init__(self, tracer: Tracer, ns: Callable[[float], int]) -> None:
        self._tracer = tracer
        self._ns = ns
        self._stt: Span | None = None
        self._responses: dict[str, _Response] = {}
        self._tools: dict[str, Span] = {}
        self._tts: Span | None = None
        self._tts_utterance: str | None = None
        self._tts_started = 0.0

    # --- stt -------------------------------------------------------------------------------

    def start_stt(self, context: Context, at: float) -> None:
        """The caller stopped: transcription runs until the turn's first final."""
        self._stt = self._tracer.start_span("stt", context=context, start_time=self._ns(at))

    def end_stt(self, at: float, *, transcribed: bool) -> None:
        """End the open stt span, if any (``transcribed`` false: no final came)."""
        if self._stt is not None:
            stt, self._stt = self._stt, None
            stt.set_attribute("framekit.stt.transcribed", transcribed)
            stt.end(self._ns(at))

    # --- llm -------------------------------------------------------------------------------

    def start_response(self, response_id: str, context: Context, at: float) -> bool:
        """Open a response's span; false if that response is already open."""
        if response_id in self._responses:
            return False
        span = self._tracer.start_span("llm", context=context, start_time=self._ns(at))
        self._responses[response_id] = _Response(span, at)
        return True

    def response_text(self, response_id: str, at: float) -> bool:
        """Note a response's first token; true once every open response has had its first."""
        response = self._responses.get(response_id)
        if response is not None and not response.first_token:
            response.first_token = True
            response.span.add_event("first token", timestamp=self._ns(at))
            first_ms = round((at - response.started) * 1000, 3)
            response.span.set_attribute("framekit.llm.first_token_ms", first_ms)
        return all(r.first_token for r in self._responses.values())

    def end_response(self, response_id: str, at: float) -> None:
        """End a response's span (an unknown or already cut response is ignored)."""
        response = self._responses.pop(response_id, None)
        if response is not None:
            response.span.end(self._ns(at))

    def _cut_responses(self, at: float) -> None:
        for response in self._responses.values():
            response.span.set_attribute("framekit.interrupted", True)
            response.span.end(self._ns(at))
        self._responses.clear()

    # --- tools -----------------------------------------------------------------------------

    def start_tool(self, call_id: str, name: str, context: Context, at: float) -> None:
        """A tool call was requested: its span runs until its result or cancellation."""
        self._tools[call_id] = self._tool_span(name, context, at)

    def end_tool(self, call_id: str, name: str, context: Context, at: float, *, ok: bool) -> None:
        """A tool's result came.

        A result nobody requested (the intent engine runs its tools itself) is a
        zero-length span: the tool ran, its time is not known here.
        """
        span = self._tools.pop(call_id, None) or self._tool_span(name, context, at)
        self._end_tool(span, at, ok=ok)

    def cancel_tool(self, call_id: str, at: float) -> None:
        """A requested tool call was cancelled: its span ends as failed and cancelled."""
        span = self._tools.pop(call_id, None)
        if span is not None:
            span.set_attribute("framekit.tool.cancelled", True)
            self._end_tool(span, at, ok=False)

    def _tool_span(self, name: str, context: Context, at: float) -> Span:
        return self._tracer.start_span(
            f"tool {name}",
            context=context,
            attributes={"framekit.tool.name": name},
            start_time=self._ns(at),
        )

    def _end_tool(self, span: Span, at: float, *, ok: bool) -> None:
        span.set_attribute("framekit.tool.ok", ok)
        if not ok:
            span.set_status(Status(StatusCode.ERROR))
        span.end(self._ns(at))

    # --- tts -------------------------------------------------------------------------------

    def start_tts(self, utterance: str | None, context: Context, at: float) -> bool:
        """An utterance's first sentence started; false for a later sentence of the same one.

        One span per utterance (its context id), for its first sentence's first audio;
        a new utterance cuts the span of one that never gave audio.
        """
        if utterance == self._tts_utterance:
            return False
        self._tts_utterance = utterance
        self._end_tts(at, interrupted=True)
        self._tts = self._tracer.start_span("tts", context=context, start_time=self._ns(at))
        self._tts_started = at
        return True

    def tts_audio(self, utterance: str | None, at: float) -> bool:
        """Audio came; the current utterance's first ends its span. True once none is open."""
        if self._tts is not None and utterance == self._tts_utterance:
            first_ms = round((at - self._tts_started) * 1000, 3)
            self._tts.set_attribute("framekit.tts.first_audio_ms", first_ms)
            self._end_tts(at, interrupted=False)
        return self._tts is None

    def _end_tts(self, at: float, *, interrupted: bool) -> None:
        if self._tts is not None:
            tts, self._tts = self._tts, None
            if interrupted:
                tts.set_attribute("framekit.interrupted", True)
            tts.end(self._ns(at))

    # --- cuts ------------------------------------------------------------------------------

    def interrupt(self, at: float) -> None:
        """The caller interrupted: open responses and the utterance's span are cut."""
        self._cut_responses(at)
        self._end_tts(at, interrupted=True)

    def end_all(self, at: float) -> None:
        """The call ended: close what is still open, marked as cut short."""
        self.end_stt(at, transcribed=False)
        self._end_tts(at, interrupted=True)
        self._cut_responses(at)
        for span in self._tools.values():
            span.set_attribute("framekit.tool.cancelled", True)
            self._end_tool(span, at, ok=False)
        self._tools.clear()
