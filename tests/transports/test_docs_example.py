"""The transport written in docs/transports.md works as shown there."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from framekit.clock import ManualClock
from framekit.frames import BotStoppedSpeakingFrame, Frame, InputAudioFrame, OutputAudioFrame
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor, on_frame

DOC = Path(__file__).resolve().parents[2] / "docs" / "transports.md"


def _example() -> dict[str, Any]:
    section = DOC.read_text().split("## Writing a transport", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), str(DOC), "exec"), namespace)
    return namespace


class Parrot(FrameProcessor):
    """Says back what it hears, frame by frame."""

    @on_frame(InputAudioFrame)
    async def _audio(self, frame: InputAudioFrame, direction: FrameDirection) -> None:
        await self.push_frame(OutputAudioFrame(audio=frame.audio, format=frame.format))


async def test_the_queue_transport_from_the_docs_carries_a_call() -> None:
    example = _example()
    inbox: asyncio.Queue[bytes | None] = asyncio.Queue()
    outbox: asyncio.Queue[bytes] = asyncio.Queue()
    clock = ManualClock()
    transport = example["QueueTransport"](inbox, outbox)
    task = PipelineTask(
        Pipeline([transport.input(), Parrot(), transport.output()]),
        params=PipelineParams(idle_timeout=None),
        clock=clock,
    )
    up: list[Frame] = []
    task.on_upstream_exit(up.append)
    runner = asyncio.ensure_future(task.run())
    await task.wait_started()
    for _ in range(10):
        inbox.put_nowait(bytes([0x10, 0x90]) * 80)  # 20 ms of a loud mu-law square wave
    inbox.put_nowait(None)
    sent: list[bytes] = []
    for _ in range(50):
        await clock.advance(0.01)
        while not outbox.empty():
            sent.append(outbox.get_nowait())
    assert {len(chunk) for chunk in sent} == {160}
    assert len(sent) == 10, "200 ms in, 200 ms out: the resamplers' held-back audio is flushed"
    assert any(isinstance(f, BotStoppedSpeakingFrame) for f in up)
    await asyncio.wait_for(runner, 1.0)  # the reader hung up: the call ended by itself
    assert task.end_reason == "hung up"
