"""Fan-out/fan-in: frames leave once, the end waits for every branch, memory stays bounded."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc

from framekit.frames import EndFrame, Frame, StartFrame, TextFrame
from framekit.pipeline import ParallelPipeline, Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor
from framekit.testing import run_processor

from core.helpers import Gate, Recorder, texts


class Translate(FrameProcessor):
    """A branch that makes new frames and swallows the originals."""

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, TextFrame):
            await self.push_frame(TextFrame(text=f"fr:{frame.text}"), direction)
        else:
            await self.push_frame(frame, direction)


async def test_frames_from_outside_leave_once_and_new_frames_all_leave() -> None:
    parallel = ParallelPipeline([Recorder()], [Recorder(), Recorder()], [Translate()])
    out = await run_processor(parallel, [TextFrame(text="a"), TextFrame(text="b")])
    assert sorted(texts(out.downstream)) == ["a", "b", "fr:a", "fr:b"]
    assert [type(f) for f in out.downstream].count(StartFrame) == 1
    assert [type(f) for f in out.downstream].count(EndFrame) == 1


async def test_the_end_waits_for_the_slowest_branch() -> None:
    first, slow = Gate(), Gate()
    first.opened.set()
    slow.opened.set()
    parallel = ParallelPipeline([Recorder()], [first, slow])
    out = await run_processor(parallel, [TextFrame(text=str(i)) for i in range(100)])
    assert texts(out.downstream) == [str(i) for i in range(100)]
    assert isinstance(out.downstream[-1], EndFrame)
    assert len(slow.handled) == 100


async def test_upstream_frames_fan_out_and_merge_too() -> None:
    class Upward(FrameProcessor):
        async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
            if isinstance(frame, TextFrame) and direction is FrameDirection.DOWNSTREAM:
                await self.push_frame(TextFrame(text=f"up:{frame.text}"), FrameDirection.UPSTREAM)
            await self.push_frame(frame, direction)

    parallel = ParallelPipeline([Recorder()], [Recorder()])
    out = await run_processor(Pipeline([parallel, Upward()]), [TextFrame(text="x")])
    assert texts(out.upstream) == ["up:x"]


async def test_memory_stays_bounded_over_a_long_call() -> None:
    parallel = ParallelPipeline([Passer()], [Translate()], [Passer()])
    task = PipelineTask(parallel, params=PipelineParams(idle_timeout=None))
    left = 0
    most_tracked = 0

    def count(frame: Frame) -> None:
        nonlocal left, most_tracked
        left += 1
        most_tracked = max(most_tracked, parallel.tracked_frames())

    task.on_downstream_exit(count)
    call = asyncio.ensure_future(task.run())
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(20_000):
        await task.queue_frame(TextFrame(text="x"))
    await task.stop_when_done()
    await call
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert left == 2 + 2 * 20_000  # start, end, each text once plus its translation
    assert most_tracked <= 4
    assert parallel.tracked_frames() == 0
    assert grown < 200_000, f"{grown} bytes retained after 20,000 frames"


class Passer(FrameProcessor):
    """Passes everything on and keeps nothing."""
