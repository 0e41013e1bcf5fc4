"""espeak-ng as the last-resort voice: real audio, safe arguments, no process left behind."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from framekit.audio import audio_format
from framekit.clock import SystemClock
from framekit.frames import (
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
from framekit.services.espeak import EspeakVoice
from framekit.testing import FrameCapture, LiveCall, run_processor
from processors._tts_helpers import AudioGate, audio_of, child_processes, rms

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

LONG = " ".join(f"This is sentence number {n} of a very long answer." for n in range(60))


def _espeak(**options: Any) -> TTSProcessor:
    return TTSProcessor(EspeakVoice(**options))


async def _speak(tts: TTSProcessor, text: str, out_rate: int = 16000) -> FrameCapture:
    return await run_processor(
        tts,
        [TTSSpeakFrame(text=text)],
        clock=SystemClock(),
        params=PipelineParams(idle_timeout=None, audio_out_sample_rate=out_rate),
        time_limit=20,
    )


@pytest.mark.parametrize("out_rate", [8000, 16000, 48000])
async def test_speech_comes_out_at_the_pipeline_rate(out_rate: int) -> None:
    out = await _speak(_espeak(), "Please call me back tomorrow morning.", out_rate)

    assert not out.upstream_of(ErrorFrame)
    assert {f.format for f in out.downstream_of(TTSAudioFrame)} == {audio_format(out_rate)}
    pcm = audio_of(out.downstream)
    assert 1.5 < len(pcm) / 2 / out_rate < 4.0  # six words at 170 words a minute, and pauses
    assert rms(pcm) > 500


async def test_streamed_text_is_one_utterance_per_sentence_and_is_intelligible() -> None:
    text = "The red car is fast. My dog likes apples. Call me tomorrow"
    chunks = [LLMTextFrame(text=text[i : i + 7]) for i in range(0, len(text), 7)]
    out = await run_processor(
        _espeak(),
        [*chunks, LLMResponseEndFrame()],
        clock=SystemClock(),
        params=PipelineParams(idle_timeout=None, audio_out_sample_rate=16000),
        time_limit=20,
    )

    types = out.downstream_types()
    assert types.count(TTSStartedFrame) == types.count(TTSStoppedFrame) == 3
    whisper = pytest.importorskip("framekit.services.whisper")
    said = whisper.WhisperEngine.shared().transcribe(audio_of(out.downstream), "en").text.lower()
    # espeak-ng is robotic and Whisper mishears some of its words (seen: "my dog likes
    # apples" as "my not like samples"), so each sentence must be heard through at least
    # one of its words, and no word heard twice (a sentence spoken once, not repeated).
    for words in (("red", "car", "fast"), ("dog", "like", "apples"), ("call", "tomorrow")):
        heard = [word for word in words if word in said]
        assert heard, (words, said)
        assert all(said.count(word) == 1 for word in heard), said


async def test_text_that_looks_like_options_is_spoken_not_obeyed() -> None:
    # As an argument, "--help" would print the help text instead of a WAV file.
    out = await _speak(_espeak(), "--help -v fr --stdout")

    assert not out.upstream_of(ErrorFrame)
    assert rms(audio_of(out.downstream)) > 500


async def test_a_missing_binary_names_the_package_to_install() -> None:
    out = await _speak(_espeak(executable="no-such-espeak"), "Hello.")

    (error,) = out.upstream_of(ErrorFrame)
    assert error.fatal  # the voice cannot work at all: the call must not start silent
    assert "apt-get install espeak-ng" in error.error


async def test_an_unknown_voice_is_a_non_fatal_error_with_espeaks_reason() -> None:
    out = await _speak(_espeak(voice="zzvoice"), "Hello.")

    (error,) = out.upstream_of(ErrorFrame)
    assert not error.fatal
    assert "voice does not exist" in error.error
    assert out.downstream_types().count(TTSStoppedFrame) == 1


@pytest.mark.parametrize("how", ["interruption", "cancel"])
async def test_the_process_is_killed_and_reaped_when_speech_stops(how: str) -> None:
    gate = AudioGate()
    call = LiveCall([_espeak(), gate], clock=SystemClock(), timeout=20)
    await call.start()
    await call.send(TTSSpeakFrame(text=LONG))
    await gate.holding.wait()  # espeak-ng is mid-answer, its pipe full behind the gate
    running = child_processes("espeak-ng")
    assert len(running) == 1
    assert running[0][1] != "Z"

    if how == "interruption":
        interruption = InterruptionFrame()
        await call.send(interruption)
        await call.wait_for(lambda f: f is interruption)
        assert child_processes("espeak-ng") == []  # killed and reaped, not a zombie
        gate.release.set()
        await call.send(TTSSpeakFrame(text="Okay."))
        await call.wait_for(lambda f: isinstance(f, TTSStoppedFrame))
        await call.end()
    else:
        await call.cancel()
    assert child_processes("espeak-ng") == []
    assert not [f for f in call.upstream if isinstance(f, ErrorFrame)]
