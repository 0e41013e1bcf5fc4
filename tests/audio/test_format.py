"""Interned audio formats."""

from __future__ import annotations

import pytest

from framekit.audio import MULAW_8K, PCM16_16K, AudioEncoding, audio_format


def test_every_spelling_of_a_format_is_the_same_object() -> None:
    assert audio_format(16000) is PCM16_16K
    assert audio_format(16000, 1) is PCM16_16K
    assert audio_format(16000, channels=1, encoding=AudioEncoding.PCM16) is PCM16_16K
    assert audio_format(8000, 1, AudioEncoding("mulaw")) is MULAW_8K
    assert audio_format(8000, 2) is not audio_format(8000, 1)


def test_sizes_and_durations() -> None:
    assert MULAW_8K.bytes_for(0.02) == 160
    assert PCM16_16K.bytes_for(0.02) == 640
    assert PCM16_16K.duration_of(640) == pytest.approx(0.02)
    assert str(MULAW_8K) == "mulaw/8000Hz/1ch"


def test_invalid_formats_are_refused() -> None:
    with pytest.raises(ValueError, match="sample_rate"):
        audio_format(0)
    with pytest.raises(ValueError, match="channels"):
        audio_format(8000, 0)
