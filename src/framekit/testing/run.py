"""Run a processor or a pipeline on frames and collect what comes out, in a few lines.

::

    from framekit.testing import run_processor

    async def test_upper_case() -> None:
        out = await run_processor(UpperCase(), [TextFrame(text="hi")])
        assert [f.text for f in out.downstream_of(TextFrame)] == ["HI"]

The processor runs inside a real :class:`~framekit.pipeline.PipelineTask` (start,
your frames, graceful end), so what a test sees is what a call would see. Time is
a :class:`~framekit.clock.ManualClock` unless you pass another clock: put
:class:`Advance` items between frames to move it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from framekit.clock import Clock, ManualClock
from framekit.frames import CancelFrame, EndFrame, Frame, StartFrame
from framekit.observers.base import Observer
from framekit.pipeline.params import PipelineParams
from framekit.pipeline.pipeline import Pipeline
from framekit.pipeline.task import PipelineTask
from framekit.processors.base import FrameProcessor

__all__ = ["Advance", "FrameCapture", "run_processor"]

F = TypeVar("F", bound=Frame)

_LIFECYCLE = (StartFrame, EndFrame, CancelFrame)


@dataclass(frozen=True, slots=True)
class Advance:
    """Move the manual clock forward by ``seconds`` at this point of the input."""

    seconds: float


@dataclass(slots=True)
class FrameCapture:
    """Every frame that left the pipeline, in arrival order, in each direction."""

    task: PipelineTask
    downstream: list[Frame] = field(default_factory=list)
    upstream: list[Frame] = field(default_factory=list)

    def downstream_of(self, frame_type: type[F]) -> list[F]:
        """Downstream frames of ``frame_type`` (and its subclasses), in order."""
        return [f for f in self.downstream if isinstance(f, frame_type)]

    def upstream_of(self, frame_type: type[F]) -> list[F]:
        """Upstream frames of ``frame_type`` (and its subclasses), in order."""
        return [f for f in self.upstream if isinstance(f, frame_type)]

    def downstream_types(self, *, lifecycle: bool = False) -> list[type[Frame]]:
        """Types of the downstream frames, lifecycle frames left out unless asked for."""
        return [type(f) for f in self.downstream if lifecycle or not isinstance(f, _LIFECYCLE)]

    def upstream_types(self) -> list[type[Frame]]:
        """Types of the upstream frames."""
        return [type(f) for f in self.upstream]


async def run_processor(
    processor: FrameProcessor | Sequence[FrameProcessor],
    frames: Iterable[Frame | Advance],
    *,
    clock: Clock | None = None,
    params: PipelineParams | None = None,
    observers: Sequence[Observer] = (),
    end: bool = True,
    time_limit: float = 10.0,
) -> FrameCapture:
    """Start a call around ``processor``, send ``frames``, end it, and return what came out.

    ``end=False`` cancels the call instead of ending it gracefully. ``time_limit``
    bounds the whole run, so a processor that never lets the end frame through
    fails the test instead of hanging it.
    """
    pipeline = processor if isinstance(processor, FrameProcessor) else Pipeline(processor)
    run_clock = clock if clock is not None else ManualClock()
    task = PipelineTask(
        pipeline,
        params=params or PipelineParams(idle_timeout=None),
        clock=run_clock,
        observers=observers,
    )
    capture = FrameCapture(task=task)
    task.on_downstream_exit(capture.downstream.append)
    task.on_upstream_exit(capture.upstream.append)

    async def drive() -> None:
        runner = asyncio.ensure_future(task.run())
        try:
            started = asyncio.ensure_future(task.wait_started())
            await asyncio.wait([started, runner], return_when=asyncio.FIRST_COMPLETED)
            started.cancel()
            for item in frames:
                if isinstance(item, Advance):
                    if not isinstance(run_clock, ManualClock):
                        raise TypeError("Advance needs a ManualClock")
                    await run_clock.advance(item.seconds)
                else:
                    await task.queue_frame(item)
            if end:
                await task.stop_when_done()
            else:
                await task.cancel()
            await runner
        finally:
            if not runner.done():
                runner.cancel()
                await asyncio.wait([runner])

    await asyncio.wait_for(drive(), time_limit)
    return capture
