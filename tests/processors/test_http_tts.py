"""The HTTP TTS client against a real local service: espeak-ng voices, tones and faults.

Every test speaks over real HTTP on 127.0.0.1 to :mod:`processors._tts_server`.
"""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import pytest

pytest.importorskip("aiohttp", reason="needs the 'http' extra")

from framekit.audio import audio_format, decode_wav
from framekit.clock import SystemClock
from framekit.frames import (
    EndFrame,
    ErrorFrame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    TTSAudioFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
)
from framekit.pipeline.params import PipelineParams
from framekit.processors.tts import TTSProcessor
from framekit.services.http_tts import HTTPVoice, HTTPVoiceSettings
from framekit.testing import FrameCapture, LiveCall, run_processor
from processors._tts_helpers import audio_of, dominant_hz, rms
from processors._tts_server import TTSServer

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


@pytest.fixture
async def server() -> AsyncIterator[TTSServer]:
    service = TTSServer()
    await service.start()
    yield service
    await service.close()


def _espeak_seconds(text: str) -> float:
    wav = subprocess.run(
        ["espeak-ng", "--stdout", "--stdin", "-v", "en-us"],
        input=text.encode(),
        capture_output=True,
        check=True,
    ).stdout
    # espeak-ng streams: its header's data size is a placeholder, so put in the real one
    pcm, fmt = decode_wav(wav[:40] + struct.pack("<I", len(wav) - 44) + wav[44:])
    return len(pcm) / fmt.bytes_per_frame / fmt.sample_rate


def _http(**settings: Any) -> TTSProcessor:
    return TTSProcessor(HTTPVoice(HTTPVoiceSettings(**settings)))


async def _speak(tts: TTSProcessor, text: str, out_rate: int = 16000) -> FrameCapture:
    return await run_processor(
        tts,
        [TTSSpeakFrame(text=text)],
        clock=SystemClock(),
        params=PipelineParams(idle_timeout=None, audio_out_sample_rate=out_rate),
        time_limit=20,
    )


@needs_espeak
async def test_streamed_wav_is_spoken_at_the_output_rate(server: TTSServer) -> None:
    tts = _http(url=server.url("/wav"), voice="en-us", api_key="secret")
    text = "Your order has shipped. It arrives on Monday."
    chunks = [LLMTextFrame(text=text[i : i + 5]) for i in range(0, len(text), 5)]

    out = await run_processor(
        tts,
        [*chunks, LLMResponseEndFrame()],
        clock=SystemClock(),
        params=PipelineParams(idle_timeout=None, audio_out_sample_rate=16000),
        time_limit=20,
    )

    assert not out.upstream_of(ErrorFrame)
    types = out.downstream_types()
    assert types.count(TTSStartedFrame) == types.count(TTSStoppedFrame) == 2
    audio = out.downstream_of(TTSAudioFrame)
    assert {f.format for f in audio} == {audio_format(16000)}
    pcm = audio_of(out.downstream)
    expected = _espeak_seconds("Your order has shipped.") + _espeak_seconds("It arrives on Monday.")
    assert len(pcm) / 2 / 16000 == pytest.approx(expected, rel=0.02)
    assert rms(pcm) > 500
    bodies = [body for _, body, _ in server.requests]
    assert bodies == [
        {"text": "Your order has shipped.", "voice": "en-us", "sample_rate": 16000},
        {"text": "It arrives on Monday.", "voice": "en-us", "sample_rate": 16000},
    ]
    assert {headers["Authorization"] for _, _, headers in server.requests} == {"Bearer secret"}


async def test_big_endian_l16_at_the_declared_rate_is_converted(server: TTSServer) -> None:
    tts = _http(url=server.url("/l16"), sample_rate=24000)

    out = await _speak(tts, "A tone please.", out_rate=16000)

    pcm = audio_of(out.downstream)
    assert {f.format for f in out.downstream_of(TTSAudioFrame)} == {audio_format(16000)}
    assert len(pcm) / 2 / 16000 == pytest.approx(0.5, abs=0.01)
    assert dominant_hz(pcm, 16000) == pytest.approx(440, abs=5)  # byte order read right
    assert server.requests[0][1]["sample_rate"] == 24000


async def test_raw_pcm_rate_comes_from_the_sample_rate_header(server: TTSServer) -> None:
    out = await _speak(_http(url=server.url("/raw")), "Hi.", out_rate=48000)

    pcm = audio_of(out.downstream)
    assert len(pcm) / 2 / 48000 == pytest.approx(0.5, abs=0.01)
    assert dominant_hz(pcm, 48000) == pytest.approx(440, abs=5)


async def test_pieces_that_split_samples_are_joined(server: TTSServer) -> None:
    out = await _speak(_http(url=server.url("/trickle")), "Slowly.", out_rate=16000)

    assert not out.upstream_of(ErrorFrame)
    pcm = audio_of(out.downstream)
    assert len(pcm) == 16000  # all of the 0.5 s at 16 kHz, not a byte lost at a split
    assert dominant_hz(pcm, 16000) == pytest.approx(440, abs=5)


