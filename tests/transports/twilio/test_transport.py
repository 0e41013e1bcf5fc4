"""The transport on an in-memory socket: the reader's failure paths, without a server."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from framekit.frames import DTMFFrame, Frame, StartFrame
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors.base import FrameDirection, FrameProcessor
from framekit.tasks import live_framekit_tasks
from framekit.transports.twilio import StreamLimits, TwilioMediaStreamTransport

START = {
    "event": "start",
    "start": {"streamSid": "MZ1", "callSid": "CA1", "accountSid": "AC1"},
    "streamSid": "MZ1",
}


class MemorySocket:
    """Messages (or exceptions to raise) come from ``inbox``; sent ones land in ``sent``."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[str | BaseException | None] = asyncio.Queue()
        self.sent: list[str] = []
        self.closed_with: tuple[int, str] | None = None

    async def receive(self) -> str | bytes | None:
        item = await self.inbox.get()
        if isinstance(item, BaseException):
            raise item
        return item

    async def send(self, text: str) -> None:
        if self.closed_with is not None:
            raise ConnectionResetError("closed")
        self.sent.append(text)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed_with is None:
            self.closed_with = (code, reason)


class SlowStart(FrameProcessor):
    """Opens slowly (a model loading) and records the DTMF it sees."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.digits: list[str] = []
        self.got_digit = asyncio.Event()

    async def on_start(self, frame: StartFrame) -> None:
        await asyncio.sleep(self.seconds)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, DTMFFrame):
            self.digits.append(frame.digit)
            self.got_digit.set()
        await self.push_frame(frame, direction)


async def start_call(
    socket: MemorySocket, limits: StreamLimits | None = None, *middle: FrameProcessor
) -> tuple[TwilioMediaStreamTransport, PipelineTask]:
    transport = TwilioMediaStreamTransport(
        socket, limits=limits or StreamLimits(handshake_timeout=1.0)
    )
    socket.inbox.put_nowait(json.dumps({"event": "connected"}))
    socket.inbox.put_nowait(json.dumps(START))
    start = await transport.handshake()
    assert start.call_sid == "CA1"
    task = PipelineTask(
        Pipeline([transport.input(), *middle, transport.output()]),
        params=PipelineParams(idle_timeout=None),
    )
    return transport, task


async def test_a_failing_socket_ends_the_call_instead_of_leaving_it_deaf() -> None:
    socket = MemorySocket()
    transport, task = await start_call(socket)
    runner = asyncio.create_task(task.run())
    await task.wait_started()
    socket.inbox.put_nowait(RuntimeError("boom"))
    await asyncio.wait_for(runner, 5.0)
    assert task.end_reason is not None
    assert "reader failed" in task.end_reason
    assert socket.closed_with is not None
    assert socket.closed_with[0] == 1011
    assert transport.closed
    assert live_framekit_tasks() == []


async def test_closed_socket_during_handshake_is_refused() -> None:
    from framekit.transports.twilio import StreamRefused

    socket = MemorySocket()
    transport = TwilioMediaStreamTransport(socket)
    socket.inbox.put_nowait(None)
    with pytest.raises(StreamRefused, match="socket closed"):
        await transport.handshake()


async def test_sending_on_a_closed_socket_counts_it_closed() -> None:
    socket = MemorySocket()
    transport, _ = await start_call(socket)
    assert await transport.send("x")
    await socket.close(1000)
    assert not await transport.send("y")
    assert transport.closed
    assert socket.sent == ["x"]


async def test_the_backlog_of_a_slow_start_is_not_a_flood() -> None:
    """Twilio streams while the models load; that backlog arrives at once but is no flood."""
    socket = MemorySocket()
    slow = SlowStart(1.0)
    limits = StreamLimits(messages_per_second=25, burst=20)
    transport, task = await start_call(socket, limits, slow)
    media = {"event": "media", "streamSid": "MZ1", "media": {"payload": "/w=="}}
    for _ in range(50):  # 1 s of Twilio's media, unread while the pipeline starts
        socket.inbox.put_nowait(json.dumps(media))
    dtmf = {"event": "dtmf", "streamSid": "MZ1", "dtmf": {"digit": "7"}}
    socket.inbox.put_nowait(json.dumps(dtmf))
    runner = asyncio.create_task(task.run())
    await asyncio.wait_for(slow.got_digit.wait(), 5.0)
    assert transport.end_reason is None
    assert not task.has_finished()
    await task.cancel()
    await runner
    assert live_framekit_tasks() == []


class EchoingSocket(MemorySocket):
    """Echoes every ``mark`` at once, as Twilio does once the audio before it has played."""

    async def send(self, text: str) -> None:
        await super().send(text)
        message = json.loads(text)
        if message["event"] == "mark":
            self.inbox.put_nowait(json.dumps({**message, "streamSid": "MZ1"}))


async def test_longer_chunks_send_fewer_larger_media_messages() -> None:
    """``chunk_ms=40``: each ``media`` carries two of Twilio's 20 ms frames, marks still follow."""
    from framekit.audio import audio_format
    from framekit.frames import EndFrame, OutputAudioFrame

    socket = EchoingSocket()
    transport = TwilioMediaStreamTransport(
        socket, chunk_ms=40, mark_every=2, realtime=False, limits=StreamLimits()
    )
    socket.inbox.put_nowait(json.dumps(START))
    await transport.handshake()
    task = PipelineTask(
        Pipeline([transport.input(), transport.output()]),
        params=PipelineParams(idle_timeout=None),
    )
    speech = OutputAudioFrame(audio=b"\x10\x00" * 4800, format=audio_format(16000))  # 0.3 s
    await task.queue_frames([speech, EndFrame()])
    await asyncio.wait_for(task.run(), 5.0)

    sent = [json.loads(text) for text in socket.sent]
    payloads = [base64.b64decode(m["media"]["payload"]) for m in sent if m["event"] == "media"]
    assert [len(p) for p in payloads] == [320] * 8  # 0.3 s, the last chunk padded
    marks = [i for i, m in enumerate(sent) if m["event"] == "mark"]
    assert len(marks) == 4  # one every 2 chunks, the last one after the last chunk
    assert all(sent[i - 1]["event"] == "media" for i in marks)
    assert transport.output().marks_echoed == transport.output().marks_sent == len(marks)
    assert live_framekit_tasks() == []


