"""The per-call task: start, end, cancel, idle timeout, errors, interruption requests."""

from __future__ import annotations

import asyncio

import pytest

from framekit.clock import ManualClock
from framekit.frames import (
    EndFrame,
    ErrorFrame,
    Frame,
    InterruptionFrame,
    InterruptionRequestFrame,
    StartFrame,
    TextFrame,
    UserStartedSpeakingFrame,
)
from framekit.pipeline import ParallelPipeline, Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor
from framekit.tasks import live_framekit_tasks

from core.helpers import Gate, Recorder, texts


def _many_gates() -> Pipeline:
    """Five queued processors (five workers), one of them in a parallel branch pair."""
    return Pipeline(
        [Gate(), Recorder(), ParallelPipeline([Gate(), Gate()], [Recorder(), Gate()]), Gate()]
    )


def _first_gate(task: PipelineTask) -> Gate:
    return next(p for p in task.pipeline.processors() if isinstance(p, Gate))


async def test_cancel_leaves_no_framekit_task_alive() -> None:
    params = PipelineParams(idle_timeout=None)
    tasks = [PipelineTask(_many_gates(), params=params) for _ in range(3)]
    calls = [asyncio.ensure_future(t.run()) for t in tasks]
    for task in tasks:
        await task.queue_frames([TextFrame(text="stuck in a gate") for _ in range(3)])
    for task in tasks:
        await _first_gate(task).entered.wait()
    assert len(live_framekit_tasks()) == 3 * 5
    for task in tasks:
        await task.cancel()
    await asyncio.gather(*calls)
    assert live_framekit_tasks() == []
    assert all(t.end_reason == "cancelled" for t in tasks)


async def test_cancelling_the_awaiting_task_cancels_the_call() -> None:
    task = PipelineTask(_many_gates(), params=PipelineParams(idle_timeout=None))
    call = asyncio.ensure_future(task.run())
    await task.queue_frame(TextFrame(text="held"))
    await _first_gate(task).entered.wait()
    assert len(live_framekit_tasks()) == 5
    call.cancel()
    await asyncio.wait([call])
    assert call.cancelled()
    assert task.has_finished()
    assert live_framekit_tasks() == []


async def test_ending_gracefully_stops_every_worker_by_itself() -> None:
    pipeline = _many_gates()
    for processor in pipeline.processors():
        if isinstance(processor, Gate):
            processor.opened.set()
    task = PipelineTask(pipeline, params=PipelineParams(idle_timeout=None))
    out: list[Frame] = []
    task.on_downstream_exit(out.append)
    await task.queue_frames([TextFrame(text=str(i)) for i in range(50)])
    await task.stop_when_done()
    await task.run()
    # Both parallel branches pass each text on; it leaves the parallel pipeline once.
    assert texts(out) == [str(i) for i in range(50)]
    assert [type(out[0]), type(out[-1])] == [StartFrame, EndFrame]
    assert live_framekit_tasks() == []


async def test_idle_timeout_cancels_a_silent_call() -> None:
    clock = ManualClock()
    task = PipelineTask(Pipeline([Recorder()]), params=PipelineParams(idle_timeout=30), clock=clock)
    call = asyncio.ensure_future(task.run())
    await asyncio.sleep(0)
    await clock.advance(20)
    await task.queue_frame(UserStartedSpeakingFrame())  # activity restarts the 30 s window
    await clock.advance(20)
    assert not task.has_finished()
    await clock.advance(11)
    await asyncio.wait_for(call, 5)
    assert task.end_reason == "idle timeout"


async def _idle_after_text(params: PipelineParams) -> bool:
    """Whether a call with ``params`` times out although a text frame left it mid-way."""
    clock = ManualClock()
    task = PipelineTask(Pipeline([Recorder()]), params=params, clock=clock)
    call = asyncio.ensure_future(task.run())
    await asyncio.sleep(0)
    await clock.advance(20)
    await task.queue_frame(TextFrame(text="still here"))
    await asyncio.sleep(0)
    await clock.advance(11)
    if not task.has_finished():
        await task.cancel()
    await asyncio.wait_for(call, 5)
    return task.end_reason == "idle timeout"


async def test_activity_frames_of_one_call_do_not_leak_into_another() -> None:
    """Tasks share what they learnt about frame types only with tasks of the same settings."""
    text_is_activity = PipelineParams(idle_timeout=30, activity_frames=(TextFrame,))
    default = PipelineParams(idle_timeout=30)
    for _ in range(2):  # the second round reads what the first one worked out
        assert not await _idle_after_text(text_is_activity)
        assert await _idle_after_text(default)


class EndsTheCall(FrameProcessor):
    """Asks the task to end the call gracefully when it sees 'bye'."""

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        if isinstance(frame, TextFrame) and frame.text == "bye":
            await self.push_frame(EndFrame(reason="caller said bye"), FrameDirection.UPSTREAM)


