"""The scripted caller speaks its next turn only once the bot's reply has been played."""

from __future__ import annotations

import asyncio

from framekit_contact_center.caller import Keys, ScriptedCaller, Silence, Speak

from framekit.audio import PCM16_16K
from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    DTMFFrame,
    Frame,
    InputAudioFrame,
    InterruptionFrame,
    LLMResponseEndFrame,
)
from framekit.pipeline import PipelineParams, PipelineTask

TURN = b"\x10\x00" * 1600  # 0.1 s of (quiet) audio: only the byte counts matter here


class _Line:
    """The far end of the line: what the caller's audio frames delivered, with a wake-up."""

    def __init__(self, task: PipelineTask) -> None:
        self.heard = bytearray()
        self.changed = asyncio.Event()
        task.on_downstream_exit(self._exit)

    def _exit(self, frame: object) -> None:
        if isinstance(frame, InputAudioFrame):
            self.heard += frame.audio
            self.changed.set()

    async def settle(self, size: int) -> None:
        """Wait until ``size`` bytes have come down the line."""
        async with asyncio.timeout(5):
            while len(self.heard) < size:
                self.changed.clear()
                await self.changed.wait()


async def _still(caller: ScriptedCaller, size: int, spins: int = 200) -> None:
    """Give the caller many chances to run, then check it sent nothing more."""
    for _ in range(spins):
        await asyncio.sleep(0)
    assert len(caller.recording) == size


async def test_the_next_turn_waits_for_the_whole_reply() -> None:
    caller = ScriptedCaller(
        [TURN, TURN], PCM16_16K, realtime=False, lead_in=0.0, trailing_silence=0.2,
        pause_after_reply=0.0,
    )  # fmt: skip
    task = PipelineTask(caller, params=PipelineParams(idle_timeout=None))
    line = _Line(task)
    runner = asyncio.ensure_future(task.run())
    first = len(TURN) + PCM16_16K.bytes_for(0.2)
    await line.settle(first)
    await _still(caller, first)
    caller.observe(BotStartedSpeakingFrame())
    caller.observe(LLMResponseEndFrame(response_id="r1"))
    await _still(caller, first)  # the response is written but still playing
    caller.observe(BotStoppedSpeakingFrame())
    await line.settle(2 * first)
    caller.observe(LLMResponseEndFrame(response_id="r2"))
    async with asyncio.timeout(5):
        await caller.finished.wait()
    await task.stop_when_done()
    await runner
    assert caller.unanswered == 0
    assert bytes(line.heard) == caller.recording
    assert len(caller.recording) == 2 * first


async def test_a_turn_the_bot_never_answers_times_out() -> None:
    caller = ScriptedCaller(
        [TURN], PCM16_16K, realtime=False, lead_in=0.0, trailing_silence=0.0, reply_timeout=0.05
    )
    task = PipelineTask(caller, params=PipelineParams(idle_timeout=None))
    runner = asyncio.ensure_future(task.run())
    async with asyncio.timeout(5):
        await caller.finished.wait()
    await task.stop_when_done()
    await runner
    assert caller.unanswered == 1


async def test_a_barge_in_starts_while_the_bot_speaks_and_keys_go_as_dtmf() -> None:
    caller = ScriptedCaller(
        [TURN, Speak(TURN, barge_in=0.3), Silence(0.1), Keys("12#", gap=0.04)],
        PCM16_16K, realtime=False, lead_in=0.0, trailing_silence=0.2, pause_after_reply=0.0,
    )  # fmt: skip
    task = PipelineTask(caller, params=PipelineParams(idle_timeout=None))
    line = _Line(task)
    digits: list[str] = []

    def keys(frame: Frame) -> None:
        if isinstance(frame, DTMFFrame):
            digits.append(frame.digit)

    task.on_downstream_exit(keys)
    runner = asyncio.ensure_future(task.run())
    first = len(TURN) + PCM16_16K.bytes_for(0.2)
    await line.settle(first)
    await _still(caller, first)
    caller.observe(BotStartedSpeakingFrame())  # the reply starts: 0.3 s later the caller cuts in
    barge_in = first + PCM16_16K.bytes_for(0.3) + len(TURN) + PCM16_16K.bytes_for(0.2)
    await line.settle(barge_in)
    await _still(caller, barge_in)
    # The interrupted reply's end, out while the bot still spoke, is not the barge-in's answer.
    caller.observe(LLMResponseEndFrame(response_id="r1"))
    caller.observe(InterruptionFrame())
    caller.observe(BotStoppedSpeakingFrame())
    await _still(caller, barge_in)
    caller.observe(LLMResponseEndFrame(response_id="r2"))
    await line.settle(barge_in + PCM16_16K.bytes_for(0.1 + 3 * 0.04))  # the quiet step, the keys
    assert digits == ["1", "2", "#"]
    assert not caller.finished.is_set()  # the keys wait for their answer too
    caller.observe(LLMResponseEndFrame(response_id="r3"))
    async with asyncio.timeout(5):
        await caller.finished.wait()
    await task.stop_when_done()
    await runner
    assert caller.unanswered == 0
