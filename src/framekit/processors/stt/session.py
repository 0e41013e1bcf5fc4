"""A streaming recognizer's connection for one call, with everything but the vendor's wire.

Every websocket STT vendor needs the same machinery around its protocol, and it is
where the bugs live, so it is written once here and a vendor fills in only its URL
(:meth:`ReconnectingSession._connect`), its messages (the ``_send_*`` methods) and
what its answers mean (:meth:`ReconnectingSession._interpret`, to a :class:`Heard`):

* **connect with a timeout** (``connect_timeout``), and **reconnect with backoff**
  (``reconnect_delay`` doubled after each failure in a row, at most
  ``reconnect_max_delay``) on the call's clock; a failure is reported, not raised,
  so the call goes on;
* **resend what the service had not finalized**: a service transcribes audio from
  its own buffer until a final result covers it, and that buffer dies with the
  connection, so the session keeps the same audio (:class:`AudioLog`, bounded by
  ``max_buffer_seconds``, oldest dropped first) plus what was heard while
  disconnected, and sends both again on the new connection: the words of the
  utterance in progress are not lost;
* **keep-alive** while no audio flows (``keepalive_interval``), when no frame handler
  runs to send anything;
* **close in bounded time**: ask for the last results, wait at most ``close_timeout``.

It also joins a service's final pieces into one utterance (:class:`UtteranceText`).
Why :meth:`ReconnectingSession.events` is an async generator: the stage's one
receiving task drives it, so connecting, receiving and reconnecting cost no task of
their own, and a result is pushed by the task that received it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Generic, TypeVar

from loguru import logger

from framekit.audio import AudioFormat
from framekit.clock import Clock
from framekit.processors.stt._streaming import AudioLog, UtteranceText
from framekit.processors.stt.service import RecognitionError, RecognitionEvent

__all__ = ["ConnectionStats", "Heard", "ReconnectingSession", "SessionSettings"]

_TIME_TOLERANCE = 1e-6
_C = TypeVar("_C")


@dataclass(frozen=True, slots=True)
class SessionSettings:
    """How a streaming connection is kept up (see the module docstring)."""

    keepalive_interval: float = 4.0
    reconnect_delay: float = 0.5
    reconnect_max_delay: float = 8.0
    max_buffer_seconds: float = 10.0
    connect_timeout: float = 5.0
    close_timeout: float = 3.0

    def __post_init__(self) -> None:
        for name in (
            "keepalive_interval",
            "reconnect_delay",
            "reconnect_max_delay",
            "max_buffer_seconds",
            "connect_timeout",
            "close_timeout",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")


@dataclass(slots=True)
class ConnectionStats:
    """What the connection did in this call (for tests, logs and benchmarks)."""

    connects: int = 0
    """Connections opened (the first one and every reconnect)."""
    failures: int = 0
    """Connections that failed to open or were lost."""
    keepalives: int = 0
    resent_seconds: float = 0.0
    """Seconds of audio sent again after a reconnect (unfinalized audio and the gap)."""
    dropped_seconds: float = 0.0
    """Seconds of audio dropped because the reconnect buffer was full."""


@dataclass(frozen=True, slots=True)
class Heard:
    """One vendor message, as the session needs it.

    ``final``: ``text`` is a finalized piece of the utterance (its audio ends ``end``
    seconds into the stream, so the session stops keeping it); otherwise ``text`` is
    the interim tail. ``utterance_end``: the utterance is over (after this piece).
    ``error``: the service reported a problem that does not end the stream.
    """

    text: str = ""
    final: bool = False
    confidence: float = 0.0
    seconds: float = 0.0
    """Length of a final piece (weighs its confidence)."""
    end: float | None = None
    utterance_end: bool = False
    error: str | None = None


class ReconnectingSession(Generic[_C]):
    """A :class:`~framekit.processors.stt.service.RecognitionSession` over a reconnecting socket.

    ``_C`` is the vendor's connection object. Subclasses implement :meth:`_connect`
    and the ``_send_*``, :meth:`_receive` and :meth:`_interpret` methods; ``vendor``
    names the service in error messages, ``language`` labels its transcripts.
    """

    def __init__(
        self,
        *,
        vendor: str,
        audio: AudioFormat,
        language: str | None,
        settings: SessionSettings,
        clock: Clock,
    ) -> None:
        self.vendor = vendor
        self.format = audio
        self.language = language
        self.settings = settings
        self.clock = clock
        self.stats = ConnectionStats()
        limit = audio.bytes_for(settings.max_buffer_seconds)
        self._gap = AudioLog(limit)
        self._unfinalized = AudioLog(limit)
        self._text = UtteranceText()
        self._conn: _C | None = None
        self._connected = asyncio.Event()
        self._ended = asyncio.Event()
        self._running = False
        self._generation = 0
        """Which :meth:`events` is current: one replaced by a restart leaves no trace."""
        self._closing = False
        self._sent = 0
        self._last_sent = clock.now()
        self._finalize_pending = False

    # --- the vendor's part ---------------------------------------------------------------

    def _connect(self) -> AbstractAsyncContextManager[_C]:
        """Open one connection (entered under ``connect_timeout``; exiting closes it)."""
        raise NotImplementedError

    async def _send_audio(self, conn: _C, pcm: bytes) -> None:
        raise NotImplementedError

    async def _send_finalize(self, conn: _C) -> None:
        """Ask for the final result of the audio sent so far."""
        raise NotImplementedError

    async def _send_keep_alive(self, conn: _C) -> None:
        raise NotImplementedError

    async def _send_close(self, conn: _C) -> None:
        """Ask the service to send its last results and close."""
        raise NotImplementedError

    async def _receive(self, conn: _C) -> object:
        """The next message; raises when the connection is closed."""
        raise NotImplementedError

    def _interpret(self, message: object) -> Heard | None:
        """What ``message`` means, or ``None`` to ignore it."""
        raise NotImplementedError

    def _describe(self, exc: BaseException) -> str:
        """A failure, as an error message shows it (a vendor names its HTTP errors)."""
        return "timed out" if isinstance(exc, TimeoutError) else repr(exc)

    # --- what the stage calls ------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether a connection is open and taking audio right now."""
        return self._conn is not None

    async def wait_connected(self) -> None:
        """Wait until a connection is open and the buffered audio has been sent on it."""
        await self._connected.wait()

    async def events(self) -> AsyncGenerator[RecognitionEvent | RecognitionError, None]:
        """Connect, yield what the service heard, reconnect with backoff unless closing."""
        self._generation += 1
        generation = self._generation
        self._ended.clear()
        self._running = True
        failures = 0
        try:
            while not self._closing:
                connects = self.stats.connects
                try:
                    async with contextlib.AsyncExitStack() as stack:
                        async with asyncio.timeout(self.settings.connect_timeout):
                            conn = await stack.enter_async_context(self._connect())
                        self.stats.connects += 1
                        await self._resume(conn)
                        while True:  # ends by an exception, also when we asked for the close
                            heard = self._interpret(await self._receive(conn))
                            if heard is None:
                                continue
                            if heard.error is not None:
                                yield RecognitionError(f"{self.vendor} error: {heard.error}")
                            elif (event := self._take(heard)) is not None:
                                yield event
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self._conn = None
                    self._connected.clear()
                    if self._is_closing():
                        return
                    if self.stats.connects > connects:
                        failures = 0  # it had connected: start the backoff over
                    failures += 1
                    self.stats.failures += 1
                    settings = self.settings
                    delay = min(
                        settings.reconnect_delay * 2 ** (failures - 1), settings.reconnect_max_delay
                    )
                    yield RecognitionError(
                        f"{self.vendor} connection failed ({self._describe(exc)}); "
                        f"reconnecting in {delay:.2f}s"
                    )
                    await self.clock.sleep(delay)
        finally:
            if generation == self._generation:
                self._running = False
                self._ended.set()

    async def send_audio(self, pcm: bytes) -> None:
        """Send caller audio; kept for the next connection while there is none."""
        if self._closing:
            return
        conn = self._conn
        if conn is None:
            self._gap.add(0, pcm)
            return
        try:
            await self._send_audio(conn, pcm)
        except Exception as exc:
            logger.debug(f"{self.vendor}: send failed, buffering until reconnected: {exc!r}")
            if self._conn is conn:
                self._conn = None
            self._gap.add(0, pcm)
            return
        self._unfinalized.add(self._sent, pcm)
        self._sent += len(pcm)
        self._last_sent = self.clock.now()

    async def finalize(self) -> None:
        """Ask for the final result now; while disconnected, right after the reconnect's resend.

        Why remember it: a caller who stops while the connection is down (or before a
        fallback's new session has connected) would otherwise wait for the vendor's own
        endpointing, or get no final at all.
        """
        conn = self._conn
        if conn is None:
            self._finalize_pending = True
            return
        with contextlib.suppress(Exception):
            await self._send_finalize(conn)

    async def keep_alive(self) -> None:
        """Send a keep-alive whenever no audio went out for ``keepalive_interval``; forever."""
        interval = self.settings.keepalive_interval
        while True:
            wait = self._last_sent + interval - self.clock.now()
            if wait > _TIME_TOLERANCE:  # a tolerance, or float rounding could spin here
                await self.clock.sleep(wait)
                continue
            conn = self._conn
            if conn is not None and not self._closing:
                try:
                    await self._send_keep_alive(conn)
                    self.stats.keepalives += 1
                except Exception as exc:
                    logger.debug(f"{self.vendor}: keep-alive failed: {exc!r}")
            self._last_sent = self.clock.now()

    async def close(self) -> None:
        """Ask for the last results and wait (at most ``close_timeout``) for the close.

        If the connection is down with audio waiting, the reconnect gets
        ``close_timeout`` seconds to come back and take it first.
        """
        timeout = self.settings.close_timeout
        if self._conn is None and self._gap.size and self._running:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._connected.wait()
        self._closing = True
        conn = self._conn
        if conn is not None and self._running:
            try:
                await self._send_close(conn)
                async with asyncio.timeout(timeout):
                    await self._ended.wait()
            except TimeoutError:
                logger.warning(f"{self.vendor} did not close in {timeout}s")
            except Exception as exc:
                logger.debug(f"{self.vendor}: close failed: {exc!r}")
        elif self._gap.size:
            logger.warning(
                f"{self.vendor}: call ended while disconnected; "
                f"{self.format.duration_of(self._gap.size):.2f}s of audio not transcribed"
            )
        self._conn = None

    def abort(self) -> None:
        """Stop at once (the call was cancelled): nothing more is sent."""
        self._closing = True
        self._conn = None

    def finish(self) -> RecognitionEvent | None:
        """The finalized pieces of the unfinished utterance, as its final result."""
        finished = self._text.finish()
        if finished is None:
            return None
        text, confidence = finished
        return RecognitionEvent(text, final=True, confidence=confidence, language=self.language)

    # --- inside ---------------------------------------------------------------------------

    def _is_closing(self) -> bool:
        """``_closing`` read afresh (the end may have come while the loop awaited)."""
        return self._closing

    def _take(self, heard: Heard) -> RecognitionEvent | None:
        """The event ``heard`` makes: an interim of the utterance so far, or its final."""
        if heard.final:
            if heard.end is not None:
                self._unfinalized.forget_before(self.format.bytes_for(heard.end))
            self._text.add_final(heard.text, heard.confidence, heard.seconds)
        if heard.utterance_end:
            return self.finish()
        if heard.final or (interim := self._text.interim(heard.text)) is None:
            return None
        return RecognitionEvent(interim, final=False, language=self.language)

    async def _resume(self, conn: _C) -> None:
        """Send what the service has not finalized and what was heard while disconnected,
        then the finalize the caller's stop asked for meanwhile.

        The buffers are drained before ``_conn`` is set, with no await between the
        last check and the assignment, so fresh audio cannot overtake them.
        """
        self._sent = 0
        pending = deque(self._unfinalized.take() + self._gap.take())
        self.stats.dropped_seconds += self.format.duration_of(
            self._unfinalized.dropped + self._gap.dropped
        )
        self._unfinalized.dropped = self._gap.dropped = 0
        try:
            while pending or self._gap.size or self._finalize_pending:
                if not pending:
                    pending.extend(self._gap.take())
                if not pending:  # all audio sent: the caller had stopped meanwhile
                    self._finalize_pending = False
                    await self._send_finalize(conn)
                    continue
                pcm = pending[0]
                await self._send_audio(conn, pcm)
                pending.popleft()
                self._unfinalized.add(self._sent, pcm)
                self._sent += len(pcm)
                self.stats.resent_seconds += self.format.duration_of(len(pcm))
        except Exception:
            self._gap.restore(pending)
            raise
        self._conn = conn
        self._connected.set()
        self._last_sent = self.clock.now()
