"""The call recorder: an observer that turns a call's frames into records, without waiting.

Where it sits: not in the pipeline at all. It is an
:class:`~framekit.observers.Observer` given to the call's
:class:`~framekit.pipeline.PipelineTask`, so it sees every frame on every hop,
wherever the frame travels: the caller's final transcriptions (from the STT),
the bot's text (from the LLM or the intent engine), the TTS's sentences and
audio, the output transport's reports of what was played (upstream), tool
results (upstream from a tool runner or downstream from the intent engine),
speaking events and metrics. A processor placed at one point of the pipeline
would miss half of those.

Why it cannot block the audio: an observer is called synchronously on each hop,
so :meth:`CallRecorder.on_push` does a dictionary lookup per frame, a little
bookkeeping for the few frame types it cares about, and hands finished records
to the process's :class:`~framekit.storage.writer.RecordWriter` with a
non-blocking queue put. All I/O happens in the writer's thread.

A frame is counted once, on the first hop it is seen on: the recorder keeps a weak
set of the frames it has seen, so its memory follows the frames still alive, not
the length of the call.
What the caller heard of the bot is estimated as :mod:`framekit.storage._speech`
describes. After a barge-in the cut is made when the interruption frame leaves the
bottom of the pipeline: every processor has handled it by then, and the output
transport has reported the seconds the caller heard.

Use::

    recorder = CallRecorder(shared_writer(), caller="+15550100", external_id=call_sid)
    task = PipelineTask(pipeline, observers=[recorder])
    recorder.attach(task)   # opens the call record; closes it when the call ends
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from loguru import logger

from framekit.frames import (
    BotStartedSpeakingFrame,
    CancelFrame,
    EndCause,
    EndFrame,
    Frame,
    FunctionCallCancelledFrame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
    OutputAudioFrame,
    PlayedUpToFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.storage._builder import CallRecords
from framekit.storage._speech import BotSpeech
from framekit.storage.orphans import process_owner
from framekit.storage.outcome import CALL_CONTROL_TOOLS, OutcomeTracker
from framekit.storage.records import Record

if TYPE_CHECKING:
    from framekit.pipeline.task import PipelineTask
    from framekit.processors.base import FrameDirection, FrameProcessor

__all__ = ["CallRecorder", "RecordSink", "SubmitsRecords"]

RecordSink = Callable[[Record], None]
"""Where records go: a callable that takes one record and never blocks."""


@runtime_checkable
class SubmitsRecords(Protocol):
    """Has a non-blocking ``submit(record)``, as :class:`~framekit.storage.RecordWriter` has."""

    def submit(self, record: Record) -> None: ...


_Handler = Callable[["CallRecorder", Any, float], None]
_HANDLERS: dict[type[Frame], _Handler] = {}


def _handles(*frame_types: type[Frame]) -> Callable[[_Handler], _Handler]:
    def register(method: _Handler) -> _Handler:
        for frame_type in frame_types:
            _HANDLERS[frame_type] = method
        return method

    return register


class CallRecorder:
    """Records one call: open it with :meth:`attach`, it closes when the call ends.

    ``sink`` is where records go: a :class:`~framekit.storage.writer.RecordWriter`
    (its ``submit``) or any callable taking a record. ``call_id`` defaults to a
    fresh UUID; ``external_id`` is the carrier's id (Twilio's CallSid). ``owner``
    names the process that records the call (default: this one, see
    :mod:`framekit.storage.orphans`), so that its call can be closed if it dies.

    The record closes with an outcome and an end reason (the
    :class:`~framekit.frames.EndCause` code of the frame that ended the call),
    decided as :mod:`framekit.storage.outcome` describes; ``call_control_tools``
    are the tools that do not answer a request.
    """

    _dispatch: ClassVar[dict[type[Frame], _Handler | None]] = {}

    def __init__(
        self,
        sink: SubmitsRecords | RecordSink,
        *,
        call_id: str | None = None,
        external_id: str | None = None,
        caller: str | None = None,
        dialled: str | None = None,
        direction: str = "inbound",
        call_control_tools: Collection[str] = CALL_CONTROL_TOOLS,
        owner: str | None = None,
    ) -> None:
        submit: RecordSink = sink.submit if isinstance(sink, SubmitsRecords) else sink
        self.call_id = call_id or uuid.uuid4().hex
        self._records = CallRecords(self.call_id, submit)
        self.external_id = external_id
        self.caller = caller
        self.dialled = dialled
        self.direction = direction
        self.owner = owner or process_owner()
        self.recordings: dict[str, str] = {}
        self._outcome: str | None = None
        self.outcomes = OutcomeTracker(call_control_tools)
        """What the outcome will be decided from (the caller spoke, the tools that answered)."""
        self._now: Callable[[], float] = lambda: 0.0
        self._seen: weakref.WeakSet[Frame] = weakref.WeakSet()
        self._last_audio_id = 0
        self._speech = BotSpeech()
        self._cutting = False
        self._user_started: float | None = None
        self._user_stopped: float | None = None
        self._ttfb: dict[str, float] = {}
        self._tool_started: dict[str, float] = {}
        self._closed = False
        self._warned = False

    # --- public API ----------------------------------------------------------------------

    def attach(self, task: PipelineTask) -> None:
        """Open the call record now and close it when ``task``'s call ends.

        The recorder must also be one of the task's ``observers``.
        """
        self._now = task.clock.now
        now = task.clock.now()
        self._records.anchor(now)
        self._records.opened(
            now,
            external_id=self.external_id,
            caller=self.caller,
            dialled=self.dialled,
            direction=self.direction,
            owner=self.owner,
        )
        task.on_downstream_exit(self._on_exit)

    def set_outcome(self, outcome: str) -> None:
        """Name the call's outcome yourself (it wins over what the frames suggest)."""
        self._outcome = outcome

    def add_recording(self, track: str, location: str) -> None:
        """Note where a track's audio is (``caller``, ``bot``, ``mixed``); saved at the end.

        After the end (an upload that finished once the call was over) the record's
        recordings are saved again at once.
        """
        self.recordings[track] = location
        if self._closed:
            self._records.recordings_changed(self.recordings)

    def close(self, cause: EndCause = EndCause.COMPLETED, *, outcome: str | None = None) -> None:
        """Close the call record (done for you when an end or cancel frame leaves the call)."""
        if self._closed:
            return
        self._closed = True
        now = self._now()
        self._records.bot_heard(self._speech.cut(now))
        final = outcome or self._outcome or self.outcomes.decide(cause)
        self._records.closed(now, final, cause.value, self.recordings)

    # --- the observer --------------------------------------------------------------------

    def on_push(
        self,
        source: FrameProcessor,
        destination: FrameProcessor,
        frame: Frame,
        direction: FrameDirection,
        timestamp: float,
    ) -> None:
        """Called on every hop; returns at once for frames the record does not need."""
        frame_type = type(frame)
        try:
            handler = self._dispatch[frame_type]
        except KeyError:
            handler = self._dispatch[frame_type] = _find_handler(frame_type)
        if handler is None or self._closed:
            return
        if not self._records.anchored:
            if not self._warned:
                self._warned = True
                logger.warning(f"call recorder {self.call_id}: attach(task) was not called")
            return
        if isinstance(frame, OutputAudioFrame):
            # Audio comes from one TTS in creation order; a later hop carries an older id.
            if frame.id <= self._last_audio_id:
                return
            self._last_audio_id = frame.id
        elif frame in self._seen:
            return
        else:
            self._seen.add(frame)
        try:
            handler(self, frame, timestamp)
        except Exception as exc:  # a bug here must never break the call's audio
            logger.opt(exception=exc).error(f"call recorder {self.call_id} failed on {frame.name}")

    # --- handlers ------------------------------------------------------------------------

    @_handles(UserStartedSpeakingFrame)
    def _user_speaking(self, frame: UserStartedSpeakingFrame, now: float) -> None:
        self._user_started = frame.started_at if frame.started_at is not None else now

    @_handles(UserStoppedSpeakingFrame)
    def _user_quiet(self, frame: UserStoppedSpeakingFrame, now: float) -> None:
        self._user_stopped = frame.stopped_at if frame.stopped_at is not None else now
        self._ttfb = {}

    @_handles(TranscriptionFrame)
    def _transcription(self, frame: TranscriptionFrame, now: float) -> None:
        if not frame.text.strip():
            return
        started = self._user_started
        self._user_started = None
        self.outcomes.caller_said(frame.text)
        self._records.segment("user", frame.text.strip(), started, now)

    @_handles(MetricsFrame)
    def _metrics(self, frame: MetricsFrame, now: float) -> None:
        if self._user_stopped is None:
            return
        for value in frame.data:
            if value.kind == "ttfb":
                self._ttfb.setdefault(value.processor, value.value)

    @_handles(BotStartedSpeakingFrame)
    def _bot_speaking(self, frame: BotStartedSpeakingFrame, now: float) -> None:
        stopped = self._user_stopped
        if stopped is None:
            return
        self._user_stopped = None
        self._records.turn(stopped, now, self._ttfb)

    @_handles(LLMResponseStartFrame)
    def _response_start(self, frame: LLMResponseStartFrame, now: float) -> None:
        self._speech.response_started(frame.response_id)

    @_handles(LLMTextFrame)
    def _response_text(self, frame: LLMTextFrame, now: float) -> None:
        self._speech.response_text(frame.response_id, frame.text)

    @_handles(LLMResponseEndFrame)
    def _response_end(self, frame: LLMResponseEndFrame, now: float) -> None:
        self._speech.response_ended(frame.response_id)

    @_handles(TTSSpeakFrame)
    def _speak(self, frame: TTSSpeakFrame, now: float) -> None:
        self._speech.speak(f"speak-{frame.id}", frame.text)

    @_handles(TTSStartedFrame)
    def _sentence_start(self, frame: TTSStartedFrame, now: float) -> None:
        self._speech.sentence_started(now)

    @_handles(OutputAudioFrame)
    def _audio(self, frame: OutputAudioFrame, now: float) -> None:
        self._speech.audio(frame.duration)

    @_handles(TTSStoppedFrame)
    def _sentence_stop(self, frame: TTSStoppedFrame, now: float) -> None:
        self._speech.sentence_stopped()

    @_handles(PlayedUpToFrame)
    def _played(self, frame: PlayedUpToFrame, now: float) -> None:
        if frame.mark:
            return
        self._speech.played(frame.played_seconds)
        if not self._cutting:
            self._records.bot_heard(self._speech.heard_in_full(now))

    @_handles(InterruptionFrame)
    def _interruption(self, frame: InterruptionFrame, now: float) -> None:
        self._cutting = True

    @_handles(FunctionCallRequestedFrame)
    def _tool_requested(self, frame: FunctionCallRequestedFrame, now: float) -> None:
        self._tool_started[frame.call_id] = now

    @_handles(FunctionCallResultFrame)
    def _tool_result(self, frame: FunctionCallResultFrame, now: float) -> None:
        started = self._tool_started.pop(frame.call_id, None)
        self.outcomes.tool_finished(frame.function_name, frame.result, frame.error)
        self._records.tool(
            frame.call_id,
            frame.function_name,
            frame.arguments,
            started,
            now,
            result=frame.result,
            error=frame.error,
        )

    @_handles(FunctionCallCancelledFrame)
    def _tool_cancelled(self, frame: FunctionCallCancelledFrame, now: float) -> None:
        started = self._tool_started.pop(frame.call_id, None)
        self._records.tool(
            frame.call_id, frame.function_name, {}, started, now, error="cancelled before it ran"
        )

    # --- internals -----------------------------------------------------------------------

    def _on_exit(self, frame: Frame) -> None:
        if isinstance(frame, InterruptionFrame):
            if self._cutting:
                self._finish_cut(self._now())
        elif isinstance(frame, EndFrame | CancelFrame):
            self.close(frame.cause)

    def _finish_cut(self, now: float) -> None:
        self._cutting = False
        self._records.bot_heard(self._speech.cut(now))


def _find_handler(frame_type: type[Frame]) -> _Handler | None:
    for klass in frame_type.__mro__:
        handler = _HANDLERS.get(klass)
        if handler is not None:
            return handler
    return None
