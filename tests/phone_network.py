"""A test-only telephone network that drives a server exactly as Twilio would.

Written from Twilio's public protocol alone (signed voice webhook, TwiML, Media Streams
messages) and sharing no code with framekit, so that a misreading of the protocol cannot
be made twice and cancel out. Like a real line it never goes quiet, plays the bot's audio
in real time, echoes marks only once the audio before them has played, and obeys ``clear``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import time
import uuid
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import numpy as np

RATE = 8000
FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law: the frame size Twilio sends
FRAME_S = FRAME_BYTES / RATE
SILENCE = 0xFF  # mu-law for 0
AUDIBLE = 64  # peak above which a received frame counts as speech, not line noise
MEDIA_FORMAT = {"encoding": "audio/x-mulaw", "sampleRate": RATE, "channels": 1}
_BIAS = 0x84
_CLIP = 32635


def twilio_signature(url: str, params: dict[str, str], auth_token: str) -> str:
    """``X-Twilio-Signature``: base64 HMAC-SHA1 of the URL plus each sorted name+value."""
    data = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def mulaw_encode(pcm: np.ndarray) -> bytes:
    """G.711 mu-law encode int16 samples (own encoder, so the codec is checked too)."""
    x = pcm.astype(np.int32)
    sign = np.where(x < 0, 0x80, 0)
    mag = np.minimum(np.abs(x), _CLIP) + _BIAS  # in [132, 32767]: bit length 8..15
    exponent = np.frexp(mag.astype(np.float64))[1].astype(np.int32) - 8
    mantissa = (mag >> (exponent + 3)) & 0x0F
    return np.asarray(~(sign | (exponent << 4) | mantissa) & 0xFF, dtype=np.uint8).tobytes()


def mulaw_decode(data: bytes) -> np.ndarray:
    """G.711 mu-law bytes to int16 samples."""
    u = ~np.frombuffer(data, dtype=np.uint8).astype(np.int32) & 0xFF
    exponent = (u >> 4) & 0x07
    mag = ((((u & 0x0F) << 3) + _BIAS) << exponent) - _BIAS
    return np.where(u & 0x80, -mag, mag).astype(np.int16)


def resample_to_8k(pcm: np.ndarray, sample_rate: int) -> np.ndarray:
    """Linear-interpolation resample; a phone line is narrowband, fidelity is not the point."""
    if sample_rate == RATE or pcm.size == 0:
        return pcm.astype(np.int16)
    n_out = round(pcm.size * RATE / sample_rate)
    positions = np.arange(n_out) * (sample_rate / RATE)
    out = np.interp(positions, np.arange(pcm.size), pcm.astype(np.float64))
    return np.asarray(np.clip(np.round(out), -32768, 32767), dtype=np.int16)


class PhoneCall:
    """One call's Media Stream, seen from the caller's handset."""

    def __init__(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        *,
        call_sid: str,
        account_sid: str,
        twiml: str,
        parameters: dict[str, str],
    ) -> None:
        self.call_sid = call_sid
        self.account_sid = account_sid
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self.twiml = twiml
        self.parameters = parameters
        self.started_at = 0.0
        self.first_audio_at: float | None = None
        self.last_audio_at: float | None = None
        self.marks_echoed: list[tuple[str, float]] = []
        self.clears = 0
        self.closed_at: float | None = None
        self._ws = ws
        self._seq = 0
        self._send_lock = asyncio.Lock()
        self._hung_up = False
        self._closed = asyncio.Event()
        # Caller side: speech waiting to go out, and who waits for which byte offset.
        self._outbound = bytearray()
        self._sent = 0
        self._say_waiters: list[tuple[int, asyncio.Future[None]]] = []
        # Bot side: everything received, and the playback model of Twilio's buffer.
        self._bot_ulaw = bytearray()
        self._play_end = 0.0  # monotonic time the buffered bot audio finishes playing
        self._audible_end = 0.0  # ... and its last audible frame
        self._dropped_s = 0.0
        self._pending_marks: deque[tuple[float, str]] = deque()
        self._marks_changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def _start(self) -> None:
        """Send ``connected`` and ``start``, then run the line (sender, reader, player)."""
        await self._ws.send_str(
            json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        )
        start = {
            "accountSid": self.account_sid,
            "streamSid": self.stream_sid,
            "callSid": self.call_sid,
            "tracks": ["inbound"],
            "customParameters": self.parameters,
            "mediaFormat": MEDIA_FORMAT,
        }
        await self._send({"event": "start", "start": start})
        self.started_at = time.monotonic()
        self._play_end = self.started_at
        for coro in (self._send_media(), self._read(), self._play_marks()):
            self._tasks.append(asyncio.create_task(coro))

    async def _send(self, message: dict[str, Any]) -> bool:
        """Stamp the next sequence number and send; False once the socket is gone."""
        async with self._send_lock:
            if self._ws.closed:
                return False
            self._seq += 1
            message = {**message, "sequenceNumber": str(self._seq), "streamSid": self.stream_sid}
            try:
                await self._ws.send_str(json.dumps(message))
            except ConnectionError:
                return False
            return True

    async def _send_media(self) -> None:
        """20 ms frames on an absolute real-time schedule: speech if queued, else silence."""
        chunk = 0
        while True:
            chunk += 1
            await asyncio.sleep(
                max(0.0, self.started_at + (chunk - 1) * FRAME_S - time.monotonic())
            )
            frame = bytes(self._outbound[:FRAME_BYTES]) or bytes([SILENCE]) * FRAME_BYTES
            media = {
                "track": "inbound",
                "chunk": str(chunk),
                "timestamp": str((chunk - 1) * 20),
                "payload": base64.b64encode(frame).decode(),
            }
            if not await self._send({"event": "media", "media": media}):
                return
            if self._outbound:
                del self._outbound[:FRAME_BYTES]
                self._sent += FRAME_BYTES
            while self._say_waiters and self._say_waiters[0][0] <= self._sent:
                waiter = self._say_waiters.pop(0)[1]
                if not waiter.done():
                    waiter.set_result(None)

    async def _read(self) -> None:
        """Handle what the server sends until either side closes the socket."""
        try:
            async for msg in self._ws:
                if msg.type is aiohttp.WSMsgType.ERROR:
                    break
                if msg.type is not aiohttp.WSMsgType.TEXT:  # Media Streams is JSON text only
                    raise ValueError(f"unexpected {msg.type.name} message from the server")
                self._on_message(json.loads(msg.data))
        finally:
            self.closed_at = time.monotonic()
            self._closed.set()

    def _on_message(self, message: dict[str, Any]) -> None:
        now = time.monotonic()
        event = message.get("event")
        if event == "media":
            payload = base64.b64decode(message["media"]["payload"])
            seconds = len(payload) / RATE
            self._bot_ulaw += payload
            self._play_end = max(self._play_end, now) + seconds
            if payload and int(np.max(np.abs(mulaw_decode(payload).astype(np.int32)))) > AUDIBLE:
                self.first_audio_at = self.first_audio_at or now
                self.last_audio_at = now
                self._audible_end = self._play_end
        elif event == "mark":
            self._pending_marks.append((max(self._play_end, now), message["mark"]["name"]))
            self._marks_changed.set()
        elif event == "clear":
            self.clears += 1
            self._dropped_s += max(0.0, self._play_end - now)
            self._play_end = now
            self._audible_end = min(self._audible_end, now)
            self._pending_marks = deque((now, name) for _, name in self._pending_marks)
            self._marks_changed.set()

    async def _play_marks(self) -> None:
        """Echo each mark, in order, when playback reaches it (at once after a clear)."""
        while True:
            self._marks_changed.clear()
            if self._pending_marks and self._pending_marks[0][0] <= time.monotonic():
                name = self._pending_marks.popleft()[1]
                if await self._send({"event": "mark", "mark": {"name": name}}):
                    self.marks_echoed.append((name, time.monotonic()))
                continue
            due = self._pending_marks[0][0] - time.monotonic() if self._pending_marks else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._marks_changed.wait(), due)

    async def say_pcm16(self, pcm: bytes, sample_rate: int) -> None:
        """Queue caller speech; returns once its last frame has gone down the line."""
        samples = resample_to_8k(np.frombuffer(pcm, dtype=np.int16), sample_rate)
        data = mulaw_encode(samples)
        data += bytes([SILENCE]) * (-len(data) % FRAME_BYTES)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outbound += data
        self._say_waiters.append((self._sent + len(self._outbound), waiter))
        sender = self._tasks[0]
        await asyncio.wait({waiter, sender}, return_when=asyncio.FIRST_COMPLETED)
        if not waiter.done():
            waiter.cancel()
            raise ConnectionError("the call ended before the speech was sent")

    async def press(self, digit: str) -> None:
        """Send a DTMF key press, as Twilio reports one on the inbound track."""
        await self._send({"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": digit}})

    async def hang_up(self) -> None:
        """Caller hangs up (no more media, ``stop``, close); always stops this call's tasks."""
        if not self._closed.is_set():
            self._hung_up = True
            if self._tasks:  # the sender first: no media may follow ``stop``
                await _cancel(self._tasks[0])
            stop = {"accountSid": self.account_sid, "callSid": self.call_sid}
            await self._send({"event": "stop", "stop": stop})
        await self._ws.close()
        for task in self._tasks:
            await _cancel(task)

    async def wait_closed(self, timeout: float) -> float:  # noqa: ASYNC109
        """Wait for the server to end the call; returns the monotonic close time."""
        if self._hung_up:
            raise RuntimeError("the caller hung up; the server did not close this call")
        async with asyncio.timeout(timeout):
            await self._closed.wait()
        assert self.closed_at is not None
        return self.closed_at

    @property
    def closed_by_server(self) -> bool:
        """True when the socket closed without the caller hanging up."""
        return self._closed.is_set() and not self._hung_up

    @property
    def received_seconds(self) -> float:
        """Seconds of bot audio received (silent frames included)."""
        return len(self._bot_ulaw) / RATE

    @property
    def heard_seconds(self) -> float:
        """Seconds of bot audio actually played to the caller: not cleared, not still queued."""
        unplayed = max(0.0, self._play_end - time.monotonic())
        return self.received_seconds - self._dropped_s - unplayed

    def bot_audio_pcm16(self) -> bytes:
        """Everything the bot sent, decoded to 8 kHz PCM16."""
        return mulaw_decode(bytes(self._bot_ulaw)).tobytes()

    async def wait_for_audio(self, seconds: float, timeout: float) -> None:  # noqa: ASYNC109
        """Wait until the bot has sent ``seconds`` of audio; fails fast if the call ends first."""
        await _until(lambda: self.received_seconds >= seconds or self._closed.is_set(), timeout)
        if self.received_seconds < seconds:
            raise ConnectionError(f"call closed after {self.received_seconds:.2f} s of audio")

    async def wait_for_quiet(self, quiet: float, timeout: float) -> None:  # noqa: ASYNC109
        """Wait until the bot has spoken and the caller has then heard ``quiet`` s of silence.

        Measured at the ear, not the socket: a burst sent faster than real time is
        still playing, and trailing silence frames from the bot count as quiet.
        """

        def heard_quiet() -> bool:
            return self.last_audio_at is not None and time.monotonic() - self._audible_end >= quiet

        await _until(heard_quiet, timeout)


