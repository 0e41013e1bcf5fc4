"""One call as OpenTelemetry spans: :class:`CallTracer`, an observer of the call's task.

The spans, and the frames their times come from::

    call                 StartFrame -> the EndFrame or CancelFrame reaching the task's sink
      turn               UserStoppedSpeakingFrame -> BotStartedSpeakingFrame (voice to voice)
        stt              the turn's start -> its first final TranscriptionFrame
        llm              LLMResponseStartFrame -> LLMResponseEndFrame (first token: an event)
        tool <name>      FunctionCallRequestedFrame -> FunctionCallResultFrame
        tts              an utterance's TTSStartedFrame -> its first TTSAudioFrame

A stage opens under the turn that is open at the time, else under the call (the
greeting, a silence prompt). A turn is measured as :class:`~framekit.metrics.MetricsCollector`
measures it (from the caller's last stop to the first bot audio), so a trace and the
call's turn latencies agree; a turn the bot never answered ends when the caller spoke
again or the call ended, with ``framekit.turn.answered`` false.
The stage spans, and the rule by which each ends, are
:class:`~framekit.tracing.stages.StageSpans`'s; this module decides when, from frames.

Why it cannot slow the audio: an observer is called on every hop, so
:meth:`CallTracer.on_push` costs one dict lookup on the frame's type. Frame types the
trace does not need map to ``None``; the two that come by the dozen (the LLM's text
chunks, the TTS's audio chunks) are only needed once per response, so their entries are
switched to ``None`` once their first one is seen and back when the next response
starts. A span is created per turn and stage, not per frame, and ending one hands it
to the exporter's bounded queue (:mod:`framekit.tracing.export`) without waiting.

What a span never holds: words (transcripts, the bot's text), tool arguments and
results, phone numbers. The caller is only a keyed digest the application passes in.

Times: the observer's timestamps are the call's clock; one offset taken at the first
hop turns them into wall-clock nanoseconds, so a call on a manual clock still gives
ordered spans.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from loguru import logger
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Status, StatusCode

from framekit.frames import (
    BotStartedSpeakingFrame,
    CancelFrame,
    EndCause,
    EndFrame,
    ErrorFrame,
    Frame,
    FunctionCallCancelledFrame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    StartFrame,
    TranscriptionFrame,
    TTSAudioFrame,
    TTSStartedFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.frames.dispatch import FrameTypeMap
from framekit.observers.seen import SeenFrames
from framekit.processors.base import FrameDirection
from framekit.tracing.stages import StageSpans

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer
    from opentelemetry.util.types import AttributeValue

    from framekit.processors.base import FrameProcessor

__all__ = ["CallTracer"]

_Handler = Callable[["CallTracer", Any, FrameDirection, "FrameProcessor", float], None]
_HANDLERS: FrameTypeMap[_Handler] = FrameTypeMap()
DOWNSTREAM = FrameDirection.DOWNSTREAM


def _handles(*frame_types: type[Frame], every_hop: bool = False) -> Callable[[_Handler], _Handler]:
    """Register a handler; unless ``every_hop``, it sees each frame once (its first hop)."""

    def register(method: _Handler) -> _Handler:
        def once(
            tracer: CallTracer,
            frame: Frame,
            direction: FrameDirection,
            destination: FrameProcessor,
            now: float,
        ) -> None:
            if tracer._call is None or not tracer._seen.first_time(frame):
                return
            method(tracer, frame, direction, destination, now)

        for frame_type in frame_types:
            _HANDLERS.declare(frame_type, method if every_hop else once)
        return method

    return register


class CallTracer:
    """Traces one call: give it to the call's :class:`~framekit.pipeline.PipelineTask`.

    ``tracer`` comes from :meth:`framekit.tracing.Tracing.call`, which builds this
    observer with the process's exporter. ``transport`` names the network the call
    came over (``"twilio"``); ``caller_digest`` is a keyed digest of the caller's
    number, or ``None`` to leave the caller out; ``attributes`` go on the call span as
    they are (never put words or numbers there). ``outcome`` names the call's outcome
    from its :class:`~framekit.frames.EndCause` when it ends (the call record's
    ``outcomes.decide``), for ``framekit.call.outcome``.
    """

    def __init__(
        self,
        tracer: Tracer,
        *,
        call_id: str,
        transport: str,
        caller_digest: str | None = None,
        attributes: Mapping[str, AttributeValue] | None = None,
        outcome: Callable[[EndCause], str] | None = None,
    ) -> None:
        self._tracer = tracer
        self._call_attributes: dict[str, AttributeValue] = {
            "framekit.call.id": call_id,
            "framekit.call.transport": transport,
            **(attributes or {}),
        }
        if caller_digest is not None:
            self._call_attributes["framekit.call.caller_digest"] = caller_digest
        self._outcome = outcome
        self._routes: dict[type, _Handler | None] = {}
        self._muted_text: list[type] = []
        self._muted_audio: list[type] = []
        self._seen = SeenFrames()
        self._offset_ns = 0
        self._call: Span | None = None
        self._call_context = Context()
        self._sink: FrameProcessor | None = None
        self._turn: Span | None = None
        self._turn_context = Context()
        self._turn_stopped = 0.0
        self._resumed: float | None = None
        self._turns = 0
        self._stages = StageSpans(tracer, self._ns)
        self._errors = 0
        self.finished = False
        """True once the call span has ended (and gone to the exporter)."""

    # --- the observer --------------------------------------------------------------------

    def on_push(
        self,
        source: FrameProcessor,
        destination: FrameProcessor,
        frame: Frame,
        direction: FrameDirection,
        timestamp: float,
    ) -> None:
        """Called on every hop: one dict lookup for the frames a trace does not need."""
        try:
            handler = self._routes[type(frame)]
        except KeyError:
            handler = self._routes[type(frame)] = _HANDLERS.get(type(frame))
        if handler is None:
            return
        try:
            handler(self, frame, direction, destination, timestamp)
        except Exception as exc:  # a bug here must never break the call's audio
            logger.opt(exception=exc).error(f"call tracer failed on {frame.name}")

    # --- the call ------------------------------------------------------------------------

    @_handles(StartFrame, every_hop=True)
    def _start(
        self, frame: StartFrame, direction: FrameDirection, to: FrameProcessor, now: float
    ) -> None:
        # The start frame's last hop is into the task's sink: where the call ends.
        self._sink = to
        if self._call is not None or self.finished:
            return
        self._offset_ns = time.time_ns() - round(now * 1e9)
        self._call = self._tracer.start_span(
            "call",
            context=Context(),
            kind=SpanKind.SERVER,
            attributes=self._call_attributes,
            start_time=self._ns(now),
        )
        self._call_context = self._turn_context = trace.set_span_in_context(self._call)

    @_handles(EndFrame, CancelFrame, every_hop=True)
    def _end(
        self,
        frame: EndFrame | CancelFrame,
        direction: FrameDirection,
        to: FrameProcessor,
        now: float,
    ) -> None:
        if direction is not DOWNSTREAM or to is not self._sink or self._call is None:
            return
        call, self._call = self._call, None
        self._stages.end_all(now)
        if self._turn is not None:
            self._end_turn(now, answered=False)
        call.set_attribute("framekit.call.end_cause", frame.cause.value)
        call.set_attribute("framekit.call.turns", self._turns)
        call.set_attribute("framekit.call.errors", self._errors)
        if self._outcome is not None:
            call.set_attribute("framekit.call.outcome", str(self._outcome(frame.cause)))
        if frame.cause is EndCause.ERROR:
            call.set_status(Status(StatusCode.ERROR))
        call.end(self._ns(now))
        self.finished = True

    @_handles(ErrorFrame)
    def _error(
        self, frame: ErrorFrame, direction: FrameDirection, to: FrameProcessor, now: float
    ) -> None:
        # Counted, not described: an error's text may quote what the caller said.
        self._errors += 1

    # --- turns -----------------------------------------------------------------------------

    @_handles(UserStoppedSpeakingFrame)
    def _user_stopped(
        self,
        frame: UserStoppedSpeakingFrame,
        direction: FrameDirection,
        to: FrameProcessor,
        now: float,
    ) -> None:
        stopped = frame.stopped_at if frame.stopped_at is not None else now
        if self._turn is not None:  # the caller paused, then spoke on before any answer
            self._end_turn(stopped if self._resumed is None else self._resumed, answered=False)
        self._stages.end_stt(stopped, transcribed=False)
        self._turns += 1
        self._turn_stopped = stopped
        self._resumed = None
        self._turn = self._tracer.start_span(
            "turn",
            context=self._call_context,
            attributes={"framekit.turn.index": self._turns},
            start_time=self._ns(stopped),
        )
        self._turn_context = trace.set_span_in_context(self._turn)
        self._stages.start_stt(self._turn_context, stopped)

    @_handles(UserStartedSpeakingFrame)
    def _user_started(
        self,
        frame: UserStartedSpeakingFrame,
        direction: FrameDirection,
        to: FrameProcessor,
        now: float,
    ) -> None:
        started = frame.started_at if frame.started_at is not None else now
        if self._turn is not None and self._resumed is None:
            self._resumed = started
        self._stages.end_stt(started, transcribed=False)

    @_handles(BotStartedSpeakingFrame)
    def _bot_started(
        self,
        frame: BotStartedSpeakingFrame,
        direction: FrameDirection,
        to: FrameProcessor,
        now: float,
    ) -> None:
        if self._turn is not None:
            self._end_turn(now, answered=True)

    def _end_turn(self, at: float, answered: bool) -> None:
        turn, self._turn = self._turn, None
        assert turn is not None
        turn.set_attribute("framekit.turn.answered", answered)
        if answered:
            latency_ms = (at - self._turn_stopped) * 1000
            turn.set_attribute("framekit.turn.voice_to_voice_ms", round(latency_ms, 3))
        turn.end(self._ns(at))
        self._turn_context = self._call_context

    # --- stages: when they open and close (how, in framekit.tracing.stages) ----------------

    @_handles(TranscriptionFrame)
    def _final(
        self, frame: TranscriptionFrame, direction: FrameDirection, to: FrameProcessor, now: float
    ) -> None:
        if frame.text.strip():
            self._stages.end_stt(now, transcribed=True)

    @_handles(LLMResponseStartFrame)
    def _response_start(
        self,
        frame: LLMResponseStartFrame,
        direction: FrameDirection,
        to: FrameProcessor,
        now: float,
    ) -> None:
        if direction is not DOWNSTREAM:
            return
        if self._stages.start_response(frame.response_id, self._turn_context, now):
            self._unmute(self._muted_text)

    @_handles(LLMTextFrame, every_hop=True)
    def _response_text(
        self, frame: LLMTextFrame, direction: FrameDirection, to: FrameProcessor, now: float
    ) -> None:
        if self._stages.response_text(frame.response_id, now):
            self._mute(frame, self._muted_text)

    @_handles(LLMResponseEndFrame)
    def _response_end(
        self, frame: LLMResponseEndFrame, direction: FrameDirection, to: FrameProcessor, now: float
    ) -> None:
        self._stages.end_response(frame.response_id, now)

    @_handles(FunctionCallRequestedFrame)
    def _tool_requested(
        self,
        frame: FunctionCallRequestedFrame,
        direction: FrameDirection,
        to: FrameProcessor,
        now: float,
    ) -> None:
        self._stages.start_tool(frame.call_id, frame.function_name, self._turn_context, now)

    @_handles(FunctionCallResultFrame)
    def _tool_result(
        self,
        frame: FunctionCallResultFrame,
        direction: FrameDirection,
        to: FrameProcessor,
        now: float,
    ) -> None:
        failed = frame.error is not None or (
            isinstance(frame.result, dict) and bool(frame.result.get("error"))
        )
        self._stages.end_tool(
            frame.call_id, frame.function_name, self._turn_context, now, ok=not failed
        )

    @_handles(FunctionCallCancelledFrame)
    def _tool_cancelled(
        self,
        frame: FunctionCallCancelledFrame,
        direction: FrameDirection,
        to: FrameProcessor,
        now: float,
    ) -> None:
        self._stages.cancel_tool(frame.call_id, now)

    @_handles(TTSStartedFrame)
    def _tts_start(
        self, frame: TTSStartedFrame, direction: FrameDirection, to: FrameProcessor, now: float
    ) -> None:
        if self._stages.start_tts(frame.context_id, self._turn_context, now):
            self._unmute(self._muted_audio)

    @_handles(TTSAudioFrame, every_hop=True)
    def _tts_audio(
        self, frame: TTSAudioFrame, direction: FrameDirection, to: FrameProcessor, now: float
    ) -> None:
        if self._stages.tts_audio(frame.context_id, now):
            self._mute(frame, self._muted_audio)

    @_handles(InterruptionFrame)
    def _interrupted(
        self, frame: InterruptionFrame, direction: FrameDirection, to: FrameProcessor, now: float
    ) -> None:
        self._stages.interrupt(now)

    # --- helpers ---------------------------------------------------------------------------

    def _ns(self, clock_time: float) -> int:
        return self._offset_ns + round(clock_time * 1e9)

    def _mute(self, frame: Frame, muted: list[type]) -> None:
        """Until :meth:`_unmute`, frames of this type cost the lookup and nothing more."""
        if self._routes.get(type(frame)) is not None:
            self._routes[type(frame)] = None
            muted.append(type(frame))

    def _unmute(self, muted: list[type]) -> None:
        for frame_type in muted:
            del self._routes[frame_type]
        muted.clear()
