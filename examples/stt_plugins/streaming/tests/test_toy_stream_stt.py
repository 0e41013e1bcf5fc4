"""The toy streaming recognizer against a small local server speaking its protocol.

The server "recognizes" one word per 0.2 s of audio it receives; it finalizes what it
has when asked (``finalize``, ``close``), and can drop a connection mid-stream.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from framekit_toy_stream_stt import ToyStreamRecognizer, ToyStreamSession
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from framekit.audio import PCM16_16K
from framekit.clock import SystemClock
from framekit.frames import (
    ErrorFrame,
    InputAudioFrame,
    InterimTranscriptionFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.stt.session import SessionSettings
from framekit.processors.stt.streaming import StreamingSTTProcessor
from framekit.testing import LiveCall

_WORD_BYTES = PCM16_16K.bytes_for(0.2)


class ToyServer:
    """The service: counts audio per connection, answers in the toy protocol."""

    def __init__(self, drop_after_bytes: int | None = None) -> None:
        self.drop_after_bytes = drop_after_bytes
        self.connections = 0
        self.received = 0

    async def handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        stream = finalized = 0  # bytes in this connection's stream, and finalized of them
        try:
            async for message in ws:
                if isinstance(message, bytes):
                    stream += len(message)
                    self.received += len(message)
                    words = (stream - finalized) // _WORD_BYTES
                    if words:
                        await ws.send(json.dumps({"type": "partial", "text": "word " * words}))
                    if self.drop_after_bytes is not None and stream >= self.drop_after_bytes:
                        self.drop_after_bytes = None
                        ws.transport.abort()  # the network fails: no closing handshake
                        return
                    continue
                kind = json.loads(message)["type"]
                if kind in ("finalize", "close"):
                    words = round((stream - finalized) / _WORD_BYTES)
                    final = {
                        "type": "final",
                        "text": " ".join(["word"] * words),
                        "confidence": 0.9,
                        "seconds": PCM16_16K.duration_of(stream - finalized),
                        "end": PCM16_16K.duration_of(stream),
                        "last": True,
                    }
                    finalized = stream
                    await ws.send(json.dumps(final))
                if kind == "close":
                    await ws.close()
                    return
        except ConnectionClosed:
            return


@asynccontextmanager
async def toy_server(server: ToyServer) -> AsyncIterator[str]:
    async with serve(server.handle, "127.0.0.1", 0) as running:
        port = running.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


def _speech(seconds: float) -> list[InputAudioFrame]:
    chunk = b"\x10\x27" * (PCM16_16K.bytes_for(0.02) // 2)
    return [InputAudioFrame(audio=chunk, format=PCM16_16K) for _ in range(round(seconds / 0.02))]


def _stt(url: str) -> StreamingSTTProcessor:
    settings = SessionSettings(reconnect_delay=0.05, close_timeout=1.0)
    return StreamingSTTProcessor(ToyStreamRecognizer(url, settings))


async def test_speech_streams_and_the_stop_finalizes_it() -> None:
    server = ToyServer()
    async with toy_server(server) as url:
        stt = _stt(url)
        async with LiveCall(stt, clock=SystemClock()) as call:
            await stt.wait_connected()
            await call.send(UserStartedSpeakingFrame(), *_speech(1.0), UserStoppedSpeakingFrame())
            await call.wait_until(lambda: bool(call.downstream_of(TranscriptionFrame)))
            await call.end()

    (final,) = call.downstream_of(TranscriptionFrame)
    assert final.text == "word word word word word"
    assert final.confidence == 0.9
    assert call.downstream_of(InterimTranscriptionFrame)  # the utterance so far, as it grew
    assert server.received == PCM16_16K.bytes_for(1.0)
    assert not call.upstream_of(ErrorFrame)


async def test_a_dropped_connection_loses_no_words() -> None:
    server = ToyServer(drop_after_bytes=PCM16_16K.bytes_for(0.4))
    async with toy_server(server) as url:
        stt = _stt(url)
        async with LiveCall(stt, clock=SystemClock()) as call:
            await stt.wait_connected()
            await call.send(UserStartedSpeakingFrame(), *_speech(1.0))
            await call.wait_until(lambda: server.connections == 2 and stt.connected)
            await call.send(UserStoppedSpeakingFrame())
            await call.wait_until(lambda: bool(call.downstream_of(TranscriptionFrame)))
            await call.end()

    (final,) = call.downstream_of(TranscriptionFrame)
    assert final.text == "word word word word word"  # the unfinalized audio was sent again
    (error,) = call.upstream_of(ErrorFrame)
    assert "toy-stream connection failed" in error.error
    session = stt.session
    assert isinstance(session, ToyStreamSession)
    assert session.stats.connects == 2
    assert session.stats.resent_seconds >= 0.4


async def test_the_end_flushes_the_words_in_progress() -> None:
    server = ToyServer()
    async with toy_server(server) as url:
        stt = _stt(url)
        async with LiveCall(stt, clock=SystemClock()) as call:
            await stt.wait_connected()
            await call.send(UserStartedSpeakingFrame(), *_speech(0.6))
            await call.wait_until(lambda: server.received == PCM16_16K.bytes_for(0.6))
            await call.end()  # no stop: the close asks for the last words

    assert [f.text for f in call.downstream_of(TranscriptionFrame)] == ["word word word"]
