"""framekit.testing.LiveCall: records both ends, waits on events, fails clearly, leaves nothing."""

from __future__ import annotations

import asyncio

import pytest

from framekit.clock import ManualClock, SystemClock
from framekit.frames import (
    EndFrame,
    ErrorFrame,
    Frame,
    StartFrame,
    TextFrame,
    TranscriptionFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor, QueuedFrameProcessor, on_frame
from framekit.tasks import live_framekit_tasks
from framekit.testing import LiveCall


class Echo(FrameProcessor):
    """Passes each transcription on, answers it, and reports empty ones upstream."""

    @on_frame(TranscriptionFrame)
    async def _heard(self, frame: TranscriptionFrame, direction: FrameDirection) -> None:
        if not frame.text:
            await self.push_error("empty transcription")
            return
        await self.push_frame(frame, direction)
        await self.push_frame(TextFrame(text=f"you said: {frame.text}"))


class SlowModel(QueuedFrameProcessor):
    """Answers each transcription after 0.3 s of the call's clock."""

    @on_frame(TranscriptionFrame)
    async def _answer(self, frame: TranscriptionFrame, direction: FrameDirection) -> None:
        await self.clock.sleep(0.3)
        await self.push_frame(TextFrame(text=frame.text.upper()))


def is_text(frame: Frame) -> bool:
    return isinstance(frame, TextFrame)


async def test_records_the_frames_that_leave_both_ends() -> None:
    async with LiveCall(Echo()) as call:
        await call.send(TranscriptionFrame(text="hi"), TranscriptionFrame(text=""))
        await call.wait_for(lambda f: isinstance(f, ErrorFrame))
        await call.wait_for(is_text)
        assert call.downstream_types() == [TranscriptionFrame, TextFrame]
        assert [f.text for f in call.downstream_of(TextFrame)] == ["you said: hi"]
        assert [e.error for e in call.upstream_of(ErrorFrame)] == ["empty transcription"]
        assert call.upstream_types() == [ErrorFrame]
        assert isinstance(call.downstream[0], StartFrame)
    assert call.task.end_reason == "cancelled"


async def test_wait_for_counts_frames_including_those_already_out() -> None:
    async with LiveCall([Echo()]) as call:
        await call.send(TranscriptionFrame(text="one"))
        await call.wait_for(is_text)
        waiting = asyncio.ensure_future(call.wait_for(is_text, count=3))
        await call.send(TranscriptionFrame(text="two"))
        await call.wait_for(is_text, 2)
        assert not waiting.done()
        await call.send(TranscriptionFrame(text="three"))
        await waiting
        assert len(call.downstream_of(TextFrame)) == 3


async def test_wait_until_checks_a_condition_each_time_a_frame_leaves() -> None:
    async with LiveCall(Echo()) as call:
        await call.send(TranscriptionFrame(text="a"), TranscriptionFrame(text="b"))
        await call.wait_until(lambda: len(call.downstream_of(TranscriptionFrame)) == 2)


async def test_the_manual_clock_moves_only_when_the_test_advances_it() -> None:
    async with LiveCall(SlowModel()) as call:
        assert isinstance(call.clock, ManualClock)
        await call.send(TranscriptionFrame(text="hi"))
        with pytest.raises(TimeoutError):
            await call.wait_for(is_text, seconds=0.05)
        await call.advance(0.3)
        await call.wait_for(is_text)
        assert [f.text for f in call.downstream_of(TextFrame)] == ["HI"]


async def test_advance_needs_a_manual_clock() -> None:
    async with LiveCall(FrameProcessor(), clock=SystemClock()) as call:
        with pytest.raises(TypeError, match="ManualClock"):
            await call.advance(1)


async def test_a_timeout_says_what_was_awaited_and_what_was_seen() -> None:
    async with LiveCall(Echo(), timeout=0.05) as call:
        await call.send(TranscriptionFrame(text="once"))
        await call.wait_for(is_text)
        with pytest.raises(
            TimeoutError, match=r"waited 0.05 s for 2 frame\(s\) matching is_text \(saw 1\)"
        ):
            await call.wait_for(is_text, count=2)
        with pytest.raises(TimeoutError, match=r"the lambda at test_live_call.py:\d+ to hold"):
            await call.wait_until(lambda: False)


async def test_a_wait_fails_at_once_when_the_call_ends_without_the_frame() -> None:
    call = LiveCall(Echo())
    await call.start()
    waiting = asyncio.ensure_future(call.wait_for(is_text))
    await call.end()
    with pytest.raises(AssertionError, match="the call ended while waiting"):
        await waiting


async def test_end_runs_what_is_queued_then_leaves_no_task() -> None:
    call = LiveCall([SlowModel(), SlowModel()])
    await call.start()
    assert len(live_framekit_tasks()) == 2
    await call.send(TranscriptionFrame(text="hi"))
    ending = asyncio.ensure_future(call.end())
    await call.advance(0.6)
    await ending
    assert call.task.end_reason == "completed"
    assert [f.text for f in call.downstream_of(TextFrame)] == ["HI"]
    assert isinstance(call.downstream[-1], EndFrame)
    assert live_framekit_tasks() == []


async def test_cancel_stops_a_busy_call_and_leaves_no_task() -> None:
    call = LiveCall(SlowModel())
    await call.start()
    await call.send(TranscriptionFrame(text="hi"))
    await call.cancel()
    assert call.task.end_reason == "cancelled"
    assert call.downstream_of(TextFrame) == []
    assert live_framekit_tasks() == []


async def test_leaving_the_block_cancels_the_call_even_when_the_test_failed() -> None:
    async def failing_test(call: LiveCall) -> None:
        async with call:
            await call.send(TranscriptionFrame(text="hi"))
            raise KeyError("the test failed here")

    call = LiveCall(SlowModel())
    with pytest.raises(KeyError):
        await failing_test(call)
    assert call.task.has_finished()
    assert live_framekit_tasks() == []


async def test_wraps_a_task_built_elsewhere() -> None:
    task = PipelineTask(
        Pipeline([Echo()]), params=PipelineParams(idle_timeout=None), clock=ManualClock()
    )
    async with LiveCall(task) as call:
        assert call.task is task
        await call.send(TranscriptionFrame(text="hi"))
        await call.wait_for(is_text)
    with pytest.raises(TypeError, match="already has its clock"):
        LiveCall(task, clock=ManualClock())


async def test_end_fails_when_a_task_of_the_call_is_left_running() -> None:
    call = LiveCall(FrameProcessor())
    await call.start()
    never = asyncio.Event()
    leak = asyncio.create_task(never.wait(), name=f"framekit:{call.task.call_id}:leak")
    with pytest.raises(AssertionError, match=r"left tasks running.*:leak"):
        await call.end()
    leak.cancel()
    await asyncio.wait([leak])