async def _until(predicate: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109
    """Poll: the conditions mix socket progress with the wall clock, so no event covers them."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class PhoneLineBusy(Exception):
    """The server answered the call with ``<Reject>``: Twilio plays the caller a busy tone."""

    def __init__(self, twiml: str) -> None:
        super().__init__(f"call rejected: {twiml}")
        self.twiml = twiml


class PhoneNetwork:
    """One fake carrier pointed at one server.

    ``public_base`` is what the server believes its public URL is (what Twilio
    signs and what TwiML names); ``local_base`` is where it actually listens.
    """

    def __init__(
        self, local_base: str, public_base: str, auth_token: str, account_sid: str
    ) -> None:
        self.local_base = local_base.rstrip("/")
        self.public_base = public_base.rstrip("/")
        self.auth_token = auth_token
        self.account_sid = account_sid
        self.calls: list[PhoneCall] = []
        self._session: aiohttp.ClientSession | None = None

    async def call(
        self,
        *,
        call_sid: str | None = None,
        from_: str = "+15551230000",
        to: str = "+15550000000",
        sign: bool = True,
    ) -> PhoneCall:
        """Place a call: signed webhook, TwiML, stream socket, ``connected`` + ``start``.

        Raises ``aiohttp.ClientResponseError`` if the webhook is refused, and
        :class:`PhoneLineBusy` when the TwiML rejects the call (``<Reject>``).
        """
        if self._session is None:
            self._session = aiohttp.ClientSession()
        sid = call_sid or "CA" + uuid.uuid4().hex
        form = {
            "CallSid": sid,
            "AccountSid": self.account_sid,
            "From": from_,
            "To": to,
            "Direction": "inbound",
            "CallStatus": "ringing",
        }
        headers = {}
        if sign:
            url = self.public_base + "/twilio/voice"
            headers["X-Twilio-Signature"] = twilio_signature(url, form, self.auth_token)
        async with self._session.post(
            self.local_base + "/twilio/voice", data=form, headers=headers
        ) as resp:
            resp.raise_for_status()
            twiml = await resp.text()
        answer = ET.fromstring(twiml)
        if answer.find("./Reject") is not None:
            raise PhoneLineBusy(twiml)
        stream = answer.find("./Connect/Stream")
        if stream is None:
            raise ValueError(f"TwiML has no <Connect><Stream>: {twiml}")
        parameters = {p.attrib["name"]: p.attrib["value"] for p in stream.findall("Parameter")}
        # Twilio would dial the public host; the test reaches the same path+query locally.
        public, local = urlsplit(stream.attrib["url"]), urlsplit(self.local_base)
        scheme = "wss" if local.scheme == "https" else "ws"
        url = urlunsplit((scheme, local.netloc, public.path, public.query, ""))
        ws = await self._session.ws_connect(url)
        call = PhoneCall(
            ws, call_sid=sid, account_sid=self.account_sid, twiml=twiml, parameters=parameters
        )
        self.calls.append(call)
        await call._start()
        return call

    async def close(self) -> None:
        """Hang up every call still open, stop their tasks and close the HTTP session."""
        for call in self.calls:
            await call.hang_up()
        if self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> PhoneNetwork:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
