"""A simulated Twilio caller: plays Twilio's side of a Media Stream against your server.

Why: a transport that is only tested against itself agrees with itself. This peer
follows Twilio's documented behaviour, not framekit's code:

* it sends ``connected`` then ``start`` (SIDs, ``mediaFormat``, custom
  parameters), then the caller's audio as ``media`` messages of 160 bytes of
  mu-law (20 ms) with string ``chunk``/``timestamp``/``sequenceNumber``, at real
  pace (message *n* once its 20 ms have passed) or as fast as possible;
* it plays the bot's ``media`` into a playout buffer at real time and echoes each
  ``mark`` once the audio received before it has played;
* on ``clear`` it drops the unplayed audio and returns the pending marks at once
  (what Twilio does), so :attr:`heard_audio` is what a caller really heard;
* ``dtmf``, ``stop``, a raw message (for bad-input tests) and an abrupt drop of
  the TCP connection are one call each.

Use it as an async context manager::

    async with TwilioCallerSimulator(url) as caller:
        await caller.play_wav("question.wav")
        await caller.wait_for_audio(1.0)
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp

from framekit.audio import MULAW_8K, AudioConverter, AudioFormat, read_wav

__all__ = ["ReceivedMedia", "TwilioCallerSimulator"]

_FRAME_BYTES = 160
_BYTES_PER_SECOND = 8000


@dataclass(frozen=True, slots=True)
class ReceivedMedia:
    """One ``media`` message from the server: when it arrived and after how many clears."""

    at: float
    payload: bytes
    clears_before: int


@dataclass(slots=True)
class _Playout:
    """Twilio's buffer of the bot's audio, played at real time."""

    ends_at: float = 0.0
    queued: list[tuple[float, float, int]] = field(default_factory=list)  # start, end, bytes


class TwilioCallerSimulator:
    """One simulated Twilio call against ``url`` (the server's ``/twilio/stream?token=...``).

    ``echo_marks=False`` models a peer that never echoes (to test the fallback);
    ``playout_delay`` (seconds) models the jitter buffer and network between
    Twilio and the caller's ear: the bot's audio starts playing that long after
    it arrives, and mark echoes come that much later.
    """

    def __init__(
        self,
        url: str,
        *,
        call_sid: str | None = None,
        account_sid: str | None = None,
        stream_sid: str | None = None,
        custom_parameters: dict[str, str] | None = None,
        echo_marks: bool = True,
        playout_delay: float = 0.0,
        send_start: bool = True,
    ) -> None:
        self.url = url
        self.call_sid = call_sid or "CA" + secrets.token_hex(16)
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.stream_sid = stream_sid or "MZ" + secrets.token_hex(16)
        self.custom_parameters = dict(custom_parameters or {})
        self.echo_marks = echo_marks
        self.playout_delay = playout_delay
        self._send_start = send_start
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._sequence = 0
        self._chunk = 0
        self._stream_ms = 0
        self._playout = _Playout()
        self._pending_marks: list[tuple[float, str]] = []
        self._marks_changed = asyncio.Event()
        self._media_arrived = asyncio.Event()
        self._closed = asyncio.Event()
        self.media: list[ReceivedMedia] = []
        """Every ``media`` message received, in order."""
        self.marks_received: list[str] = []
        self.marks_echoed: list[str] = []
        self.marks_returned_by_clear: list[str] = []
        self.clears: list[float] = []
        """Monotonic instants at which ``clear`` arrived."""
        self.other_messages: list[dict[str, Any]] = []
        self.close_code: int | None = None
        self._heard = bytearray()
        self._received_bytes = 0

    # --- connection ------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        """Open the WebSocket, send ``connected`` and (unless told not to) ``start``."""
        self._session = aiohttp.ClientSession()
        self._ws = await self._session.ws_connect(self.url, autoping=True)
        self._tasks.append(asyncio.create_task(self._receive(), name="twilio-sim-receive"))
        self._tasks.append(asyncio.create_task(self._echo_marks(), name="twilio-sim-marks"))
        await self.send_json({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        if self._send_start:
            await self.send_start()

    async def send_start(self) -> None:
        """Send the ``start`` message."""
        await self.send_json(
            {
                "event": "start",
                "sequenceNumber": self._next_sequence(),
                "start": {
                    "accountSid": self.account_sid,
                    "streamSid": self.stream_sid,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                    "customParameters": self.custom_parameters,
                },
                "streamSid": self.stream_sid,
            }
        )

    async def close(self) -> None:
        """Close the socket (no ``stop``) and end the simulator's tasks."""
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(Exception):
                await self._ws.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._closed.set()

    async def hang_up(self) -> None:
        """What Twilio does when the caller hangs up: ``stop``, then close."""
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.send_json(
                {
                    "event": "stop",
                    "sequenceNumber": self._next_sequence(),
                    "streamSid": self.stream_sid,
                    "stop": {"accountSid": self.account_sid, "callSid": self.call_sid},
                }
            )
        await self.close()

    def drop(self) -> None:
        """Cut the TCP connection at once: no ``stop``, no close frame."""
        assert self._ws is not None
        sock = self._ws.get_extra_info("socket")  # asyncio's TransportSocket wrapper
        if sock is None:
            raise RuntimeError("the simulator is not connected")
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    @property
    def closed(self) -> bool:
        """True once the server closed the socket (or we did)."""
        return self._ws is None or self._ws.closed

    async def wait_closed(self, within: float = 5.0) -> None:
        """Wait until the server closes the socket."""
        async with asyncio.timeout(within):
            await self._closed.wait()

    # --- what the caller sends -------------------------------------------------------------

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.send_raw(json.dumps(message))

    async def send_raw(self, message: str | bytes) -> None:
        """Send any message as it is (bad input included)."""
        assert self._ws is not None, "connect() first"
        if isinstance(message, bytes):
            await self._ws.send_bytes(message)
        else:
            await self._ws.send_str(message)

    async def send_media(self, payload: bytes) -> None:
        """One ``media`` message with ``payload`` (raw mu-law; any size, for bad-input tests)."""
        self._chunk += 1
        await self.send_json(
            {
                "event": "media",
                "sequenceNumber": self._next_sequence(),
                "media": {
                    "track": "inbound",
                    "chunk": str(self._chunk),
                    "timestamp": str(self._stream_ms),
                    "payload": base64.b64encode(payload).decode("ascii"),
                },
                "streamSid": self.stream_sid,
            }
        )
        self._stream_ms += len(payload) * 1000 // _BYTES_PER_SECOND

    async def send_audio(self, mulaw: bytes, *, realtime: bool = True) -> None:
        """Stream 8 kHz mu-law as 20 ms messages (the last padded with mu-law silence)."""
        if len(mulaw) % _FRAME_BYTES:
            mulaw += b"\xff" * (_FRAME_BYTES - len(mulaw) % _FRAME_BYTES)
        started = time.monotonic()
        for index in range(0, len(mulaw), _FRAME_BYTES):
            if realtime:
                due = started + (index + _FRAME_BYTES) / _BYTES_PER_SECOND
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            else:
                await asyncio.sleep(0)
            await self.send_media(mulaw[index : index + _FRAME_BYTES])

    async def send_pcm(self, audio: bytes, fmt: AudioFormat, *, realtime: bool = True) -> None:
        """Stream audio in any format, converted to 8 kHz mu-law first."""
        converter = AudioConverter(fmt, MULAW_8K)
        await self.send_audio(converter.convert(audio) + converter.flush(), realtime=realtime)

    async def play_wav(self, path: str | Path, *, realtime: bool = True) -> None:
        """Stream a WAV file as the caller's voice."""
        data, fmt = await asyncio.to_thread(read_wav, Path(path))
        await self.send_pcm(data, fmt, realtime=realtime)

    async def send_silence(self, seconds: float, *, realtime: bool = True) -> None:
        await self.send_audio(b"\xff" * round(seconds * _BYTES_PER_SECOND), realtime=realtime)

    async def send_dtmf(self, digit: str) -> None:
        await self.send_json(
            {
                "event": "dtmf",
                "streamSid": self.stream_sid,
                "sequenceNumber": self._next_sequence(),
                "dtmf": {"track": "inbound_track", "digit": digit},
            }
        )

    # --- what the caller received ----------------------------------------------------------

    @property
    def playout_ends_at(self) -> float:
        """Monotonic instant at which the bot's audio received so far has finished playing."""
        return self._playout.ends_at

    @property
    def received_audio(self) -> bytes:
        """Every byte of the bot's mu-law audio that arrived."""
        return b"".join(m.payload for m in self.media)

    @property
    def heard_audio(self) -> bytes:
        """The bot's audio less what a ``clear`` dropped before it played."""
        return bytes(self._heard)

    def audio_after_clear(self, index: int = 0) -> bytes:
        """The audio that arrived after clear number ``index`` (0: the first)."""
        return b"".join(m.payload for m in self.media if m.clears_before > index)

    async def wait_for_audio(self, seconds: float, *, within: float = 5.0) -> None:
        """Wait until at least ``seconds`` of the bot's audio have arrived."""
        wanted = round(seconds * _BYTES_PER_SECOND)
        async with asyncio.timeout(within):
            while self._received_bytes < wanted:
                self._media_arrived.clear()
                await self._media_arrived.wait()

    async def wait_for(self, predicate: Callable[[], bool], *, within: float = 5.0) -> None:
        """Wait until ``predicate()`` is true: checked after every message received, and
        every 10 ms for state that changes without a message (the server's)."""
        async with asyncio.timeout(within):
            while not predicate():
                self._media_arrived.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(0.01):
                        await self._media_arrived.wait()

    # --- internals ---------------------------------------------------------------------------

    def _next_sequence(self) -> str:
        self._sequence += 1
        return str(self._sequence)

    async def _receive(self) -> None:
        assert self._ws is not None
        try:
            async for msg in self._ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    self._on_message(json.loads(msg.data))
                    self._media_arrived.set()
        finally:
            self.close_code = self._ws.close_code
            self._closed.set()
            self._media_arrived.set()

    def _on_message(self, message: dict[str, Any]) -> None:
        now = time.monotonic()
        event = message.get("event")
        if event == "media":
            payload = base64.b64decode(message["media"]["payload"])
            self.media.append(ReceivedMedia(now, payload, len(self.clears)))
            self._received_bytes += len(payload)
            self._heard += payload
            playout = self._playout
            playout.queued = [entry for entry in playout.queued if entry[1] > now]
            start = max(now + self.playout_delay, playout.ends_at)
            playout.ends_at = start + len(payload) / _BYTES_PER_SECOND
            playout.queued.append((start, playout.ends_at, len(payload)))
        elif event == "mark":
            name = message["mark"]["name"]
            self.marks_received.append(name)
            self._pending_marks.append((max(now, self._playout.ends_at), name))
            self._marks_changed.set()
        elif event == "clear":
            self.clears.append(now)
            self._drop_unplayed(now)
        else:
            self.other_messages.append(message)

    def _drop_unplayed(self, now: float) -> None:
        unplayed = 0
        for start, end, size in self._playout.queued:
            if end > now:
                played = max(0.0, now - start)
                unplayed += size - min(size, round(played * _BYTES_PER_SECOND))
        if unplayed:
            del self._heard[len(self._heard) - unplayed :]
        self._playout = _Playout(ends_at=now)
        returned = [name for _, name in self._pending_marks]
        self._pending_marks.clear()
        self.marks_returned_by_clear.extend(returned)
        if self.echo_marks:
            for name in returned:
                self._spawn_echo(name)
        self._marks_changed.set()

    def _spawn_echo(self, name: str) -> None:
        task = asyncio.create_task(self._send_mark(name), name="twilio-sim-echo")
        self._tasks.append(task)

    async def _send_mark(self, name: str) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.send_json(
                {
                    "event": "mark",
                    "sequenceNumber": self._next_sequence(),
                    "streamSid": self.stream_sid,
                    "mark": {"name": name},
                }
            )
            self.marks_echoed.append(name)

    async def _echo_marks(self) -> None:
        while True:
            if not self._pending_marks or not self.echo_marks:
                self._marks_changed.clear()
                await self._marks_changed.wait()
                continue
            due, name = self._pending_marks[0]
            delay = due - time.monotonic()
            if delay > 0:
                self._marks_changed.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._marks_changed.wait()
                continue
            self._pending_marks.pop(0)
            await self._send_mark(name)
