"""framekit-toy-stream-stt: a streaming speech recognizer written outside framekit.

The service speaks a small WebSocket protocol: binary messages are 16 kHz PCM16
audio; the client's text messages are ``{"type": "finalize"}``, ``"keepalive"`` and
``"close"``; the service answers ``{"type": "partial", "text": ...}`` (the interim
tail), ``{"type": "final", "text", "confidence", "seconds", "end", "last"}`` (a
finalized piece; ``end`` is where its audio ends in the stream, ``last`` closes the
utterance) and ``{"type": "error", "message": ...}``.

Everything else (connect timeout, keep-alive, reconnect with backoff, resending the
audio the service had not finalized, the close in bounded time, joining final
pieces) is framekit's :class:`~framekit.processors.stt.session.ReconnectingSession`:
this module is only the URL and the message mapping::

    stt = StreamingSTTProcessor(ToyStreamRecognizer("ws://127.0.0.1:8765"))
"""

from __future__ import annotations

import json
from contextlib import AbstractAsyncContextManager

from websockets.asyncio.client import ClientConnection, connect

from framekit.audio import PCM16_16K
from framekit.clock import Clock
from framekit.processors.stt.session import Heard, ReconnectingSession, SessionSettings

__all__ = ["ToyStreamRecognizer", "ToyStreamSession"]


class ToyStreamRecognizer:
    """The service at ``url`` as a framekit streaming recognizer: one session per call."""

    name = "toy-stream"
    audio_format = PCM16_16K  # what the service takes: the stage declares it consumes this

    def __init__(self, url: str, session: SessionSettings | None = None) -> None:
        self.url = url
        self.session = session or SessionSettings()

    def open(self, clock: Clock) -> ToyStreamSession:
        return ToyStreamSession(self, clock)


class ToyStreamSession(ReconnectingSession[ClientConnection]):
    """One call's stream: the protocol's messages, nothing more."""

    def __init__(self, recognizer: ToyStreamRecognizer, clock: Clock) -> None:
        super().__init__(
            vendor="toy-stream",
            audio=recognizer.audio_format,
            language="en",
            settings=recognizer.session,
            clock=clock,
        )
        self._url = recognizer.url

    def _connect(self) -> AbstractAsyncContextManager[ClientConnection]:
        return connect(self._url)

    async def _send_audio(self, conn: ClientConnection, pcm: bytes) -> None:
        await conn.send(pcm)

    async def _send_finalize(self, conn: ClientConnection) -> None:
        await conn.send(json.dumps({"type": "finalize"}))

    async def _send_keep_alive(self, conn: ClientConnection) -> None:
        await conn.send(json.dumps({"type": "keepalive"}))

    async def _send_close(self, conn: ClientConnection) -> None:
        await conn.send(json.dumps({"type": "close"}))

    async def _receive(self, conn: ClientConnection) -> object:
        return await conn.recv()

    def _interpret(self, message: object) -> Heard | None:
        if not isinstance(message, str):
            return None
        data = json.loads(message)
        kind = data.get("type")
        if kind == "partial":
            return Heard(text=data["text"])
        if kind == "final":
            return Heard(
                text=data["text"],
                final=True,
                confidence=data["confidence"],
                seconds=data["seconds"],
                end=data["end"],
                utterance_end=data["last"],
            )
        if kind == "error":
            return Heard(error=data["message"])
        return None
