"""What a recognizer hears and what it answers, whatever the vendor.

Why a module of its own: the stage processors, the recognizer combinators and every
vendor's engine must agree on the audio a recognizer takes and on what its result
looks like; this module is that agreement and imports no vendor.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from framekit.frames.speech import ExpectedSpeech

__all__ = [
    "SAMPLE_RATE",
    "RecognitionRequest",
    "Segment",
    "SpeechAudio",
    "Transcript",
    "confidence_from_logprob",
]

SAMPLE_RATE = 16000
"""Batch recognizers hear 16 kHz mono; resample with :mod:`framekit.audio` before asking."""

SpeechAudio: TypeAlias = (
    npt.NDArray[np.int16] | npt.NDArray[np.float32] | bytes | bytearray | memoryview
)
"""16 kHz mono audio: int16 samples, float32 in [-1, 1], or PCM16 little-endian bytes."""


@dataclass(frozen=True, slots=True)
class RecognitionRequest:
    """One utterance to transcribe and how: a row of a batched decode.

    The fields are the keyword arguments of a recognizer engine's ``transcribe``;
    ``transcribe_batch`` takes a list of them (one per caller).
    """

    audio: SpeechAudio
    language: str | None = None
    prompt: str | None = None
    beam_size: int = 1
    timestamps: bool = False
    expect: ExpectedSpeech | None = None
    abandoned: threading.Event | None = field(default=None, compare=False)
    """Set once nobody waits for the transcript (its awaiting task was cancelled). An engine
    that decodes token by token (Moonshine) then drops the row at its next step, so a
    stale early decode stops holding the engine within a step; its transcript holds
    the words decoded before that. Engines that cannot stop mid-run ignore it."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of recognised speech, with the engine's own quality signals."""

    start: float
    """Seconds from the start of the audio."""
    end: float
    text: str
    avg_logprob: float
    """Mean log-probability of the segment's tokens (0 is certain)."""
    no_speech_prob: float
    """The engine's probability that the window held no speech at all."""
    confidence: float
    """``exp(avg_logprob)``: geometric mean token probability, in [0, 1]."""


@dataclass(frozen=True, slots=True)
class Transcript:
    """What was said in one utterance."""

    text: str
    language: str
    language_probability: float
    """1.0 when the caller named the language, else the detector's probability."""
    segments: tuple[Segment, ...]
    duration: float
    """Seconds of audio transcribed."""

    @property
    def confidence(self) -> float:
        """Segment confidences weighted by segment length; 0.0 when nothing was heard."""
        weights = [max(s.end - s.start, 1e-3) for s in self.segments]
        total = sum(weights)
        if not total:
            return 0.0
        return sum(w * s.confidence for w, s in zip(weights, self.segments, strict=True)) / total


def confidence_from_logprob(avg_logprob: float) -> float:
    """Map a mean token log-probability to [0, 1] (the geometric mean token probability)."""
    if math.isnan(avg_logprob):
        return 0.0
    return min(1.0, max(0.0, math.exp(avg_logprob)))
