"""A failing HTTP voice falls back to espeak-ng, sentence by sentence, behind a circuit breaker."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

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
from framekit.pipeline.params import PipelineParams
from framekit.processors.tts.espeak import EspeakTTSProcessor
from framekit.processors.tts.fallback import FallbackTTSProcessor
from framekit.processors.tts.http import HTTPTTSProcessor
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


async def _run(tts: FallbackTTSProcessor, text: str = ANSWER) -> FrameCapture:
    chunks = [LLMTextFrame(text=text[i : i + 6]) for i in range(0, len(text), 6)]
    return await run_processor(
        tts,
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
    http = HTTPTTSProcessor(url=server.url("/status/500"), name="cloud")
    espeak = EspeakTTSProcessor(name="espeak")
    tts = FallbackTTSProcessor([http, espeak], failure_threshold=5)

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
    http = HTTPTTSProcessor(url=server.url("/slow"), name="cloud")
    tts = FallbackTTSProcessor([http, EspeakTTSProcessor(name="espeak")], first_audio_timeout=0.3)

    out = await run_processor(
        tts, [TTSSpeakFrame(text="Are you still there?")], clock=SystemClock(), time_limit=20
    )

    assert tts.spoken_by == ["espeak"]
    (error,) = out.upstream_of(ErrorFrame)
    assert "cloud failed (no audio in time)" in error.error
    assert rms(audio_of(out.downstream)) > 500


async def test_a_voice_that_breaks_off_mid_sentence_is_replaced_for_the_whole_sentence(
    server: TTSServer,
) -> None:
    http = HTTPTTSProcessor(url=server.url("/truncated"), name="cloud")
    tts = FallbackTTSProcessor([http, EspeakTTSProcessor(name="espeak")])

    out = await run_processor(
        tts,
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
        EspeakTTSProcessor(), [TTSSpeakFrame(text="Your table is ready.")], clock=SystemClock()
    )
    espeak_seconds = len(audio_of(alone.downstream)) / 2 / 16000
    # the 0.25 s fragment the service sent, then the whole sentence again
    assert seconds == pytest.approx(0.25 + espeak_seconds, abs=0.02)


async def test_when_every_voice_fails_the_sentence_is_reported_and_the_call_goes_on(
    server: TTSServer,
) -> None:
    http = HTTPTTSProcessor(url=server.url("/status/503"), name="cloud")
    broken = EspeakTTSProcessor(voice="zzvoice", name="espeak")
    tts = FallbackTTSProcessor([http, broken])

    out = await run_processor(
        tts, [TTSSpeakFrame(text="Hello?")], clock=SystemClock(), time_limit=20
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
    missing = EspeakTTSProcessor(executable="no-such-espeak", name="missing")
    tts = FallbackTTSProcessor([missing, EspeakTTSProcessor(name="espeak")])

    out = await run_processor(
        tts, [TTSSpeakFrame(text="Hello.")], clock=SystemClock(), time_limit=20
    )

    (error,) = out.upstream_of(ErrorFrame)
    assert not error.fatal
    assert "missing is unusable" in error.error
    assert tts.spoken_by == ["espeak"]


async def test_the_circuit_skips_a_dead_service_and_tries_it_after_the_cool_down(
    server: TTSServer,
) -> None:
    clock = ManualClock()
    http = HTTPTTSProcessor(url=server.url("/toggle"), name="cloud")
    tts = FallbackTTSProcessor(
        [http, EspeakTTSProcessor(name="espeak")], failure_threshold=2, cooldown=10.0
    )
    call = LiveCall([tts], clock=clock, timeout=20)
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
