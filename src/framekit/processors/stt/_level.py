"""The level of caller audio, where an STT stage or service needs to tell speech from quiet."""

from __future__ import annotations

import numpy as np

__all__ = ["pcm16_rms"]


def pcm16_rms(pcm: bytes) -> float:
    """Root mean square level of PCM16 audio, in sample units (0 for no audio)."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    return float(np.sqrt(np.mean(samples * samples))) if samples.size else 0.0
