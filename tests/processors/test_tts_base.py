"""The TTS stage: frames per sentence, conversion from any declared format, failures.

A scripted voice stands in for a real one, so each test controls exactly which
bytes, formats and failures the base receives.
"""

from __future__ import annotations

import math
import struct
from collections.abc import AsyncGenerator

import pytest

from framekit.audio import AudioEncoding, AudioFormat, audio_format
from framekit.frames import (
    ErrorFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    TTSAudioFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
)
from framekit.pipeline.params import PipelineParams
from framekit.processors.tts import TTSError, TTSProcessor, Voice
from framekit.testing import run_processor


def _tone(rate: int, seconds: float, hz: float = 440.0) -> bytes:
    n = round(rate * seconds)
    return struct.pack(
        f"<{n}h", *(round(8000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(n))
    )


class _Scripted(Voice):
    """Speaks every sentence as a tone; fails on sentences containing ``fail``."""

    def __init__(self, chunks: list[tuple[int, AudioFormat]] | None = None) -> None:
        super().__init__()
        self.spoken: list[str] = []
        self._chunks = chunks or [(4410, audio_format(22050))]

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        self.spoken.append(text)
        for size, fmt in self._chunks:
            if "fail" in text:
                raise TTSError("the voice is broken")
            if fmt.encoding is AudioEncoding.PCM16:
                pcm = _tone(fmt.sample_rate, size / 2 / fmt.sample_rate)
            else:
                pcm = bytes(size)
            yield pcm, fmt


def _seconds(frames: list[TTSAudioFrame]) -> float:
    return sum(f.duration for f in frames)


async def test_streamed_sentences_each_get_started_audio_stopped() -> None:
    voice = _Scripted()
    text = "Hello there. How are you? Fine"
    out = await run_processor(
        TTSProcessor(voice),
        [
            *(LLMTextFrame(text=text[i : i + 4]) for i in range(0, len(text), 4)),
            LLMResponseEndFrame(),
        ],
        params=PipelineParams(idle_timeout=None, audio_out_sample_rate=16000),
    )

    assert voice.spoken == ["Hello there.", "How are you?", "Fine"]
    types = out.downstream_types()
    assert types.count(TTSStartedFrame) == types.count(TTSStoppedFrame) == 3
    audio = out.downstream_of(TTSAudioFrame)
    assert {f.format for f in audio} == {audio_format(16000)}
    assert _seconds(audio) == pytest.approx(3 * 0.1, abs=0.002)
    assert len({f.context_id for f in out.downstream_of(TTSStartedFrame)}) == 1


async def test_chunks_split_inside_a_sample_and_formats_that_change_are_joined() -> None:
    odd = audio_format(16000)
    voice = _Scripted([(301, odd), (299, odd), (800, audio_format(8000, 1, AudioEncoding.MULAW))])
    out = await run_processor(
        TTSProcessor(voice),
        [TTSSpeakFrame(text="One.")],
        params=PipelineParams(idle_timeout=None, audio_out_sample_rate=16000),
    )

    audio = out.downstream_of(TTSAudioFrame)
    assert all(len(f.audio) % 2 == 0 for f in audio)
    # 600 bytes at 16 kHz (0.01875 s) then 800 mu-law samples at 8 kHz (0.1 s)
    assert _seconds(audio) == pytest.approx(0.01875 + 0.1, abs=0.002)


async def test_a_failed_sentence_is_a_non_fatal_error_and_the_next_one_is_spoken() -> None:
    out = await run_processor(
        TTSProcessor(_Scripted()), [LLMTextFrame(text="This will fail. This will not. ")]
    )

    errors = out.upstream_of(ErrorFrame)
    assert len(errors) == 1
    assert not errors[0].fatal
    assert "the voice is broken" in errors[0].error
    assert "This will fail." in errors[0].error
    types = out.downstream_types()
    assert types.count(TTSStartedFrame) == types.count(TTSStoppedFrame) == 2
    assert _seconds(out.downstream_of(TTSAudioFrame)) > 0.09  # the second sentence


async def test_each_started_frame_carries_its_sentence_and_response_as_cut_here() -> None:
    tts = TTSProcessor(_Scripted(), abbreviations=frozenset({"approx"}))  # "Dr." ends here
    out = await run_processor(
        tts,
        [
            LLMResponseStartFrame(response_id="r1"),
            LLMTextFrame(text="Dr. Who is in. Approx. two", response_id="r1"),
            LLMTextFrame(text=" hours.", response_id="r1"),
            LLMResponseEndFrame(response_id="r1"),
            TTSSpeakFrame(text="Goodbye."),
        ],
        params=PipelineParams(idle_timeout=None, audio_out_sample_rate=16000),
    )
    started = [(f.text, f.response_id) for f in out.downstream_of(TTSStartedFrame)]
    assert started == [
        ("Dr.", "r1"),
        ("Who is in.", "r1"),
        ("Approx. two hours.", "r1"),
        ("Goodbye.", ""),
    ]