async def test_a_processor_can_end_the_call_gracefully() -> None:
    task = PipelineTask(Pipeline([EndsTheCall(), Gate()]), params=PipelineParams(idle_timeout=None))
    for processor in task.pipeline.processors():
        if isinstance(processor, Gate):
            processor.opened.set()
    out: list[Frame] = []
    task.on_downstream_exit(out.append)
    await task.queue_frames([TextFrame(text="bye"), TextFrame(text="after")])
    await asyncio.wait_for(task.run(), 5)
    assert task.end_reason == "caller said bye"
    assert texts(out) == ["bye", "after"]


class Fails(FrameProcessor):
    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, TextFrame):
            await self.push_error("provider is gone", fatal=frame.text == "fatal")
        await self.push_frame(frame, direction)


async def test_error_policy_non_fatal_continues_fatal_cancels() -> None:
    task = PipelineTask(Pipeline([Fails()]), params=PipelineParams(idle_timeout=None))
    errors: list[ErrorFrame] = []
    task.on_error(errors.append)
    call = asyncio.ensure_future(task.run())
    await task.queue_frame(TextFrame(text="minor"))
    await task.queue_frame(TextFrame(text="fatal"))
    await asyncio.wait_for(call, 5)
    assert [e.fatal for e in errors] == [False, True]
    assert task.end_reason == "fatal error: provider is gone"


class Barges(FrameProcessor):
    """Requests an interruption when the caller starts to speak, as a VAD would."""

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        if isinstance(frame, UserStartedSpeakingFrame):
            await self.push_frame(InterruptionRequestFrame(), FrameDirection.UPSTREAM)


async def test_interruption_requests_become_one_interruption_from_the_top() -> None:
    hooks_seen: list[str] = []

    class Listens(Recorder):
        async def on_interruption(self, frame: InterruptionFrame) -> None:
            hooks_seen.append(self.name)

    first, last = Listens(), Listens()
    task = PipelineTask(Pipeline([first, Barges(), last]), params=PipelineParams(idle_timeout=None))
    out: list[Frame] = []
    task.on_downstream_exit(out.append)
    await task.queue_frame(UserStartedSpeakingFrame())
    await task.stop_when_done()
    await task.run()
    # The request went up from the middle; the interruption came down from the very top.
    assert hooks_seen == [first.name, last.name]
    kinds = [type(f) for f in out]
    assert kinds.count(InterruptionFrame) == 1
    assert kinds.index(UserStartedSpeakingFrame) < kinds.index(InterruptionFrame)


async def test_interruptions_can_be_switched_off() -> None:
    task = PipelineTask(
        Pipeline([Barges()]), params=PipelineParams(idle_timeout=None, allow_interruptions=False)
    )
    out: list[Frame] = []
    task.on_downstream_exit(out.append)
    await task.queue_frame(UserStartedSpeakingFrame())
    await task.stop_when_done()
    await task.run()
    assert not any(isinstance(f, InterruptionFrame) for f in out)


async def test_a_task_runs_once_and_cancel_before_run_is_clean() -> None:
    task = PipelineTask(Pipeline([Gate()]))
    await task.cancel()
    assert task.has_finished()
    assert task.end_reason == "cancelled"
    with pytest.raises(RuntimeError, match="already run"):
        await task.run()


async def test_frames_after_the_end_are_refused() -> None:
    recorder = Recorder()
    task = PipelineTask(Pipeline([recorder]), params=PipelineParams(idle_timeout=None))
    await task.queue_frame(TextFrame(text="before"))
    await task.stop_when_done()
    await task.queue_frame(TextFrame(text="after"))
    await task.queue_frame(UserStartedSpeakingFrame())
    await task.run()
    assert texts(recorder.seen) == ["before"]
    assert not any(isinstance(f, UserStartedSpeakingFrame) for f in recorder.seen)


async def test_end_and_cancel_requests_pass_queued_processors_on_their_way_up() -> None:
    """A processor below a queued one asks to end, then to cancel: both reach the task."""

    class AsksAtTheBottom(FrameProcessor):
        async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
            await self.push_frame(frame, direction)
            if isinstance(frame, TextFrame):
                request = EndFrame(reason="bottom asked") if frame.text == "end" else None
                if request is not None:
                    await self.push_frame(request, FrameDirection.UPSTREAM)

    gate = Gate()
    gate.opened.set()
    task = PipelineTask(
        Pipeline([gate, AsksAtTheBottom()]), params=PipelineParams(idle_timeout=None)
    )
    await task.queue_frames([TextFrame(text="hello"), TextFrame(text="end")])
    await asyncio.wait_for(task.run(), 5)
    assert task.end_reason == "bottom asked"
    assert gate.handled[-1].text == "end"  # type: ignore[attr-defined]
    assert live_framekit_tasks() == []
