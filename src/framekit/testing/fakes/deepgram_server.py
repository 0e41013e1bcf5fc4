"""A local server that speaks Deepgram's live transcription protocol (``/v1/listen``).

Why a fake and not a mock: the Deepgram processor is tested through the real
``deepgram-sdk`` over a real WebSocket, so the handshake, the query string, the
auth header, binary audio and the JSON messages all cross a socket exactly as
they would with Deepgram. Only the recognizer is scripted.

How it "recognizes": it measures the energy of the PCM it receives in 20 ms
windows (in *stream* time, counted from the bytes, never the wall clock, so the
answers do not depend on how fast a test sends). A stretch of loud windows is a
segment of speech; each segment takes the next scripted transcript (a segment
cut off by a lost connection before any final gives its transcript back, so the
same audio sent again gets the same words). While the
segment grows it sends interim ``Results`` (``is_final: false``) revealing the
words in proportion to the audio heard; after ``endpointing`` ms of quiet it
sends the final ``Results`` (``is_final`` and ``speech_final``), then
``UtteranceEnd`` after ``utterance_end_ms`` more. Long segments are finalized in
pieces (``is_final`` without ``speech_final``), as Deepgram does.

Client messages: ``KeepAlive`` (resets the 10 s idle timeout, no answer),
``Finalize`` (flush the segment: a final with ``from_finalize: true``),
``CloseStream`` or an empty binary message (flush, ``Metadata``, close 1000).

Faults: ``refuse_auth`` (HTTP 401 on the handshake), ``drop_after_audio``
(close 1011 after that many seconds of audio on one connection; one-shot),
``stalled`` (keep reading, never answer), :meth:`disconnect` (close now).
Only ``encoding=linear16`` is understood; other encodings get HTTP 400.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

try:
    from aiohttp import WSMsgType, web
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the install
    raise ModuleNotFoundError(
        "framekit.testing.fakes.deepgram_server needs aiohttp: pip install 'framekit[testing]'"
    ) from exc

__all__ = ["FakeDeepgramConnection", "FakeDeepgramServer", "FakeSegment"]

_WINDOW = 0.02
_IDLE_CLOSE_REASON = "NET-0001: no audio or KeepAlive received within the timeout window"


@dataclass(slots=True)
class FakeSegment:
    """One stretch of speech the server heard and what it answered for it."""

    connection: int
    start: float
    """Stream seconds at which the segment's first loud window began."""
    transcript: str
    end: float | None = None
    """Stream seconds at which the segment was finalized (``None`` while open)."""
    audio_seconds: float = 0.0
    """Seconds of audio inside the segment (speech and the pauses within it)."""


@dataclass(slots=True)
class FakeDeepgramConnection:
    """What one client connection sent, for tests to inspect."""

    index: int
    params: dict[str, str]
    authorization: str | None
    audio: bytearray = field(default_factory=bytearray)
    messages: list[str] = field(default_factory=list)
    """Types of the client's text messages, in order (``KeepAlive``, ``Finalize``...)."""
    sent: list[dict[str, Any]] = field(default_factory=list)
    """Every JSON message the server sent on this connection."""
    close_code: int | None = None
    open: bool = True

    @property
    def audio_seconds(self) -> float:
        rate = int(self.params.get("sample_rate", "16000"))
        channels = int(self.params.get("channels", "1"))
        return len(self.audio) / (2 * rate * channels)

    def results(self, *, final: bool | None = None) -> list[dict[str, Any]]:
        """The ``Results`` messages sent, optionally only finals or only interims."""
        out = [m for m in self.sent if m.get("type") == "Results"]
        if final is not None:
            out = [m for m in out if bool(m.get("is_final")) is final]
        return out


