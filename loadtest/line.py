"""One Twilio Media Stream seen from the caller's handset, on gevent.

Why gevent and ``websocket-client``: locust runs every simulated user as a
greenlet on one gevent hub with the standard library monkey-patched, so a plain
blocking WebSocket client becomes cooperative for free, whereas an asyncio loop
per user would need a real thread that gevent's patched ``threading`` turns back
into a greenlet. Two greenlets per call: the *line* sends a 20 ms mu-law frame on
an absolute clock (speech if queued, else silence) and echoes marks when the
caller's playback reaches them; the *reader* records every bot message with its
arrival time. Written from Twilio's public protocol only: nothing here comes
from framekit.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
import uuid
from collections import deque
from typing import Any

import gevent  # type: ignore[import-untyped]
import websocket

from loadtest.speech import FRAME_BYTES, FRAME_S, SAMPLE_RATE, SILENCE_FRAME, is_audible

__all__ = ["CallClosedError", "MediaStream"]


def _speech_bytes(ulaw: bytes) -> int:
    """Bytes of frame-aligned ``ulaw`` up to the end of its last audible frame (0: none)."""
    for end in range(len(ulaw), 0, -FRAME_BYTES):
        if is_audible(ulaw[end - FRAME_BYTES : end]):
            return end
    return 0


class CallClosedError(Exception):
    """The server closed the Media Stream before the caller hung up."""


class MediaStream:
    """A started Media Stream: pace speech out, see what the bot sends back.

    ``messages`` holds ``(arrival time, audible)`` for each bot ``media`` message,
    in order (``time.monotonic`` seconds); the caller's measures read it.
    ``max_lateness`` is the latest a frame went out after its instant: when the
    load generator itself is starved of CPU, its arrival times are late too.
    ``audio_seconds``: the bot audio received, in seconds of playback (a call that
    ended early heard less than the bot meant to say). ``clears``: the arrival times of
    the server's ``clear`` messages (it stops its answer: a barge-in); ``playing_until``:
    when the bot audio received so far finishes playing on the handset.
    """

    def __init__(self, url: str, *, call_sid: str, account_sid: str, timeout: float) -> None:
        self.call_sid = call_sid
        self.account_sid = account_sid
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self.messages: list[tuple[float, bool]] = []
        self.closed_at: float | None = None
        self.started_at = 0.0
        self.max_lateness = 0.0
        self.audio_seconds = 0.0
        self.clears: list[float] = []
        self._ws = websocket.create_connection(url, timeout=timeout)
        self._ws.settimeout(None)  # the reader blocks until the server speaks or closes
        self._seq = 0
        self._outbound = bytearray()
        self._sent = 0
        self.playing_until = 0.0
        self._marks: deque[tuple[float, str]] = deque()
        self._hung_up = False
        self._greenlets: list[gevent.Greenlet] = []

    def start(self, parameters: dict[str, str]) -> None:
        """Send ``connected`` and ``start``, then run the line and the reader."""
        self._ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        start = {
            "accountSid": self.account_sid,
            "streamSid": self.stream_sid,
            "callSid": self.call_sid,
            "tracks": ["inbound"],
            "customParameters": parameters,
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": SAMPLE_RATE, "channels": 1},
        }
        self._send({"event": "start", "start": start})
        self.started_at = self.playing_until = time.monotonic()
        self._greenlets = [gevent.spawn(self._run_line), gevent.spawn(self._read)]

    @property
    def closed(self) -> bool:
        """True once the socket has closed, by either side."""
        return self.closed_at is not None

    def say(self, ulaw: bytes) -> float:
        """Queue caller speech (8 kHz mu-law); returns when its last audible frame went out.

        The return value is that moment (``time.monotonic``, within a quarter of a
        frame): the end of the caller's speech, where voice to voice starts. The quiet
        a recording ends with (Piper's ~0.15-0.2 s) is sent after it, as a handset
        would, but is not speech: counting to the end of the file instead started the
        measure that much late and made every answer look that much faster.
        """
        padded = ulaw + SILENCE_FRAME[: -len(ulaw) % FRAME_BYTES]
        goal = self._sent + len(self._outbound) + _speech_bytes(padded)
        self._outbound += padded
        while self._sent < goal:
            if self.closed:
                raise CallClosedError("the call ended while the caller was speaking")
            gevent.sleep(FRAME_S / 4)
        return time.monotonic()

    def hang_up(self) -> None:
        """Caller hangs up: no more media, ``stop``, close; ends both greenlets."""
        self._hung_up = True
        gevent.kill(self._greenlets[0])  # the line first: no media may follow ``stop``
        if not self.closed:
            stop = {"accountSid": self.account_sid, "callSid": self.call_sid}
            # The server may have closed it meanwhile: nothing left to tell it then.
            with contextlib.suppress(OSError, websocket.WebSocketException):
                self._send({"event": "stop", "stop": stop})
        self._ws.close()
        gevent.killall(self._greenlets)

    def _send(self, message: dict[str, Any]) -> None:
        self._seq += 1
        message["sequenceNumber"] = str(self._seq)
        message["streamSid"] = self.stream_sid
        self._ws.send(json.dumps(message))

    def _run_line(self) -> None:
        """20 ms frames at ``started_at + n * 20 ms`` (a late wake-up delays no later frame)."""
        chunk = 0
        while not self.closed:
            chunk += 1
            due = self.started_at + (chunk - 1) * FRAME_S
            gevent.sleep(max(0.0, due - time.monotonic()))
            self.max_lateness = max(self.max_lateness, time.monotonic() - due)
            frame = bytes(self._outbound[:FRAME_BYTES]) or SILENCE_FRAME
            media = {
                "track": "inbound",
                "chunk": str(chunk),
                "timestamp": str((chunk - 1) * 20),
                "payload": base64.b64encode(frame).decode(),
            }
            try:
                self._send({"event": "media", "media": media})
                now = time.monotonic()
                while self._marks and self._marks[0][0] <= now:
                    self._send({"event": "mark", "mark": {"name": self._marks.popleft()[1]}})
            except (OSError, websocket.WebSocketException):
                return
            if self._outbound:
                del self._outbound[:FRAME_BYTES]
                self._sent += FRAME_BYTES

    def _read(self) -> None:
        """Record the bot's audio, queue its marks for echo, obey ``clear``."""
        try:
            while True:
                data = self._ws.recv()
                if not data:
                    return
                self._on_message(json.loads(data))
        except (OSError, websocket.WebSocketException):
            return
        finally:
            self.closed_at = time.monotonic()

    def _on_message(self, message: dict[str, Any]) -> None:
        now = time.monotonic()
        event = message.get("event")
        if event == "media":
            payload = base64.b64decode(message["media"]["payload"])
            self.messages.append((now, is_audible(payload)))
            self.audio_seconds += len(payload) / SAMPLE_RATE
            self.playing_until = max(self.playing_until, now) + len(payload) / SAMPLE_RATE
        elif event == "mark":  # echoed once the audio sent before it has played
            self._marks.append((max(self.playing_until, now), message["mark"]["name"]))
        elif event == "clear":  # Twilio drops what it holds and echoes pending marks at once
            self.clears.append(now)
            self.playing_until = now
            self._marks = deque((now, name) for _, name in self._marks)
