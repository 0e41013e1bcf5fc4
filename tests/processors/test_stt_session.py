"""The reconnecting session base, driven directly with an in-memory vendor.

The Deepgram tests and the streaming plugin's run it over real sockets; these pin
what they do not reach: the bounded buffer while the service is unreachable, and
that only the audio no final covered is sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from framekit.audio import PCM16_16K
from framekit.clock import SystemClock
from framekit.processors.stt.service import RecognitionError, RecognitionEvent
from framekit.processors.stt.session import Heard, ReconnectingSession, SessionSettings


class _Conn:
    def __init__(self) -> None:
        self.audio = bytearray()
        self.inbox: asyncio.Queue[Heard | None] = asyncio.Queue()


class _Memory(ReconnectingSession[_Conn]):
    """A vendor whose connections are objects in memory; ``reachable`` gates connecting."""

    def __init__(self, settings: SessionSettings) -> None:
        super().__init__(
            vendor="memory", audio=PCM16_16K, language="en", settings=settings, clock=SystemClock()
        )
        self.reachable = asyncio.Event()
        self.conns: list[_Conn] = []

    def _connect(self) -> AbstractAsyncContextManager[_Conn]:
        @asynccontextmanager
        async def connection() -> AsyncIterator[_Conn]:
            if not self.reachable.is_set():
                raise ConnectionRefusedError("unreachable")
            conn = _Conn()
            self.conns.append(conn)
            yield conn

        return connection()

    async def _send_audio(self, conn: _Conn, pcm: bytes) -> None:
        conn.audio += pcm

    async def _send_finalize(self, conn: _Conn) -> None:
        pass

    async def _send_keep_alive(self, conn: _Conn) -> None:
        pass

    async def _send_close(self, conn: _Conn) -> None:
        await conn.inbox.put(None)

    async def _receive(self, conn: _Conn) -> object:
        heard = await conn.inbox.get()
        if heard is None:
            raise ConnectionResetError("closed")
        return heard

    def _interpret(self, message: object) -> Heard | None:
        assert isinstance(message, Heard)
        return message


def _pcm(seconds: float, value: int) -> bytes:
    return value.to_bytes(2, "little") * (PCM16_16K.bytes_for(seconds) // 2)


class _Events:
    """What :meth:`ReconnectingSession.events` yielded, collected by its own task."""

    def __init__(self, session: _Memory) -> None:
        self.seen: list[RecognitionEvent | RecognitionError] = []
        self._arrived = asyncio.Event()
        self.task = asyncio.create_task(self._collect(session))

    async def _collect(self, session: _Memory) -> None:
        async for event in session.events():
            self.seen.append(event)
            self._arrived.set()

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.seen) < count:
                self._arrived.clear()
                await self._arrived.wait()


async def test_while_unreachable_only_the_newest_audio_is_kept_and_the_rest_reported() -> None:
    session = _Memory(SessionSettings(reconnect_delay=0.01, max_buffer_seconds=1.0))
    events = _Events(session)
    await events.wait_for(1)  # the refused connection, reported
    for n in range(3):  # 1.5 s of audio, numbered by its half second
        await session.send_audio(_pcm(0.5, n + 1))
    session.reachable.set()
    await session.wait_connected()

    (conn,) = session.conns
    assert bytes(conn.audio) == _pcm(0.5, 2) + _pcm(0.5, 3)  # the oldest half second dropped
    assert session.stats.dropped_seconds == pytest.approx(0.5)
    assert session.stats.resent_seconds == pytest.approx(1.0)
    assert isinstance(events.seen[0], RecognitionError)
    assert "memory connection failed" in events.seen[0].message
    await events.stop()


async def test_a_reconnect_sends_again_only_what_no_final_covered() -> None:
    session = _Memory(SessionSettings(reconnect_delay=0.01))
    session.reachable.set()
    events = _Events(session)
    await session.wait_connected()
    await session.send_audio(_pcm(0.6, 1))
    await session.send_audio(_pcm(0.4, 2))
    first = session.conns[0]
    await first.inbox.put(Heard(text="hello", final=True, confidence=0.5, seconds=0.6, end=0.6))
    await first.inbox.put(Heard(text="there"))
    await events.wait_for(1)
    await first.inbox.put(None)  # the connection drops
    await events.wait_for(2)  # reported
    await session.wait_connected()

    assert bytes(session.conns[1].audio) == _pcm(0.4, 2)  # the finalized 0.6 s is not resent
    await session.conns[1].inbox.put(
        Heard(text="there", final=True, confidence=1.0, seconds=0.2, end=0.4, utterance_end=True)
    )
    await events.wait_for(3)
    interim, error, final = events.seen
    assert interim == RecognitionEvent("hello there", final=False, language="en")
    assert isinstance(error, RecognitionError)
    assert isinstance(final, RecognitionEvent)
    assert (final.text, final.final) == ("hello there", True)
    assert final.confidence == pytest.approx((0.5 * 0.6 + 1.0 * 0.2) / 0.8)
    await events.stop()