class FakeDeepgramServer:
    """An aiohttp WebSocket server on 127.0.0.1 that answers like Deepgram's live API.

    ``transcripts`` are returned one per detected speech segment, in order (across
    connections); when they run out, segments get an empty transcript.
    """

    def __init__(
        self,
        transcripts: Sequence[str] = (),
        *,
        api_key: str = "fake-deepgram-key",
        speech_rms: float = 500.0,
        seconds_per_word: float = 0.25,
        interim_every: float = 0.2,
        max_final_seconds: float | None = None,
        idle_timeout: float = 10.0,
    ) -> None:
        self.api_key = api_key
        self.speech_rms = speech_rms
        self.seconds_per_word = seconds_per_word
        self.interim_every = interim_every
        self.max_final_seconds = max_final_seconds
        self.idle_timeout = idle_timeout
        self.refuse_auth = False
        self.stalled = False
        self.drop_after_audio: float | None = None
        self.connections: list[FakeDeepgramConnection] = []
        self.segments: list[FakeSegment] = []
        self.rejected = 0
        self._script: deque[str] = deque(transcripts)
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._changed = asyncio.Condition()
        self._sockets: dict[int, web.WebSocketResponse] = {}

    # --- running ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL to give the SDK (``ws://127.0.0.1:<port>``)."""
        if not self._port:
            raise RuntimeError("the fake Deepgram server is not started")
        return f"ws://127.0.0.1:{self._port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/v1/listen", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        await self.disconnect(code=1001, reason="server shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDeepgramServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def heard_seconds(self) -> float:
        """Seconds of audio received over all connections."""
        return sum(conn.audio_seconds for conn in self.connections)

    def add_transcripts(self, *texts: str) -> None:
        """Append to the script (answers for the next segments)."""
        self._script.extend(texts)

    async def disconnect(self, code: int = 1011, reason: str = "fault injected") -> None:
        """Close every open connection now, as a server crash or network cut would."""
        for ws in list(self._sockets.values()):
            await ws.close(code=code, message=reason.encode())

    async def wait_for(self, predicate: Callable[[], bool], seconds: float = 5.0) -> None:
        """Wait until ``predicate()`` holds (at most ``seconds``); re-checked on every change."""
        async with asyncio.timeout(seconds):
            async with self._changed:
                await self._changed.wait_for(predicate)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- one connection ----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        authorization = request.headers.get("Authorization")
        if self.refuse_auth or authorization not in (
            f"Token {self.api_key}",
            f"token {self.api_key}",
        ):
            self.rejected += 1
            await self._notify()
            return web.Response(status=401, text='{"err_code":"INVALID_AUTH"}')
        params = dict(request.query)
        if params.get("encoding", "linear16") != "linear16":
            return web.Response(status=400, text="the fake only understands linear16")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = FakeDeepgramConnection(len(self.connections), params, authorization)
        self.connections.append(conn)
        self._sockets[conn.index] = ws
        await self._notify()
        stream = _Stream(self, conn, ws)
        try:
            await stream.run()
        finally:
            if stream.segment is not None and stream.finalized_words == 0:
                # never answered: the same audio sent again must get the same words
                self._script.appendleft(stream.segment.transcript)
                self.segments.remove(stream.segment)
            conn.open = False
            conn.close_code = ws.close_code
            self._sockets.pop(conn.index, None)
            await self._notify()
        return ws

    def next_transcript(self) -> str:
        return self._script.popleft() if self._script else ""


class _Stream:
    """Reads one connection's messages and answers them; all timing is stream time."""

    def __init__(
        self, server: FakeDeepgramServer, conn: FakeDeepgramConnection, ws: web.WebSocketResponse
    ) -> None:
        self.server = server
        self.conn = conn
        self.ws = ws
        params = conn.params
        self.rate = int(params.get("sample_rate", "16000"))
        self.channels = int(params.get("channels", "1"))
        self.interim = params.get("interim_results", "false").lower() == "true"
        self.vad_events = params.get("vad_events", "false").lower() == "true"
        endpointing = params.get("endpointing", "10").lower()
        self.endpointing = None if endpointing == "false" else int(endpointing) / 1000
        utterance_end = params.get("utterance_end_ms")
        self.utterance_end = int(utterance_end) / 1000 if utterance_end else None
        self.window_bytes = 2 * self.channels * round(self.rate * _WINDOW)
        self.request_id = str(uuid.uuid4())
        self.pending = bytearray()
        self.time = 0.0
        self.segment: FakeSegment | None = None
        self.words: list[str] = []
        self.finalized_words = 0
        self.final_from = 0.0
        self.last_speech = 0.0
        self.next_interim = 0.0
        self.utterance_end_at: float | None = None
        self.last_word_end = 0.0

    async def run(self) -> None:
        server, conn, ws = self.server, self.conn, self.ws
        while True:
            try:
                msg = await ws.receive(timeout=server.idle_timeout)
            except TimeoutError:
                await ws.close(code=1011, message=_IDLE_CLOSE_REASON.encode())
                return
            if msg.type == WSMsgType.BINARY:
                data: bytes = msg.data
                if not data:
                    await self._close_stream()
                    return
                conn.audio += data
                await server._notify()
                drop = server.drop_after_audio
                if drop is not None and conn.audio_seconds >= drop:
                    server.drop_after_audio = None
                    await ws.close(code=1011, message=b"fault injected: dropped mid-stream")
                    return
                await self._hear(data)
            elif msg.type == WSMsgType.TEXT:
                kind = str(json.loads(msg.data).get("type", ""))
                conn.messages.append(kind)
                await server._notify()
                if kind == "Finalize":
                    await self._finalize(from_finalize=True)
                elif kind == "CloseStream":
                    await self._close_stream()
                    return
            else:
                return

    async def _send(self, message: dict[str, Any]) -> None:
        if self.server.stalled or self.ws.closed:
            return
        self.conn.sent.append(message)
        await self.ws.send_str(json.dumps(message))
        await self.server._notify()

    async def _close_stream(self) -> None:
        if self.server.stalled:
            await self.ws.receive()  # a hung backend: wait for the client to give up
            return
        await self._finalize(from_finalize=False)
        digest = hashlib.sha256(bytes(self.conn.audio)).hexdigest()
        await self._send(
            {
                "type": "Metadata",
                "transaction_key": "deprecated",
                "request_id": self.request_id,
                "sha256": digest,
                "created": datetime.now(UTC).isoformat(),
                "duration": round(self.time, 3),
                "channels": self.channels,
            }
        )
        await self.ws.close(code=1000)

    # --- recognition -------------------------------------------------------------------------

    async def _hear(self, data: bytes) -> None:
        self.pending += data
        size = self.window_bytes
        while len(self.pending) >= size:
            window = bytes(self.pending[:size])
            del self.pending[:size]
            start = self.time
            self.time += _WINDOW
            await self._window(start, _rms(window) >= self.server.speech_rms)

    async def _window(self, start: float, loud: bool) -> None:
        segment = self.segment
        if loud:
            self.last_speech = self.time
            self.utterance_end_at = None
            if segment is None:
                segment = self._open_segment(start)
                if self.vad_events:
                    await self._send({"type": "SpeechStarted", "channel": [0], "timestamp": start})
        if segment is not None:
            segment.audio_seconds += _WINDOW
            quiet_for = self.time - self.last_speech
            limit = self.server.max_final_seconds
            if self.endpointing is not None and quiet_for >= max(self.endpointing, _WINDOW):
                await self._finalize(speech_final=True)
            elif self.endpointing is None and quiet_for >= (self.utterance_end or 1.0):
                await self._finalize()
            elif limit is not None and self.time - self.final_from >= limit:
                await self._final_piece()
            elif self.interim and self.time >= self.next_interim:
                self.next_interim = self.time + self.server.interim_every
                await self._interim()
        if self.utterance_end_at is not None and self.time >= self.utterance_end_at:
            self.utterance_end_at = None
            await self._send(
                {"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": self.last_word_end}
            )

    def _open_segment(self, start: float) -> FakeSegment:
        segment = FakeSegment(self.conn.index, start, self.server.next_transcript())
        self.server.segments.append(segment)
        self.segment = segment
        self.words = segment.transcript.split()
        self.finalized_words = 0
        self.final_from = start
        self.next_interim = self.time + self.server.interim_every
        return segment

    def _heard_words(self) -> int:
        """Words 'recognized' so far: one per ``seconds_per_word`` of segment audio."""
        assert self.segment is not None
        spoken = int(self.segment.audio_seconds / self.server.seconds_per_word)
        return min(len(self.words), max(spoken, self.finalized_words))

    async def _interim(self) -> None:
        heard = self._heard_words()
        if heard > self.finalized_words:
            await self._results(self.finalized_words, heard, is_final=False)

    async def _final_piece(self) -> None:
        heard = min(self._heard_words(), len(self.words) - 1)
        if heard > self.finalized_words:
            await self._results(self.finalized_words, heard, is_final=True)
            self.finalized_words = heard
            self.final_from = self.time

    async def _finalize(self, *, speech_final: bool = False, from_finalize: bool = False) -> None:
        """End the open segment: the words not yet finalized go out in one final result."""
        segment = self.segment
        if segment is None:
            if from_finalize:
                await self._results(0, 0, is_final=True, from_finalize=True)
            return
        self.segment = None
        segment.end = self.time
        await self._results(
            self.finalized_words,
            len(self.words),
            is_final=True,
            speech_final=speech_final,
            from_finalize=from_finalize,
        )
        if self.interim and self.utterance_end is not None:
            self.utterance_end_at = self.last_speech + self.utterance_end

    async def _results(
        self,
        first: int,
        last: int,
        *,
        is_final: bool,
        speech_final: bool = False,
        from_finalize: bool = False,
    ) -> None:
        begin = self.final_from
        duration = max(self.time - begin, 0.0)
        words = self.words[first:last]
        step = duration / max(len(words), 1)
        word_items = [
            {
                "word": word.lower().strip(".,?!"),
                "start": round(begin + i * step, 3),
                "end": round(begin + (i + 1) * step, 3),
                "confidence": 0.98,
                "punctuated_word": word,
            }
            for i, word in enumerate(words)
        ]
        if words and is_final:
            self.last_word_end = round(begin + len(words) * step, 3)
        message: dict[str, Any] = {
            "type": "Results",
            "channel_index": [0, 1],
            "duration": round(duration, 3),
            "start": round(begin, 3),
            "is_final": is_final,
            "speech_final": speech_final,
            "channel": {
                "alternatives": [
                    {
                        "transcript": " ".join(words),
                        "confidence": 0.98 if words else 0.0,
                        "words": word_items,
                    }
                ]
            },
            "metadata": {
                "request_id": self.request_id,
                "model_info": {"name": "fake-general", "version": "0", "arch": "fake"},
                "model_uuid": "00000000-0000-0000-0000-000000000000",
            },
        }
        if from_finalize:
            message["from_finalize"] = True
        if is_final:
            self.final_from = self.time
        await self._send(message)


def _rms(window: bytes) -> float:
    samples = np.frombuffer(window, dtype="<i2").astype(np.float32)
    return float(np.sqrt(np.mean(samples * samples))) if samples.size else 0.0