async def test_url_from_the_environment_and_a_body_template(
    server: TTSServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTS_API_URL", server.url("/l16"))
    monkeypatch.setenv("TTS_API_KEY", "from-env")
    template = {
        "input": {"text": "{text}"},
        "sample_rate": "{sample_rate}",
        "format": "pcm_{sample_rate}",
        "tags": ["{voice}", "fixed"],
    }
    tts = _http(voice="anna", body_template=template, headers={"X-Tenant": "t1"})

    await _speak(tts, "Hello.", out_rate=8000)

    _, body, headers = server.requests[0]
    assert body == {
        "input": {"text": "Hello."},
        "sample_rate": 8000,
        "format": "pcm_8000",
        "tags": ["anna", "fixed"],
    }
    assert headers["Authorization"] == "Bearer from-env"
    assert headers["X-Tenant"] == "t1"


def test_a_url_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TTS_API_URL", raising=False)
    with pytest.raises(ValueError, match="TTS_API_URL"):
        _http()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize(
    ("path", "options", "message"),
    [
        ("/status/500", {}, "answered 500 Internal Server Error: voice model not loaded"),
        ("/status/401", {}, "answered 401"),
        ("/slow", {"first_audio_timeout": 0.3}, "no audio within 0.3 s"),
        ("/stall", {"read_timeout": 0.3}, "the audio stalled for 0.3 s"),
        ("/truncated", {}, "truncated: 8000 of 32000 declared audio bytes"),
        ("/broken", {}, "broke off"),
        ("/html", {}, "sent 'text/html'; framekit reads audio/wav"),
        ("/empty", {}, "answered 200 with no audio"),
    ],
)
async def test_service_faults_are_non_fatal_errors_and_the_call_goes_on(
    server: TTSServer, path: str, options: dict[str, Any], message: str
) -> None:
    tts = _http(url=server.url(path), **options)

    out = await _speak(tts, "First try. Second try.")

    errors = out.upstream_of(ErrorFrame)
    assert len(errors) == 1  # one TTSSpeakFrame, one synthesis
    assert not errors[0].fatal
    assert message in errors[0].error
    assert server.url(path) in errors[0].error
    types = out.downstream_types()
    assert types.count(TTSStartedFrame) == types.count(TTSStoppedFrame) == 1
    assert isinstance(out.downstream[-1], EndFrame)


async def test_an_unreachable_service_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}/tts"

    out = await _speak(_http(url=url), "Anyone there?")

    (error,) = out.upstream_of(ErrorFrame)
    assert not error.fatal
    assert f"cannot reach the TTS service at {url}" in error.error


async def test_a_total_timeout_ends_an_endless_answer(server: TTSServer) -> None:
    tts = _http(url=server.url("/endless"), total_timeout=0.5)

    out = await _speak(tts, "Go on.")

    (error,) = out.upstream_of(ErrorFrame)
    assert "the sentence took over 0.5 s" in error.error
    assert 0.2 < len(audio_of(out.downstream)) / 2 / 16000 < 1.5


async def test_interruption_drops_the_connection_so_the_service_stops(server: TTSServer) -> None:
    call = LiveCall([_http(url=server.url("/endless"))], clock=SystemClock(), timeout=20)
    await call.start()
    await call.send(TTSSpeakFrame(text="Talk forever."))
    await call.wait_for(lambda f: isinstance(f, TTSAudioFrame), count=3)

    interruption = InterruptionFrame()
    await call.send(interruption)
    await call.wait_for(lambda f: f is interruption)
    await call.end()

    await server.left.wait()  # the handler saw the client go (a hang fails the test's timeout)
    cut = call.downstream.index(interruption)
    assert not [f for f in call.downstream[cut:] if isinstance(f, TTSAudioFrame)]
    assert not call.upstream  # an interruption is not an error


async def test_a_shared_session_serves_several_calls_and_stays_open(server: TTSServer) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        for _ in range(2):
            voice = HTTPVoice(HTTPVoiceSettings(url=server.url("/raw")), session=session)
            tts = TTSProcessor(voice)
            out = await _speak(tts, "Hi.")
            assert len(audio_of(out.downstream)) / 2 / 16000 == pytest.approx(0.5, abs=0.01)
        assert not session.closed  # the caller's session: the voices leave it open
    assert server.hits("/raw") == 2


async def test_an_own_session_is_closed_with_the_call(server: TTSServer) -> None:
    voice = HTTPVoice(HTTPVoiceSettings(url=server.url("/raw")))
    call = LiveCall([TTSProcessor(voice)], clock=SystemClock(), timeout=20)
    await call.start()
    session = voice._session  # the voice's own, opened when the call started
    assert session is not None
    await call.send(TTSSpeakFrame(text="Hi."))
    await call.wait_for(lambda f: isinstance(f, TTSStoppedFrame))
    await call.end()

    assert session.closed
    with pytest.raises(RuntimeError, match="has not started"):
        await anext(voice.synthesize("Hello again."))
