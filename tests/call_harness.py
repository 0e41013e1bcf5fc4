"""A call driven by hand: frames in, every frame that left it (both ends), waits on them.

Shared by the LLM and tool tests; a ManualClock unless a clock is given.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from framekit.clock import Clock, ManualClock
from framekit.frames import Frame
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameProcessor

__all__ = ["Call"]


class Call:
    """A running call with every frame that left it, and a way to wait for one."""

    def __init__(
        self,
        processors: Sequence[FrameProcessor],
        *,
        clock: Clock | None = None,
        metrics: bool = False,
    ) -> None:
        self.clock = clock or ManualClock()
        self.task = PipelineTask(
            Pipeline(list(processors)),
            params=PipelineParams(idle_timeout=None, enable_metrics=metrics),
            clock=self.clock,
        )
        self.downstream: list[Frame] = []
        self.upstream: list[Frame] = []
        self._waiters: list[tuple[Callable[[Frame], bool], asyncio.Event]] = []
        self.task.on_downstream_exit(self._downstream)
        self.task.on_upstream_exit(self._upstream)
        self._run: asyncio.Future[None] | None = None

    def _downstream(self, frame: Frame) -> None:
        self.downstream.append(frame)
        self._notify(frame)

    def _upstream(self, frame: Frame) -> None:
        self.upstream.append(frame)
        self._notify(frame)

    def _notify(self, frame: Frame) -> None:
        for predicate, event in self._waiters:
            if predicate(frame):
                event.set()

    async def start(self) -> None:
        self._run = asyncio.ensure_future(self.task.run())
        await asyncio.wait_for(self.task.wait_started(), 5)

    async def send(self, *frames: Frame) -> None:
        await self.task.queue_frames(frames)

    async def wait_for(self, predicate: Callable[[Frame], bool], count: int = 1) -> None:
        """Wait until ``count`` frames matching ``predicate`` have left the call."""

        def seen() -> int:
            return sum(1 for frame in (*self.downstream, *self.upstream) if predicate(frame))

        while seen() < count:
            event = asyncio.Event()
            self._waiters.append((predicate, event))
            await asyncio.wait_for(event.wait(), 5)

    async def end(self) -> None:
        await self.task.stop_when_done()
        assert self._run is not None
        await asyncio.wait_for(self._run, 10)

    async def cancel(self) -> None:
        await self.task.cancel()
        assert self._run is not None
        await asyncio.wait_for(self._run, 5)

    def down_of(self, frame_type: type[Any]) -> list[Any]:
        return [f for f in self.downstream if isinstance(f, frame_type)]

    def up_of(self, frame_type: type[Any]) -> list[Any]:
        return [f for f in self.upstream if isinstance(f, frame_type)]
