"""``input_chunk_ms``: the caller's audio in 40 ms frames, the same audio as in 20 ms ones."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from framekit.frames import Frame, InputAudioFrame
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors.base import FrameDirection, FrameProcessor
from framekit.transports.twilio import TwilioMediaStreamTransport
from transports.twilio.test_transport import START, MemorySocket


class _Heard(FrameProcessor):
    """Keeps every caller audio frame that passes."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[InputAudioFrame] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, InputAudioFrame):
            self.frames.append(frame)
        await self.push_frame(frame, direction)


def _media(payload: bytes) -> str:
    body = {"track": "inbound", "chunk": "1", "timestamp": "0", "payload": ""}
    body["payload"] = base64.b64encode(payload).decode()
    return json.dumps({"event": "media", "streamSid": "MZ1", "media": body})


async def _frames(input_chunk_ms: int, line: bytes) -> list[InputAudioFrame]:
    socket = MemorySocket()
    transport = TwilioMediaStreamTransport(socket, input_chunk_ms=input_chunk_ms)
    socket.inbox.put_nowait(json.dumps(START))
    await transport.handshake()
    heard = _Heard()
    task = PipelineTask(
        Pipeline([transport.input(), heard, transport.output()]),
        params=PipelineParams(idle_timeout=None),
    )
    for start in range(0, len(line), 160):
        socket.inbox.put_nowait(_media(line[start : start + 160]))
    socket.inbox.put_nowait(json.dumps({"event": "stop", "streamSid": "MZ1"}))
    await asyncio.wait_for(task.run(), 10)
    return heard.frames


async def test_40_ms_frames_carry_the_same_audio_in_half_the_frames() -> None:
    line = bytes(range(256)) * 25  # 0.8 s of mu-law, 40 messages
    twenty, forty = await _frames(20, line), await _frames(40, line)
    assert {len(f.audio) for f in twenty} == {640}
    assert {len(f.audio) for f in forty} == {1280}
    assert len(forty) == len(twenty) // 2
    assert b"".join(f.audio for f in forty) == b"".join(f.audio for f in twenty)


@pytest.mark.parametrize("ms", [0, 30, -20])
def test_input_chunks_are_whole_twilio_frames(ms: int) -> None:
    with pytest.raises(ValueError, match="multiple of 20"):
        TwilioMediaStreamTransport(MemorySocket(), input_chunk_ms=ms)
