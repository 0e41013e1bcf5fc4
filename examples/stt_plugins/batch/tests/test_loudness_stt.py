"""The toy batch recognizer in framekit's utterance stage, as a plugin author tests it."""

from __future__ import annotations

import numpy as np
from framekit_loudness_stt import LoudnessRecognizer

from framekit.audio import PCM16_16K
from framekit.frames import (
    InputAudioFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.testing import run_processor


def _audio(seconds: float, level: int) -> list[InputAudioFrame]:
    """``seconds`` of a 440 Hz tone at ``level`` (0: silence), in 20 ms frames."""
    t = np.arange(int(seconds * 16000)) / 16000
    pcm = (level * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes()
    step = PCM16_16K.bytes_for(0.02)
    return [
        InputAudioFrame(audio=pcm[i : i + step], format=PCM16_16K) for i in range(0, len(pcm), step)
    ]


def _stt() -> UtteranceSTTProcessor:
    return UtteranceSTTProcessor(LoudnessRecognizer(), UtteranceOptions(pre_roll=0.0))


async def test_each_loud_half_second_of_an_utterance_is_a_word() -> None:
    frames = [UserStartedSpeakingFrame(), *_audio(1.5, 8000), UserStoppedSpeakingFrame()]
    out = await run_processor(_stt(), frames)
    assert [f.text for f in out.downstream_of(TranscriptionFrame)] == ["loud loud loud"]
    assert len(out.downstream_of(InputAudioFrame)) == 75  # the audio passed on, all of it


async def test_a_quiet_utterance_gives_no_transcript() -> None:
    frames = [UserStartedSpeakingFrame(), *_audio(1.0, 50), UserStoppedSpeakingFrame()]
    out = await run_processor(_stt(), frames)
    assert out.downstream_of(TranscriptionFrame) == []


async def test_audio_outside_an_utterance_is_not_transcribed() -> None:
    frames = [*_audio(1.0, 8000), UserStartedSpeakingFrame(), UserStoppedSpeakingFrame()]
    out = await run_processor(_stt(), frames)
    assert out.downstream_of(TranscriptionFrame) == []
