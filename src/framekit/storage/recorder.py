"""The call recorder: turns a call's frames into records, without waiting.

Everything stored is taken at a declared place: the recorder's record points
(:class:`RecordPoint`), pass-through processors the application places in the
pipeline after any redaction stage (one right after the speech-to-text stage for
the caller's words, before any stage that answers them itself; one before the
output transport, below the tool runner, for the bot's text and the tools' results,
the output transport's reports going up through both). A stage before a point that
rewrites what passes (a transcription, a tool's arguments or result) therefore
changes what is stored, and the original never is:

* **the words** (the caller's final transcriptions, the bot's text, the output
  transport's reports of what the caller heard) are recorded where they first
  enter a point;
* **the tools' words** (arguments, result, error, a cancellation) are recorded
  where a tool's result enters a point going **downstream**: a tool runner sends
  each result both ways, and the copy that goes up is the model's, never stored
  (:mod:`framekit.storage._tools`);
* the points also open the call record when the call starts, cut the bot's
  utterances once an interruption has passed them, and close the record once the
  call is over (their ``cleanup``).

What is only timing is taken where it happens: the recorder is also an
:class:`~framekit.observers.Observer` of the call's task and notes, on the first hop
it sees them on, when the caller and the bot started and stopped speaking, the
``ttfb`` metrics, and when each tool started and finished. Metrics stay there on
purpose: they carry no words a redaction stage could change, and many are born below
the last point (the output transport's) or never pass one; requiring a point would
lose them and protect nothing. A tool's duration is measured where it ran, not where
its result is stored (it may wait behind the bot's sentences in a queue first).

Why it cannot block the audio: an observer is called synchronously on each hop,
so :meth:`CallRecorder.on_push` does a dictionary lookup per frame, a little
bookkeeping for the few frame types it cares about, and hands finished records
to the process's :class:`~framekit.storage.writer.RecordWriter` with a
non-blocking queue put. All I/O happens in the writer's thread.

A frame is counted once where it is observed and once where it is stored: the
recorder keeps weak sets of the frames it has handled, so its memory follows the
frames still alive, not the length of the call. What the caller heard of the bot
comes from the output transport's reports, as :mod:`framekit.storage._speech`
describes.

Use::

    recorder = CallRecorder(shared_writer(), caller="+15550100", external_id=call_sid)
    pipeline = Pipeline([
        transport.input(), vad, stt, redact, recorder.record_point(),  # the caller's words
        llm, tool_runner, redact_tools, tts,
        recorder.record_point(), transport.output(),  # the bot's words, the tools' results
    ])
    task = PipelineTask(pipeline, observers=[recorder])
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

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
    SentencePlayedFrame,
    StartFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.frames.dispatch import FrameTypeMap
from framekit.processors.base import FrameDirection, FrameProcessor
from framekit.processors.context import ProcessorContext
from framekit.storage._builder import CallRecords
from framekit.storage._speech import BotSpeech
from framekit.storage._tools import ToolCalls
from framekit.storage.orphans import process_owner
from framekit.storage.outcome import CALL_CONTROL_TOOLS, OutcomeTracker
from framekit.storage.records import Record

__all__ = ["CallRecorder", "RecordPoint", "RecordSink", "SubmitsRecords"]

RecordSink = Callable[[Record], None]
"""Where records go: a callable that takes one record and never blocks."""


@runtime_checkable
class SubmitsRecords(Protocol):
    """Has a non-blocking ``submit(record)``, as :class:`~framekit.storage.RecordWriter` has."""

    def submit(self, record: Record) -> None: ...


_Handler = Callable[["CallRecorder", Any, float], None]


@dataclass(frozen=True, slots=True)
class _Route:
    """What the recorder does with a frame type, and where."""

    seen: _Handler | None = None
    """Called on the first hop the frame is seen on (timing)."""
    taken: _Handler | None = None
    """Called where the frame first enters one of the recorder's points (what is stored)."""
    only: FrameDirection | None = None
    """The direction ``taken`` wants the frame in (``None``: either)."""


_HANDLERS: FrameTypeMap[_Route] = FrameTypeMap()
_HANDLER_CACHE = _HANDLERS.cached


