"""A failing HTTP voice falls back to espeak-ng, sentence by sentence, behind a circuit breaker."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest

pytest.importorskip("aiohttp", reason="needs the 'http' extra")

from framekit.audio import audio_format
from framekit.clock import ManualClock, SystemClock
from framekit.frames import (
    ErrorFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    TTSAudioFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
)
from framekit.health import ProviderHealth
from framekit.pipeline.params import PipelineParams
from framekit.processors.tts import TTSProcessor, Voice
from framekit.processors.tts.fallback import FallbackVoice
from framekit.services.espeak import EspeakVoice
from framekit.services.http_tts import HTTPVoice, HTTPVoiceSettings
from framekit.testing import FrameCapture, LiveCall, run_processor
from processors._tts_helpers import audio_of, rms
from processors._tts_server import TTSServer

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

ANSWER = "The red car is fast. I like green apples. Call me tomorrow"


@pytest.fixture
async def server() -> AsyncIterator[TTSServer]:
    service = TTSServer()
    await service.start()
    yield service
    await service.close()


def _cloud(server: TTSServer, path: str) -> HTTPVoice:
    return HTTPVoice(HTTPVoiceSettings(url=server.url(path)), name="cloud")


def _fallback(voices: list[Voice], **options: Any) -> FallbackVoice:
    """A fallback with breakers of its own (an application passes its process's)."""
    health = options.pop("health", None) or ProviderHealth(failure_threshold=3, cooldown=30.0)
    return FallbackVoice(voices, health=health, **options)


async def _run(voice: FallbackVoice, text: str = ANSWER) -> FrameCapture:
    chunks = [LLMTextFrame(text=text[i : i + 6]) for i in range(0, len(text), 6)]
    return await run_processor(
        TTSProcessor(voice),
        [*chunks, LLMResponseEndFrame()],
        clock=SystemClock(),
        params=PipelineParams(idle_timeout=None, audio_out_sample_rate=16000),
        time_limit=30,
    )


def _is_stopped(frame: object) -> bool:
    return isinstance(frame, TTSStoppedFrame)


async def test_a_failing_service_falls_back_and_every_sentence_is_heard_once(
    server: TTSServer,
) -> None:
    espeak = EspeakVoice(name="espeak")
    tts = _fallback(
        [_cloud(server, "/status/500"), espeak], health=ProviderHealth(failure_threshold=5)
    )

    out = await _run(tts)

    assert tts.spoken_by == ["espeak", "espeak", "espeak"]
    assert server.hits("/status/500") == 3
    types = out.downstream_types()
    assert types.count(TTSStartedFrame) == types.count(TTSStoppedFrame) == 3
    assert {f.format for f in out.downstream_of(TTSAudioFrame)} == {audio_format(16000)}
    pcm = audio_of(out.downstream)
    assert rms(pcm) > 500
    errors = out.upstream_of(ErrorFrame)
    assert len(errors) == 3
    assert all(not e.fatal and "cloud failed" in e.error and "500" in e.error for e in errors)
    whisper = pytest.importorskip("framekit.services.whisper")
    said = whisper.WhisperEngine.shared().transcribe(pcm, "en").text.lower()
    for word in ("car", "apples", "tomorrow"):  # each sentence heard, and only once
        assert said.count(word) == 1, said


async def test_a_service_that_does_not_answer_in_time_falls_back(server: TTSServer) -> None:
    tts = _fallback([_cloud(server, "/slow"), EspeakVoice(name="espeak")], first_audio_timeout=0.3)

    out = await run_processor(
        TTSProcessor(tts),
        [TTSSpeakFrame(text="Are you still there?")],
        clock=SystemClock(),
        time_limit=20,
    )

    assert tts.spoken_by == ["espeak"]
    (error,) = out.upstream_of(ErrorFrame)
    assert "cloud failed (no audio in time)" in error.error
    assert rms(audio_of(out.downstream)) > 500


async def test_a_voice_that_breaks_off_mid_sentence_is_replaced_for_the_whole_sentence(
    server: TTSServer,
) -> None:
    tts = _fallback([_cloud(server, "/truncated"), EspeakVoice(name="espeak")])

    out = await run_processor(
        TTSProcessor(tts),
        [TTSSpeakFrame(text="Your table is ready.")],
        clock=SystemClock(),
        params=PipelineParams(idle_timeout=None, audio_out_sample_rate=16000),
        time_limit=20,
    )

    assert tts.spoken_by == ["espeak"]
    types = out.downstream_types()
    assert types.count(TTSStartedFrame) == types.count(TTSStoppedFrame) == 1
    seconds = len(audio_of(out.downstream)) / 2 / 16000
    alone = await run_processor(
        TTSProcessor(EspeakVoice()),
        [TTSSpeakFrame(text="Your table is ready.")],
        clock=SystemClock(),
    )
    espeak_seconds = len(audio_of(alone.downstream)) / 2 / 16000
    # the 0.25 s fragment the service sent, then the whole sentence again
    assert seconds == pytest.approx(0.25 + espeak_seconds, abs=0.02)


async def test_when_every_voice_fails_the_sentence_is_reported_and_the_call_goes_on(
    server: TTSServer,
) -> None:
    broken = EspeakVoice(voice="zzvoice", name="espeak")
    tts = _fallback([_cloud(server, "/status/503"), broken])

    out = await run_processor(
        TTSProcessor(tts), [TTSSpeakFrame(text="Hello?")], clock=SystemClock(), time_limit=20
    )

    messages = [e.error for e in out.upstream_of(ErrorFrame)]
    assert len(messages) == 2
    assert "cloud failed" in messages[0]
    assert "every voice failed" in messages[1]
    assert "cloud: " in messages[1]
    assert "espeak: espeak-ng exited with status 1" in messages[1]
    assert out.downstream_types().count(TTSStoppedFrame) == 1
    assert not audio_of(out.downstream)


async def test_a_voice_that_cannot_start_is_left_out_of_the_call() -> None:
    missing = EspeakVoice(executable="no-such-espeak", name="missing")
    tts = _fallback([missing, EspeakVoice(name="espeak")])

    out = await run_processor(
        TTSProcessor(tts), [TTSSpeakFrame(text="Hello.")], clock=SystemClock(), time_limit=20
    )

    (error,) = out.upstream_of(ErrorFrame)
    assert not error.fatal
    assert "missing is unusable" in error.error
    assert tts.spoken_by == ["espeak"]


async def test_the_circuit_skips_a_dead_service_and_tries_it_after_the_cool_down(
    server: TTSServer,
) -> None:
    clock = ManualClock()
    health = ProviderHealth(failure_threshold=2, cooldown=10.0)
    tts = _fallback(
        [_cloud(server, "/toggle"), EspeakVoice(name="espeak")], health=health, clock=clock
    )
    call = LiveCall([TTSProcessor(tts)], clock=clock, timeout=20)
    await call.start()

    async def say(text: str, count: int) -> None:
        await call.send(TTSSpeakFrame(text=text))
        await call.wait_for(_is_stopped, count=count)

    await say("One.", 1)
    await say("Two.", 2)  # the second failure in a row opens the circuit
    await say("Three.", 3)
    assert server.hits("/toggle") == 2  # the dead service was not asked again
    await clock.advance(11.0)
    await say("Four.", 4)  # one trial after the cool-down: it fails and re-opens at once
    await say("Five.", 5)
    assert server.hits("/toggle") == 3
    server.failing = False
    await clock.advance(11.0)
    await say("Six.", 6)
    await say("Seven.", 7)
    await call.end()

    assert server.hits("/toggle") == 5
    assert tts.spoken_by == ["espeak"] * 5 + ["cloud"] * 2
    assert len(call.upstream) == 3  # one error per failed request, none for skipped sentences
