"""The toy voice in framekit's TTS stage, as a plugin author tests it."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from framekit_tone_tts import ToneVoice

from framekit.audio import AudioFormat, audio_format
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
from framekit.processors.tts import TTSError, TTSProcessor, Voice
from framekit.processors.tts.fallback import FallbackVoice
from framekit.processors.tts.phrases import PhraseCache
from framekit.testing import run_processor

AT_16K = PipelineParams(idle_timeout=None, audio_out_sample_rate=16000)


def _seconds(frames: list[TTSAudioFrame]) -> float:
    return sum(f.duration for f in frames)


async def test_each_sentence_is_one_utterance_at_the_calls_rate() -> None:
    text = "Hello there. How are you?"
    chunks = [LLMTextFrame(text=text[i : i + 4]) for i in range(0, len(text), 4)]
    out = await run_processor(
        TTSProcessor(ToneVoice()), [*chunks, LLMResponseEndFrame()], params=AT_16K
    )

    assert [f.text for f in out.downstream_of(TTSStartedFrame)] == ["Hello there.", "How are you?"]
    assert len(out.downstream_of(TTSStoppedFrame)) == 2
    audio = out.downstream_of(TTSAudioFrame)
    assert {f.format for f in audio} == {audio_format(16000)}  # 8 kHz voice, converted
    assert abs(_seconds(audio) - 5 * 0.2) < 0.01  # five words, 0.2 s each


async def test_a_fixed_phrase_is_synthesized_once_and_replayed() -> None:
    cache = PhraseCache()
    greeting = [TTSSpeakFrame(text="Thanks for calling!")]
    first = await run_processor(TTSProcessor(ToneVoice(), phrase_cache=cache), greeting)
    again = await run_processor(TTSProcessor(ToneVoice(), phrase_cache=cache), greeting)

    assert (cache.misses, cache.hits) == (1, 1)
    heard = [b"".join(f.audio for f in out.downstream_of(TTSAudioFrame)) for out in (first, again)]
    assert heard[0]
    assert heard[0] == heard[1]


async def test_nothing_to_say_is_a_non_fatal_error_and_the_call_goes_on() -> None:
    out = await run_processor(
        TTSProcessor(ToneVoice()), [TTSSpeakFrame(text="..."), TTSSpeakFrame(text="Still here.")]
    )

    (error,) = out.upstream_of(ErrorFrame)
    assert not error.fatal
    assert "nothing to say" in error.error
    assert len(out.downstream_of(TTSStoppedFrame)) == 2
    assert _seconds(out.downstream_of(TTSAudioFrame)) > 0.35  # "Still here." was spoken


class _Down(Voice):
    """A vendor whose service is down."""

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        audio: list[tuple[bytes, AudioFormat]] = []  # none came before the error
        for chunk in audio:
            yield chunk
        raise TTSError("503 Service Unavailable")


async def test_it_closes_a_fallback_chain_behind_a_dead_vendor() -> None:
    voice = FallbackVoice([_Down(name="cloud"), ToneVoice()], health=ProviderHealth())
    out = await run_processor(TTSProcessor(voice), [TTSSpeakFrame(text="Your table is ready.")])

    assert voice.spoken_by == ["tone"]
    (error,) = out.upstream_of(ErrorFrame)
    assert "voice cloud failed (503 Service Unavailable)" in error.error
    assert abs(_seconds(out.downstream_of(TTSAudioFrame)) - 4 * 0.2) < 0.01
