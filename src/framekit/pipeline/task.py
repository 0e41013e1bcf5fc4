"""One call, run from start to finish: :class:`PipelineTask`.

The task wraps a pipeline between a *source* (where the task injects frames and
where upstream frames leave) and a *sink* (where downstream frames leave).
:meth:`PipelineTask.run` sends the :class:`StartFrame`, then feeds queued frames
in from the task that awaits it; no other task is started by the task itself.
Processors that need workers get them from the call's :class:`TaskOwner`, and the
task closes that owner when the call ends, so nothing outlives the call.

How a call ends:

* gracefully, with :meth:`stop_when_done` (or an :class:`EndFrame` pushed upstream
  by a processor): the end frame travels behind everything queued, and the call
  is over when it reaches the sink;
* at once, with :meth:`cancel`, a fatal :class:`ErrorFrame`, or the idle timeout:
  a :class:`CancelFrame` overtakes everything and workers are cancelled.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Sequence

from loguru import logger

from framekit.clock import Clock, SystemClock, TimerHandle
from framekit.frames import (
    CancelFrame,
    EndCause,
    EndFrame,
    ErrorFrame,
    Frame,
    InterruptionFrame,
    InterruptionRequestFrame,
    StartFrame,
)
from framekit.interruptions import drop_interruptible, should_interrupt
from framekit.metrics import MetricsCollector
from framekit.observers.base import Observer
from framekit.pipeline.negotiation import negotiate_audio
from framekit.pipeline.params import PipelineParams
from framekit.processors.base import (
    CANCEL_ROUTE,
    END_ROUTE,
    INTERRUPTION_ROUTE,
    SYSTEM_ROUTE,
    FrameDirection,
    FrameProcessor,
    route_of,
)
from framekit.processors.context import ProcessorContext
from framekit.tasks import TaskOwner

__all__ = ["FrameListener", "PipelineTask"]

FrameListener = Callable[[Frame], None]
"""Called with each frame that leaves the pipeline (at the bottom or at the top)."""

_call_ids = itertools.count(1)
_SYSTEM_CLOCK = SystemClock()  # it keeps no state, so every call can read the same one

_Verdicts = dict[type[Frame], bool]
_SHARED_VERDICTS: dict[tuple[type[Frame], ...], tuple[_Verdicts, _Verdicts]] = {}
"""Per set of activity frames: which frame types are activity, and which the task acts
on when they leave the pipeline. Every task with the same settings shares them, so a
call does not work them out again for its start and end frames."""
_MAX_SHARED_VERDICTS = 16


def _verdicts_for(activity_frames: tuple[type[Frame], ...]) -> tuple[_Verdicts, _Verdicts]:
    """The shared verdicts for these settings (new, unshared ones past a few settings)."""
    verdicts = _SHARED_VERDICTS.get(activity_frames)
    if verdicts is None:
        verdicts = ({}, {})
        if len(_SHARED_VERDICTS) < _MAX_SHARED_VERDICTS:
            _SHARED_VERDICTS[activity_frames] = verdicts
    return verdicts


DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM


class _Source(FrameProcessor):
    """Top of the call: the task pushes frames from here; upstream frames end here."""

    def __init__(self, task: PipelineTask) -> None:
        super().__init__(name=f"{task.call_id}.source")
        self._task = task

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        self._task._on_upstream_exit(frame)


class _Sink(FrameProcessor):
    """Bottom of the call: downstream frames end here."""

    def __init__(self, task: PipelineTask) -> None:
        super().__init__(name=f"{task.call_id}.sink")
        self._task = task

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        self._task._on_downstream_exit(frame)


class PipelineTask:
    """Runs one pipeline for one call: start, feed, idle timeout, graceful end, cancel."""

    def __init__(
        self,
        pipeline: FrameProcessor,
        *,
        params: PipelineParams | None = None,
        observers: Sequence[Observer] = (),
        clock: Clock | None = None,
        call_id: str | None = None,
    ) -> None:
        self.params = params or PipelineParams()
        self.call_id = call_id or f"call-{next(_call_ids)}"
        self.pipeline = pipeline
        self.clock: Clock = clock or _SYSTEM_CLOCK
        self.metrics = MetricsCollector()
        self._observers = tuple(observers)
        self._tasks = TaskOwner(self.call_id)
        self._source = _Source(self)
        self._sink = _Sink(self)
        self._source.link(pipeline)
        pipeline.link(self._sink)
        self._queue: deque[tuple[Frame, FrameDirection]] = deque()
        self._has_frames = asyncio.Event()
        self._finished = asyncio.Event()
        self._started_event = asyncio.Event()
        self._running = False
        self._started = False
        self._end_queued = False
        self._idle_timer: TimerHandle | None = None
        self._last_activity = 0.0
        self._activity_types, self._notable_types = _verdicts_for(self.params.activity_frames)
        self._downstream_listeners: list[FrameListener] = []
        self._upstream_listeners: list[FrameListener] = []
        self._error_listeners: list[Callable[[ErrorFrame], None]] = []
        self._members: tuple[FrameProcessor, ...] = ()
        """The pipeline's processors, listed once when the call starts (set up, then cleaned up)."""
        self.end_reason: str | None = None

    # --- public API ----------------------------------------------------------------------

    @property
    def tasks(self) -> TaskOwner:
        """The owner of every task this call runs."""
        return self._tasks

    def has_finished(self) -> bool:
        """True once the end or cancel frame has left the pipeline."""
        return self._finished.is_set()

    async def wait_started(self) -> None:
        """Wait until the :class:`StartFrame` has gone through the whole pipeline."""
        await self._started_event.wait()

    async def wait_finished(self) -> None:
        """Wait until the call has ended, however it ends."""
        await self._finished.wait()

    def on_downstream_exit(self, listener: FrameListener) -> None:
        """Call ``listener`` with every frame that leaves the bottom of the pipeline."""
        self._downstream_listeners.append(listener)

    def on_upstream_exit(self, listener: FrameListener) -> None:
        """Call ``listener`` with every frame that leaves the top of the pipeline."""
        self._upstream_listeners.append(listener)

    def on_error(self, listener: Callable[[ErrorFrame], None]) -> None:
        """Call ``listener`` with every error a processor reports."""
        self._error_listeners.append(listener)

    async def queue_frame(self, frame: Frame) -> None:
        """Send ``frame`` into the pipeline from the top.

        System frames go through at once, from the caller's task; other frames
        are queued and fed in order by :meth:`run`. Before the call has started,
        everything waits in the queue behind the :class:`StartFrame`. Once the end
        is queued, only a :class:`CancelFrame` is still accepted.
        """
        if self._finished.is_set():
            logger.debug(f"{self.call_id}: {frame.name} queued after the call ended; ignored")
            return
        route = route_of(type(frame))
        if self._end_queued and route is not CANCEL_ROUTE:
            logger.debug(f"{self.call_id}: {frame.name} queued after the end; ignored")
            return
        if route is INTERRUPTION_ROUTE:
            drop_interruptible(self._queue)
        if self._started and (route is SYSTEM_ROUTE or route is INTERRUPTION_ROUTE):
            await self._source.push_frame(frame, DOWNSTREAM)
            return
        if route is CANCEL_ROUTE:
            self._queue.appendleft((frame, DOWNSTREAM))
        else:
            if route is END_ROUTE:
                self._end_queued = True
            self._queue.append((frame, DOWNSTREAM))
        self._has_frames.set()

    async def queue_frames(self, frames: Iterable[Frame]) -> None:
        """:meth:`queue_frame` for each of ``frames``, in order."""
        for frame in frames:
            await self.queue_frame(frame)

    async def stop_when_done(
        self, reason: str = "completed", cause: EndCause = EndCause.COMPLETED
    ) -> None:
        """End the call gracefully after every frame queued so far (``cause``: for records)."""
        if not self._end_queued:
            await self.queue_frame(EndFrame(reason=reason, cause=cause))

    async def cancel(self, reason: str = "cancelled", cause: EndCause = EndCause.CANCELLED) -> None:
        """End the call now and wait until it has stopped; ``cause`` is the code records keep."""
        if not self._running:
            if not self._finished.is_set():
                self.end_reason = reason
                self._finished.set()
                await self._tasks.close()
            return
        await self.queue_frame(CancelFrame(reason=reason, cause=cause))
        await self._finished.wait()

    async def run(self) -> None:
        """Run the call until it ends; cancelling the awaiting task cancels the call."""
        if self._running or self._finished.is_set():
            raise RuntimeError(f"{self.call_id} has already run")
        self._running = True
        context = ProcessorContext(
            call_id=self.call_id,
            clock=self.clock,
            tasks=self._tasks,
            observers=self._observers,
            enable_metrics=self.params.enable_metrics,
        )
        self._members = tuple(self.pipeline.processors())
        for processor in (self._source, *self._members, self._sink):
            processor.setup(context)
        try:
            start = self._start_frame()
            negotiate_audio(
                self.pipeline, start, source=self._source, sink=self._sink,
                needed_at_exit=self._is_notable,
            )  # fmt: skip
            await self._source.push_frame(start, DOWNSTREAM)
            self._started = True
            self._started_event.set()
            self._last_activity = self.clock.now()
            self._arm_idle_timer(self.params.idle_timeout)
            await self._feed()
        except asyncio.CancelledError:
            if not self._finished.is_set():
                await self._source.push_frame(CancelFrame(reason="runner cancelled"), DOWNSTREAM)
            raise
        finally:
            await self._shutdown()

    # --- internals -----------------------------------------------------------------------

    def _start_frame(self) -> StartFrame:
        p = self.params
        return StartFrame(
            audio_in_sample_rate=p.audio_in_sample_rate,
            audio_out_sample_rate=p.audio_out_sample_rate,
            allow_interruptions=p.allow_interruptions,
            enable_metrics=p.enable_metrics,
        )

    async def _feed(self) -> None:
        queue = self._queue
        while not self._finished.is_set():
            if not queue:
                self._has_frames.clear()
                await self._has_frames.wait()
                continue
            frame, direction = queue.popleft()
            await self._source.push_frame(frame, direction)

    async def _shutdown(self) -> None:
        self._finished.set()
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        await self._tasks.close()
        for processor in self._members:
            try:
                await processor.cleanup()
            except Exception as exc:
                logger.opt(exception=exc).error(f"{processor.name} failed to clean up")

    def _finish(self, reason: str) -> None:
        if not self._finished.is_set():
            self.end_reason = reason
            self._finished.set()
            self._has_frames.set()

    def _on_downstream_exit(self, frame: Frame) -> None:
        notable = self._notable_types.get(type(frame))
        if notable is None:
            notable = self._is_notable(type(frame))
        if notable:
            if isinstance(frame, EndFrame | CancelFrame):
                self._finish(frame.reason)
            self._note_activity(frame)
            self.metrics.observe(frame, self.clock.now())
        for listener in self._downstream_listeners:
            listener(frame)

    def _is_notable(self, frame_type: type[Frame]) -> bool:
        """Whether frames of this type matter to the task when they leave the pipeline.

        Most frames (caller audio above all) do not; deciding once per type (for every
        task with the same settings) keeps the exit of every ordinary frame down to a
        dictionary lookup.
        """
        notable = self._notable_types.get(frame_type)
        if notable is None:
            notable = self._notable_types[frame_type] = issubclass(
                frame_type,
                (EndFrame, CancelFrame, *self.params.activity_frames, *MetricsCollector.OBSERVED),
            )
        return notable

    def _on_upstream_exit(self, frame: Frame) -> None:
        for listener in self._upstream_listeners:
            listener(frame)
        self._note_activity(frame)
        if isinstance(frame, ErrorFrame):
            self._on_processor_error(frame)
        elif isinstance(frame, InterruptionRequestFrame):
            pending = any(isinstance(queued, InterruptionFrame) for queued, _ in self._queue)
            if should_interrupt(
                allow_interruptions=self.params.allow_interruptions, pending=pending
            ):
                drop_interruptible(self._queue)
                self._queue.appendleft((InterruptionFrame(), DOWNSTREAM))
                self._has_frames.set()
        elif isinstance(frame, CancelFrame):
            self._queue.appendleft(
                (CancelFrame(reason=frame.reason, cause=frame.cause), DOWNSTREAM)
            )
            self._has_frames.set()
        elif isinstance(frame, EndFrame) and not self._end_queued:
            self._end_queued = True
            self._queue.append((EndFrame(reason=frame.reason, cause=frame.cause), DOWNSTREAM))
            self._has_frames.set()

    def _on_processor_error(self, frame: ErrorFrame) -> None:
        for listener in self._error_listeners:
            listener(frame)
        if frame.fatal:
            logger.error(f"{self.call_id}: fatal error, cancelling the call: {frame.error}")
            fatal = CancelFrame(reason=f"fatal error: {frame.error}", cause=EndCause.ERROR)
            self._queue.appendleft((fatal, DOWNSTREAM))
            self._has_frames.set()

    def _note_activity(self, frame: Frame) -> None:
        frame_type = type(frame)
        is_activity = self._activity_types.get(frame_type)
        if is_activity is None:
            is_activity = issubclass(frame_type, self.params.activity_frames)
            self._activity_types[frame_type] = is_activity
        if is_activity:
            self._last_activity = self.clock.now()

    def _arm_idle_timer(self, delay: float | None) -> None:
        if delay is not None and not self._finished.is_set():
            self._idle_timer = self.clock.call_later(delay, self._check_idle)

    def _check_idle(self) -> None:
        timeout = self.params.idle_timeout
        assert timeout is not None
        idle_for = self.clock.now() - self._last_activity
        if idle_for >= timeout:
            logger.info(f"{self.call_id}: idle for {idle_for:.1f}s, cancelling the call")
            idle = CancelFrame(reason="idle timeout", cause=EndCause.IDLE)
            self._queue.appendleft((idle, DOWNSTREAM))
            self._has_frames.set()
        else:
            self._arm_idle_timer(timeout - idle_for)
