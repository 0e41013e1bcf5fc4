"""The fake telephone network, proven on its own against a tiny Twilio-shaped server.

``phone_network`` is the yardstick other tests measure ``framekit serve`` with, so
it is checked here without any framekit code: its signature against the ``twilio``
package, its codec against the G.711 definition, and its line behaviour (pacing,
marks, ``clear``, hang-up) against a hand-written aiohttp server.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

pytest.importorskip("twilio", reason="the signature is cross-checked with the twilio package")

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from phone_network import (
    FRAME_BYTES,
    PhoneNetwork,
    mulaw_decode,
    mulaw_encode,
    resample_to_8k,
    twilio_signature,
)

AUTH = "twilio-auth-token-0123456789abcdef"
ACCOUNT = "AC" + "0" * 32
PUBLIC = "https://voice.example.com"
STREAM_URL = "wss://voice.example.com/twilio/stream?token=tok-123"

Script = Callable[[web.WebSocketResponse, "FakeTwilioApp"], Coroutine[Any, Any, None]]


def tone(seconds: float, rate: int, hz: float = 440.0, amp: float = 8000.0) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * hz * t)).astype(np.int16)


async def send_audio(ws: web.WebSocketResponse, pcm8k: np.ndarray) -> None:
    """Send 8 kHz audio as the server would: 20 ms media messages, all at once."""
    data = mulaw_encode(pcm8k)
    for i in range(0, len(data), FRAME_BYTES):
        payload = base64.b64encode(data[i : i + FRAME_BYTES]).decode()
        await ws.send_json({"event": "media", "streamSid": "MZ", "media": {"payload": payload}})


@dataclass
class FakeTwilioApp:
    """A server that speaks Twilio's side, validating with the twilio package."""

    script: Script
    messages: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    stream_query: dict[str, str] = field(default_factory=dict)

    async def voice(self, request: web.Request) -> web.Response:
        params = {k: str(v) for k, v in (await request.post()).items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        if not RequestValidator(AUTH).validate(PUBLIC + "/twilio/voice", params, signature):
            return web.Response(status=403)
        twiml = (
            '<?xml version="1.0" encoding="UTF-8"?><Response><Connect>'
            f'<Stream url="{STREAM_URL.replace("&", "&amp;")}">'
            f'<Parameter name="from" value="{params["From"]}"/>'
            f'<Parameter name="call_sid" value="{params["CallSid"]}"/>'
            "</Stream></Connect></Response>"
        )
        return web.Response(text=twiml, content_type="text/xml")

    async def stream(self, request: web.Request) -> web.WebSocketResponse:
        self.stream_query = dict(request.query)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        script = asyncio.create_task(self.script(ws, self))
        try:
            async for msg in ws:
                self.messages.append((time.monotonic(), json.loads(msg.data)))
        finally:
            script.cancel()
            await asyncio.gather(script, return_exceptions=True)
        return ws

    def events(self, name: str) -> list[tuple[float, dict[str, Any]]]:
        return [(t, m) for t, m in self.messages if m["event"] == name]


async def idle(ws: web.WebSocketResponse, app: FakeTwilioApp) -> None:
    """A server that only listens."""


@asynccontextmanager
async def line(script: Script = idle) -> AsyncIterator[tuple[FakeTwilioApp, PhoneNetwork]]:
    app = FakeTwilioApp(script)
    web_app = web.Application()
    web_app.router.add_post("/twilio/voice", app.voice)
    web_app.router.add_get("/twilio/stream", app.stream)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with PhoneNetwork(f"http://127.0.0.1:{port}", PUBLIC, AUTH, ACCOUNT) as network:
            yield app, network
    finally:
        await runner.cleanup()


def test_signature_matches_twilio_request_validator() -> None:
    validator = RequestValidator(AUTH)
    cases = [
        {"CallSid": "CA1", "From": "+15551230000", "To": "+15550000000"},
        {"b": "2", "a": "1", "Body": "héllo wörld & more", "AccountSid": ACCOUNT},
        {},
    ]
    for params in cases:
        url = PUBLIC + "/twilio/voice"
        assert twilio_signature(url, params, AUTH) == validator.compute_signature(url, params)
        assert validator.validate(url, params, twilio_signature(url, params, AUTH))


def test_mulaw_matches_g711() -> None:
    # Silence is 0xFF; full scale is 0x80 / 0x00 (the inverted-bit G.711 layout).
    assert mulaw_encode(np.array([0, 32767, -32768], dtype=np.int16)) == b"\xff\x80\x00"
    codes = bytes(range(256))
    decoded = mulaw_decode(codes)
    # Every code decodes to a value that encodes back to itself (0x7F is -0, i.e. 0xFF).
    expected = bytes(0xFF if c == 0x7F else c for c in codes)
    assert mulaw_encode(decoded) == expected
    assert (decoded.min(), decoded.max()) == (-32124, 32124)
    # Round-trip error stays within half a step of the logarithmic quantiser.
    x = np.arange(-32768, 32768, dtype=np.int32)
    err = np.abs(mulaw_decode(mulaw_encode(x.astype(np.int16))).astype(np.int32) - x)
    assert np.all(err <= (np.abs(x) + 132) // 32 + 1)


def test_mulaw_agrees_with_audioop() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop", reason="audioop left the stdlib in 3.13")
    codes = bytes(range(256))
    reference = np.frombuffer(audioop.ulaw2lin(codes, 2), dtype=np.int16)
    assert np.array_equal(mulaw_decode(codes), reference)
    x = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)
    ours = np.frombuffer(mulaw_encode(x), dtype=np.uint8).astype(np.int32)
    theirs = np.frombuffer(audioop.lin2ulaw(x.tobytes(), 2), dtype=np.uint8).astype(np.int32)
    # Identical for x >= 0; audioop floors negatives before taking the magnitude,
    # so a few values just past a step boundary land one code away.
    assert np.array_equal(ours[x >= 0], theirs[x >= 0])
    assert np.max(np.abs(ours - theirs)) <= 1


def test_resample_keeps_pitch_and_length() -> None:
    out = resample_to_8k(tone(1.0, 16000, hz=1000.0), 16000)
    assert out.size == 8000
    spectrum = np.abs(np.fft.rfft(out.astype(np.float64)))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins over one second


async def test_call_handshake_media_dtmf_and_hang_up() -> None:
    async with line() as (app, network):
        with pytest.raises(aiohttp.ClientResponseError) as refused:
            await network.call(sign=False)
        assert refused.value.status == 403

        call = await network.call(call_sid="CA42", from_="+15557654321")
        assert call.parameters == {"from": "+15557654321", "call_sid": "CA42"}
        assert "<Stream" in call.twiml
        speech = tone(0.3, 16000, hz=500.0)
        await asyncio.sleep(0.2)
        await call.say_pcm16(speech.tobytes(), 16000)
        said_at = time.monotonic()
        await call.press("5")
        await call.hang_up()
        assert not call.closed_by_server

    assert app.stream_query == {"token": "tok-123"}  # public path+query, local host
    connected, start = app.messages[0][1], app.messages[1][1]
    assert connected == {"event": "connected", "protocol": "Call", "version": "1.0.0"}
    assert (start["sequenceNumber"], start["streamSid"]) == ("1", call.stream_sid)
    assert (start["start"]["callSid"], start["start"]["accountSid"]) == ("CA42", ACCOUNT)
    assert start["start"]["streamSid"] == call.stream_sid
    assert start["start"]["tracks"] == ["inbound"]
    assert start["start"]["customParameters"] == call.parameters
    assert start["start"]["mediaFormat"] == {
        "encoding": "audio/x-mulaw",
        "sampleRate": 8000,
        "channels": 1,
    }
    after = [m for _, m in app.messages[1:]]
    assert [int(m["sequenceNumber"]) for m in after] == list(range(1, len(after) + 1))
    assert [m["event"] for m in after[-2:]] == ["dtmf", "stop"]
    assert after[-2]["dtmf"] == {"track": "inbound_track", "digit": "5"}
    assert after[-1]["stop"] == {"accountSid": ACCOUNT, "callSid": "CA42"}

    media = app.events("media")
    chunks = [int(m["media"]["chunk"]) for _, m in media]
    assert chunks == list(range(1, len(chunks) + 1))
    assert [m["media"]["timestamp"] for _, m in media] == [str(20 * (c - 1)) for c in chunks]
    # Real-time pace: 50 frames a second, counted from the first frame.
    elapsed = media[-1][0] - media[0][0]
    assert abs(elapsed - (len(media) - 1) * 0.02) < 0.06
    # The line carries silence, then the speech (resampled to 8 kHz), then silence again.
    payloads = b"".join(base64.b64decode(m["media"]["payload"]) for _, m in media)
    assert all(len(base64.b64decode(m["media"]["payload"])) == FRAME_BYTES for _, m in media)
    heard = mulaw_decode(payloads)
    loud = np.flatnonzero(np.abs(heard) > 500)
    assert payloads[:FRAME_BYTES] == b"\xff" * FRAME_BYTES
    assert abs((loud[-1] - loud[0]) / 8000 - 0.3) < 0.01
    first = loud[0] // FRAME_BYTES * FRAME_BYTES  # speech starts on a frame boundary
    sent = heard[first : first + 2400].astype(np.float64)
    assert np.corrcoef(sent, resample_to_8k(speech, 16000))[0, 1] > 0.99
    # say_pcm16 returned once its last frame was on the wire.
    last_speech_frame = media[(first + 2400) // FRAME_BYTES - 1][0]
    assert abs(said_at - last_speech_frame) < 0.02  # not a frame early, nor late


async def test_marks_echo_when_playback_reaches_them() -> None:
    sent_at: dict[str, float] = {}

    async def speak(ws: web.WebSocketResponse, app: FakeTwilioApp) -> None:
        sent_at["a"] = time.monotonic()
        await send_audio(ws, tone(0.4, 8000))
        await ws.send_json({"event": "mark", "streamSid": "MZ", "mark": {"name": "a"}})
        await send_audio(ws, tone(0.2, 8000))
        await ws.send_json({"event": "mark", "streamSid": "MZ", "mark": {"name": "b"}})

    async with line(speak) as (app, network):
        call = await network.call()
        await call.wait_for_audio(0.6, timeout=2)
        assert call.first_audio_at is not None
        assert 0 < call.heard_seconds < 0.6  # received in a burst, still playing
        await call.wait_for_quiet(0.2, timeout=3)
        quiet_at = time.monotonic()
        assert call.heard_seconds == pytest.approx(0.6, abs=0.01)
        assert call.clears == 0

    assert [name for name, _ in call.marks_echoed] == ["a", "b"]
    echoes = {m["mark"]["name"]: t for t, m in app.events("mark")}
    assert echoes["a"] - sent_at["a"] == pytest.approx(0.4, abs=0.06)
    assert echoes["b"] - sent_at["a"] == pytest.approx(0.6, abs=0.06)
    assert quiet_at - sent_at["a"] == pytest.approx(0.8, abs=0.08)
    pcm = np.frombuffer(call.bot_audio_pcm16(), dtype=np.int16)
    assert pcm.size == 4800
    assert np.corrcoef(pcm.astype(np.float64), np.tile(tone(0.2, 8000), 3))[0, 1] > 0.99


async def test_clear_drops_the_buffer_and_echoes_pending_marks_at_once() -> None:
    cleared_at: list[float] = []

    async def barge_in(ws: web.WebSocketResponse, app: FakeTwilioApp) -> None:
        await send_audio(ws, tone(2.0, 8000))
        await ws.send_json({"event": "mark", "streamSid": "MZ", "mark": {"name": "m1"}})
        await send_audio(ws, tone(1.0, 8000))
        await ws.send_json({"event": "mark", "streamSid": "MZ", "mark": {"name": "m2"}})
        await asyncio.sleep(0.3)
        cleared_at.append(time.monotonic())
        await ws.send_json({"event": "clear", "streamSid": "MZ"})

    async with line(barge_in) as (app, network):
        call = await network.call()
        await call.wait_for_quiet(0.1, timeout=3)
        assert call.clears == 1
        assert call.heard_seconds == pytest.approx(0.3, abs=0.05)
        assert call.received_seconds == pytest.approx(3.0)

    assert [name for name, _ in call.marks_echoed] == ["m1", "m2"]
    for t, _ in app.events("mark"):
        assert 0 <= t - cleared_at[0] < 0.05


async def test_server_close_is_seen_and_nothing_is_left_running() -> None:
    streams: list[web.WebSocketResponse] = []

    async def close_first_call(ws: web.WebSocketResponse, app: FakeTwilioApp) -> None:
        streams.append(ws)
        if len(streams) > 1:  # the second call stays up until the caller leaves
            return
        await asyncio.sleep(0.2)
        await ws.close()

    async with line(close_first_call) as (app, network):
        call = await network.call()
        closed_at = await call.wait_closed(timeout=2)
        assert closed_at - call.started_at == pytest.approx(0.2, abs=0.1)
        assert call.closed_by_server
        with pytest.raises(ConnectionError):
            await call.wait_for_audio(1.0, timeout=1)
        with pytest.raises(ConnectionError):
            await call.say_pcm16(tone(0.1, 8000).tobytes(), 8000)
        await call.hang_up()  # after the server hung up: cleans up, sends nothing
        assert call.closed_by_server

        other = await network.call()
        with pytest.raises(TimeoutError):
            await other.wait_closed(timeout=0.3)

    # Leaving the network hangs up what is still open and stops every task.
    assert all(task.done() for c in network.calls for task in c._tasks)
    assert not other.closed_by_server
    stops = [m["stop"]["callSid"] for _, m in app.events("stop")]
    assert stops == [other.call_sid]