def _handles(
    *frame_types: type[Frame], at_point: bool = False, only: FrameDirection | None = None
) -> Callable[[_Handler], _Handler]:
    """Declare a handler: on the first hop (timing), or ``at_point`` (what is stored)."""

    def register(method: _Handler) -> _Handler:
        for frame_type in frame_types:
            route = _HANDLERS.declared().get(frame_type, _Route())
            if at_point:
                route = replace(route, taken=method, only=only)
            else:
                route = replace(route, seen=method)
            _HANDLERS.declare(frame_type, route)
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
        self._taken: weakref.WeakSet[Frame] = weakref.WeakSet()
        self._cause = EndCause.COMPLETED
        self._speech = BotSpeech()
        self._user_started: float | None = None
        self._user_stopped: float | None = None
        self._ttfb: dict[str, float] = {}
        self._tools = ToolCalls(self._records, self.outcomes)
        self._closed = False
        self._warned = False

    # --- public API ----------------------------------------------------------------------

    def record_point(self) -> RecordPoint:
        """A new processor to place where what is stored is taken; see the module docstring.

        Place it after any stage that must change what is stored (redaction), where
        the words pass (a tool runner's results pass a point below it); the output
        transport's reports of what was heard go up through it. Give the recorder to
        the task's ``observers`` too (for the timing).
        """
        return RecordPoint(self)

    def _open(self) -> None:
        """The call starts (its start frame reached a record point): open the call record."""
        if self._records.anchored:
            return
        now = self._now()
        self._records.anchor(now)
        self._records.opened(
            now,
            external_id=self.external_id,
            caller=self.caller,
            dialled=self.dialled,
            direction=self.direction,
            owner=self.owner,
        )

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
        """Close the call record (done for you once the call is over, from the record point)."""
        if self._closed:
            return
        self._closed = True
        now = self._now()
        self._records.bot_heard(self._speech.cut(now))
        self._tools.close()
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
        try:
            route = _HANDLER_CACHE[type(frame)]
        except KeyError:
            route = _HANDLERS.get(type(frame))
        if route is None or self._closed:
            return
        if not self._records.anchored:
            if not self._warned:
                self._warned = True
                logger.warning(f"call recorder {self.call_id}: no record_point() is placed")
            return
        try:
            if route.seen is not None and frame not in self._seen:
                self._seen.add(frame)
                route.seen(self, frame, timestamp)
            if (
                route.taken is not None
                and isinstance(destination, RecordPoint)
                and destination.recorder is self
                and (route.only is None or route.only is direction)
                and frame not in self._taken
            ):
                self._taken.add(frame)
                route.taken(self, frame, timestamp)
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

    @_handles(TranscriptionFrame, at_point=True)
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

    @_handles(LLMResponseStartFrame, at_point=True)
    def _response_start(self, frame: LLMResponseStartFrame, now: float) -> None:
        self._speech.response_started(frame.response_id)

    @_handles(LLMTextFrame, at_point=True)
    def _response_text(self, frame: LLMTextFrame, now: float) -> None:
        self._speech.response_text(frame.response_id, frame.text)

    @_handles(LLMResponseEndFrame, at_point=True)
    def _response_end(self, frame: LLMResponseEndFrame, now: float) -> None:
        self._records.bot_heard(self._speech.response_ended(frame.response_id, now))

    @_handles(SentencePlayedFrame, at_point=True)
    def _played(self, frame: SentencePlayedFrame, now: float) -> None:
        self._records.bot_heard(self._speech.sentence_played(frame, now))

    @_handles(FunctionCallRequestedFrame)
    def _tool_requested(self, frame: FunctionCallRequestedFrame, now: float) -> None:
        self._tools.requested(frame.call_id, frame.function_name, now)

    @_handles(FunctionCallResultFrame, FunctionCallCancelledFrame)
    def _tool_finished(
        self, frame: FunctionCallResultFrame | FunctionCallCancelledFrame, now: float
    ) -> None:
        self._tools.finished(frame, now)

    @_handles(
        FunctionCallResultFrame,
        FunctionCallCancelledFrame,
        at_point=True,
        only=FrameDirection.DOWNSTREAM,
    )
    def _tool_stored(
        self, frame: FunctionCallResultFrame | FunctionCallCancelledFrame, now: float
    ) -> None:
        self._tools.stored(frame, now)

    # --- from the record point -----------------------------------------------------------

    def _cut(self) -> None:
        """An interruption has passed every processor below a point: what was heard is known."""
        if self._records.anchored and not self._closed:
            self._records.bot_heard(self._speech.cut(self._now()))


class RecordPoint(FrameProcessor):
    """Where a :class:`CallRecorder` takes what it stores; passes every frame on unchanged.

    Made by :meth:`CallRecorder.record_point`; see the module docstring for where it goes.
    A call may have several: a frame is stored at the first it enters (a tool's result
    once per call id), and the record opens, is cut and closes once whichever point
    acts first.
    """

    def __init__(self, recorder: CallRecorder) -> None:
        super().__init__(name=f"RecordPoint:{recorder.call_id[:8]}")
        self.recorder = recorder

    def setup(self, context: ProcessorContext) -> None:
        super().setup(context)
        self.recorder._now = context.clock.now

    async def on_start(self, frame: StartFrame) -> None:
        self.recorder._open()

    async def on_end(self, frame: EndFrame) -> None:
        self.recorder._cause = frame.cause

    async def on_cancel(self, frame: CancelFrame) -> None:
        self.recorder._cause = frame.cause

    async def after_interruption(self, frame: InterruptionFrame | CancelFrame) -> None:
        if isinstance(frame, InterruptionFrame):
            self.recorder._cut()

    async def cleanup(self) -> None:
        """The call is over, however it ended, and every report has arrived: close the record."""
        self.recorder.close(self.recorder._cause)
