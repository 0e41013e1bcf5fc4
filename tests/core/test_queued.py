"""Queued processors: ordering, system frames overtaking, and interruptions."""

from __future__ import annotations

import asyncio

from framekit.frames import (
    EndFrame,
    Frame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    InterruptionFrame,
    TextFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask

from core.helpers import Gate, texts


def _collect(task: PipelineTask) -> list[Frame]:
    out: list[Frame] = []
    task.on_downstream_exit(out.append)
    return out


async def test_system_frames_overtake_queued_data() -> None:
    gate = Gate()
    task = PipelineTask(Pipeline([gate]), params=PipelineParams(idle_timeout=None))
    out = _collect(task)
    call = asyncio.ensure_future(task.run())
    await task.queue_frames([TextFrame(text="1"), TextFrame(text="2"), TextFrame(text="3")])
    await gate.entered.wait()
    speaking = UserStartedSpeakingFrame()
    await task.queue_frame(speaking)
    assert speaking in out, "the system frame went through while data was queued"
    assert texts(out) == []
    gate.opened.set()
    await task.stop_when_done()
    await call
    assert texts(out) == ["1", "2", "3"]
    assert out.index(speaking) < next(i for i, f in enumerate(out) if isinstance(f, TextFrame))


async def test_interruption_drops_exactly_the_droppable_frames() -> None:
    gate = Gate()
    task = PipelineTask(Pipeline([gate]), params=PipelineParams(idle_timeout=None))
    out = _collect(task)
    in_progress = TextFrame(text="being said")
    heard = TranscriptionFrame(text="what the caller said")
    result = FunctionCallResultFrame(call_id="c1", result={"status": "shipped"})
    queued = [
        TextFrame(text="dropped 1"),
        heard,
        FunctionCallRequestedFrame(call_id="c2"),
        result,
        TextFrame(text="dropped 2"),
    ]
    # Queued before the call starts, the task feeds all of them in one go after the
    # StartFrame; the gate's worker then blocks on the first with the rest queued.
    await task.queue_frames([in_progress, *queued])
    call = asyncio.ensure_future(task.run())
    await gate.entered.wait()
    assert gate.queued == len(queued)
    await task.queue_frame(InterruptionFrame())
    gate.opened.set()
    after = TextFrame(text="after the interruption")
    await task.queue_frame(after)
    await task.stop_when_done()
    await call
    assert [f for f in out if f in (in_progress, *queued, after)] == [heard, result, after]
    assert gate.handled == [heard, result, after]
    assert any(isinstance(f, InterruptionFrame) for f in out)


async def test_an_uninterruptible_frame_in_progress_is_finished() -> None:
    gate = Gate()
    task = PipelineTask(Pipeline([gate]), params=PipelineParams(idle_timeout=None))
    out = _collect(task)
    call = asyncio.ensure_future(task.run())
    result = FunctionCallResultFrame(call_id="c1", result=42)
    await task.queue_frame(result)
    await gate.entered.wait()
    await task.queue_frame(InterruptionFrame())
    gate.opened.set()
    await task.stop_when_done()
    await call
    assert result in out
    assert isinstance(out[-1], EndFrame)


async def test_end_drains_every_queued_frame_in_order() -> None:
    gates = [Gate(), Gate()]
    for gate in gates:
        gate.opened.set()
    task = PipelineTask(Pipeline(gates), params=PipelineParams(idle_timeout=None))
    out = _collect(task)
    call = asyncio.ensure_future(task.run())
    await task.queue_frames([TextFrame(text=str(i)) for i in range(500)])
    await task.stop_when_done()
    await call
    assert texts(out) == [str(i) for i in range(500)]
    assert isinstance(out[-1], EndFrame)
    assert task.end_reason == "completed"
