"""The transport pair: both ends from one owner, a reader that lives as long as the call."""

from __future__ import annotations

import asyncio

import pytest

from framekit.audio import PCM16_16K
from framekit.clock import ManualClock
from framekit.frames import Frame, InputAudioFrame
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor, on_frame
from framekit.tasks import live_framekit_tasks
from framekit.transports import NetworkInput, NetworkTransport, OutputTransport, TransportPair
from framekit.transports.local import WavFileTransport


class _Silent(OutputTransport):
    async def write_audio(self, chunk: bytes) -> None:
        """The far end is not listening."""


class _Pipe(NetworkTransport[NetworkInput, _Silent]):
    """Reads 20 ms PCM pieces from a queue until the test stops feeding it."""

    reader_name = "pipe-reader"

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.reader_started = asyncio.Event()
        self._caller = NetworkInput(self)
        super().__init__(self._caller, _Silent())

    async def read(self) -> None:
        self.reader_started.set()
        while True:
            await self._caller.feed_audio(await self.inbox.get(), PCM16_16K)


class _Heard(FrameProcessor):
    def __init__(self) -> None:
        super().__init__()
        self.audio: list[Frame] = []

    @on_frame(InputAudioFrame)
    async def _audio(self, frame: InputAudioFrame, direction: FrameDirection) -> None:
        self.audio.append(frame)


async def test_the_reader_starts_with_the_pipeline_and_ends_with_the_call() -> None:
    pipe, heard = _Pipe(), _Heard()
    assert pipe.input() is pipe.input()
    assert pipe.output() is pipe.output()
    task = PipelineTask(
        Pipeline([pipe.input(), heard, pipe.output()]),
        params=PipelineParams(idle_timeout=None),
        clock=ManualClock(),
    )
    assert not pipe.reader_started.is_set()
    call = asyncio.ensure_future(task.run())
    await task.wait_started()
    await asyncio.wait_for(pipe.reader_started.wait(), 1.0)
    names = [t.get_name() for t in live_framekit_tasks()]
    assert f"framekit:{task.call_id}:pipe-reader" in names
    pipe.inbox.put_nowait(bytes(640))  # 20 ms at 16 kHz
    await asyncio.sleep(0)
    assert len(heard.audio) == 1
    await task.cancel()
    await call
    assert live_framekit_tasks() == []  # the reader ended with the call


def test_an_absent_end_says_so() -> None:
    pair: TransportPair[NetworkInput, _Silent] = TransportPair(None, _Silent())
    with pytest.raises(ValueError, match="has no input"):
        pair.input()
    with pytest.raises(ValueError, match="has no output"):
        WavFileTransport("in.wav").output()
