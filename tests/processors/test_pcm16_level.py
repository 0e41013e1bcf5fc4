"""The caller audio's level, read on every frame by the STT stages: exact and cheap."""

from __future__ import annotations

import math
import struct

from framekit.processors.stt._level import pcm16_rms


def _reference(samples: list[int]) -> float:
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def test_the_level_is_the_exact_root_mean_square() -> None:
    loudest = [-32768, 32767] * 160  # squares summed past float32's exact integers
    assert pcm16_rms(struct.pack("<320h", *loudest)) == _reference(loudest)
    ramp = list(range(-160, 160))
    assert pcm16_rms(struct.pack("<320h", *ramp)) == _reference(ramp)


def test_no_audio_has_no_level() -> None:
    assert pcm16_rms(b"") == 0.0
    assert pcm16_rms(b"\0\0" * 160) == 0.0
