"""framekit-loudness-stt: a batch speech recognizer written outside framekit.

A real vendor sends the utterance to its API; this toy one "hears" each loud half
second as the word "loud", so it needs no model and no network. What makes it a
recognizer is one method with the signature of
:class:`framekit.processors.stt.service.Recognizer`; framekit's utterance stage does
the rest (utterances cut by the VAD, pre-roll, the decode at a pause, interim
results, written forms)::

    stt = UtteranceSTTProcessor(LoudnessRecognizer(), UtteranceOptions())
"""

from __future__ import annotations

import asyncio

import numpy as np

from framekit.frames import ExpectedSpeech
from framekit.processors.stt.transcript import SAMPLE_RATE, SpeechAudio, Transcript

__all__ = ["LoudnessRecognizer"]

_WORD_SAMPLES = SAMPLE_RATE // 2


class LoudnessRecognizer:
    """Writes "loud" for each half second of 16 kHz audio whose level passes ``threshold``."""

    name = "loudness"

    def __init__(self, threshold: float = 1000.0) -> None:
        self.threshold = threshold

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        await asyncio.sleep(0)  # where a real vendor awaits its API
        samples = _samples(audio)
        words = [
            "loud"
            for start in range(0, len(samples) - _WORD_SAMPLES + 1, _WORD_SAMPLES)
            if _rms(samples[start : start + _WORD_SAMPLES]) >= self.threshold
        ]
        return Transcript(" ".join(words), language or "en", 1.0, (), len(samples) / SAMPLE_RATE)


def _samples(audio: SpeechAudio) -> np.ndarray:
    """PCM16-scaled float samples, whatever form the audio came in."""
    if isinstance(audio, bytes | bytearray | memoryview):
        return np.frombuffer(audio, dtype="<i2").astype(np.float64)
    if audio.dtype == np.float32:
        return audio.astype(np.float64) * 32768.0
    return audio.astype(np.float64)


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples * samples)))