async def _speak(transport: TwilioMediaStreamTransport, seconds: float) -> list[Frame]:
    """Play ``seconds`` of the bot's audio through ``transport``; the frames that went upstream."""
    from framekit.audio import audio_format
    from framekit.frames import EndFrame, OutputAudioFrame

    await transport.handshake()
    task = PipelineTask(
        Pipeline([transport.input(), transport.output()]),
        params=PipelineParams(idle_timeout=None),
    )
    upstream: list[Frame] = []
    task.on_upstream_exit(upstream.append)
    samples = round(seconds * 16000)
    speech = OutputAudioFrame(audio=b"\x10\x00" * samples, format=audio_format(16000))
    await task.queue_frames([speech, EndFrame()])
    await asyncio.wait_for(task.run(), 5.0)
    return upstream


async def test_by_default_a_second_of_speech_takes_34_sends_not_60() -> None:
    """40 ms ``media`` and a mark every 3rd chunk (was 20 ms and every 5th: 50 + 10 sends)."""
    socket = EchoingSocket()
    socket.inbox.put_nowait(json.dumps(START))
    transport = TwilioMediaStreamTransport(socket, realtime=False, limits=StreamLimits())
    await _speak(transport, 1.0)

    events = [json.loads(text)["event"] for text in socket.sent]
    assert events.count("media") == 25
    assert events.count("mark") == 9  # after chunks 3, 6, ..., 24, and after the last
    assert len(socket.sent) == 34
    assert live_framekit_tasks() == []


async def test_the_last_chunks_padding_is_not_reported_as_heard() -> None:
    """0.3 s in 40 ms chunks goes out as 0.32 s (the tail padded); 0.3 s was heard."""
    from framekit.frames import PlayedUpToFrame

    socket = EchoingSocket()
    socket.inbox.put_nowait(json.dumps(START))
    transport = TwilioMediaStreamTransport(
        socket, chunk_ms=40, realtime=False, limits=StreamLimits()
    )
    upstream = await _speak(transport, 0.3)

    (played,) = [f for f in upstream if isinstance(f, PlayedUpToFrame)]
    assert played.played_seconds == pytest.approx(0.3)
    assert transport.output().marks_echoed == transport.output().marks_sent > 0


@pytest.mark.parametrize("chunk_ms", [0, 10, 30])
def test_chunks_must_be_whole_twilio_frames(chunk_ms: int) -> None:
    with pytest.raises(ValueError, match="multiple of 20"):
        TwilioMediaStreamTransport(MemorySocket(), chunk_ms=chunk_ms)
