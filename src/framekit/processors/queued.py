"""Processors that do slow work get one owned worker and an ordered queue.

A model inference or a network call must not stall the caller's audio, so a
processor that awaits such work derives from :class:`QueuedFrameProcessor`:

* ordered frames (data, control, the graceful :class:`EndFrame`) wait in the
  processor's queue and are handled one at a time by its worker, in order;
* system frames (caller audio, speaking events, errors) are handled at once,
  in the sender's task: they overtake the queue;
* an interruption drops the queued frames that may go and cancels the frame in
  progress if it may go, by the rules of :mod:`framekit.interruptions`.

The worker is an asyncio task owned by the call: the pipeline task ends it with
the call, whatever happens.

``process_frame`` therefore runs in two places: on the worker for ordered frames,
and in the sender's task for system frames. Only the ordered path may wait on slow
work; handle system frames quickly (or just pass them on).
"""

from __future__ import annotations

import asyncio
from collections import deque

from loguru import logger

from framekit.frames import CancelFrame, EndFrame, Frame, InterruptionFrame, StartFrame
from framekit.interruptions import drop_interruptible, survives_interruption
from framekit.processors.base import (
    CANCEL_ROUTE,
    END_ROUTE,
    ORDERED_ROUTE,
    START_ROUTE,
    SYSTEM_ROUTE,
    FrameDirection,
    FrameProcessor,
    route_of,
)

__all__ = ["QueuedFrameProcessor"]

UPSTREAM = FrameDirection.UPSTREAM


class QueuedFrameProcessor(FrameProcessor):
    """A processor whose ordered frames run on its own worker task, one at a time."""

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._queue: deque[tuple[Frame, FrameDirection]] = deque()
        self._has_frames = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._current: Frame | None = None
        self._finished = False

    @property
    def queued(self) -> int:
        """Frames waiting for the worker (not counting the one in progress)."""
        return len(self._queue)

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        route = route_of(type(frame))
        if route is SYSTEM_ROUTE:  # caller audio and the like: at once, in the sender's task
            await super().receive(frame, direction)
        elif route >= START_ROUTE and direction is UPSTREAM:
            await self.push_frame(frame, direction)  # a request to the task: see FrameProcessor
        elif route is ORDERED_ROUTE or route is END_ROUTE:
            if self._finished:
                logger.debug(f"{self.name}: {frame.name} arrived after the end; ignored")
                return
            self._queue.append((frame, direction))
            self._has_frames.set()
        elif route is START_ROUTE:
            assert isinstance(frame, StartFrame)
            self._finished = False
            self._start_worker()
            await self._handle_lifecycle(route, frame, direction)
        elif route is CANCEL_ROUTE:
            assert isinstance(frame, CancelFrame)
            self._finished = True
            self._queue.clear()
            await self._stop_worker()
            await self._handle_lifecycle(route, frame, direction)
        else:
            assert isinstance(frame, InterruptionFrame)
            await self._interrupt()
            await self._handle_lifecycle(route, frame, direction)

    async def _interrupt(self) -> None:
        dropped = drop_interruptible(self._queue)
        current = self._current
        worker = self._worker
        if (
            current is not None
            and not survives_interruption(current)
            and worker is not None
            and worker is not asyncio.current_task()
        ):
            await self._stop_worker()
            self._start_worker()
            dropped += 1
        if dropped:
            logger.debug(f"{self.name}: interruption dropped {dropped} frame(s)")

    def _start_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = self.context.tasks.create_task(self._work(), self.name)

    async def _stop_worker(self) -> None:
        worker, self._worker = self._worker, None
        self._current = None
        if worker is not None and not worker.done() and worker is not asyncio.current_task():
            worker.cancel()
            await asyncio.wait([worker])

    async def _work(self) -> None:
        queue = self._queue
        while True:
            while not queue:
                self._has_frames.clear()
                await self._has_frames.wait()
            frame, direction = queue.popleft()
            self._current = frame
            try:
                if isinstance(frame, EndFrame):
                    self._finished = True
                    await self._handle_lifecycle(END_ROUTE, frame, direction)
                    return
                await self._process_timed(frame, direction)
            finally:
                self._current = None

    async def _process_timed(self, frame: Frame, direction: FrameDirection) -> None:
        started = self._clock.now() if self.metrics_enabled else 0.0
        try:
            await self.process_frame(frame, direction)
        except Exception as exc:
            await self._report_failure(exc, frame)
        if self.metrics_enabled:
            await self.report_metric("processing", self._clock.now() - started)
