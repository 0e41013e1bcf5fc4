"""PCM16 <-> float32: exact round trip, documented rounding and clipping."""

from __future__ import annotations

import numpy as np
import pytest

from framekit.audio.pcm import (
    PCM16_SCALE,
    float32_bytes_to_array,
    float32_to_pcm16,
    pcm16_bytes_to_array,
    pcm16_to_float32,
    quantize_int16,
    quantize_int16_inplace,
)

ALL_PCM16_BYTES = np.arange(-32768, 32768).astype("<i2").tobytes()


def _pcm(values: list[int]) -> bytes:
    return np.array(values, dtype="<i2").tobytes()


def test_every_pcm16_value_survives_float32_round_trip() -> None:
    floats = pcm16_to_float32(ALL_PCM16_BYTES)
    assert floats.dtype == np.float32
    assert floats.min() == -1.0
    assert floats.max() == np.float32(32767 / 32768)
    assert float32_to_pcm16(floats) == ALL_PCM16_BYTES


def test_out_of_range_values_clip_and_nan_is_silence() -> None:
    samples = np.array([1.0, -1.0, 1.5, -2.0, np.inf, -np.inf, np.nan], dtype=np.float32)
    assert float32_to_pcm16(samples) == _pcm([32767, -32768, 32767, -32768, 32767, -32768, 0])


def test_rounding_is_to_nearest_with_ties_to_even() -> None:
    lsb = 1.0 / PCM16_SCALE
    samples = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.49, 0.51], dtype=np.float64) * lsb
    assert float32_to_pcm16(samples) == _pcm([0, 2, 2, 0, -2, 0, 1])


def test_quantize_in_pcm_units_leaves_input_untouched() -> None:
    samples = np.array([0.4, 100.6, -40000.0, 40000.0], dtype=np.float32)
    before = samples.copy()
    assert quantize_int16(samples, scale=1.0).tolist() == [0, 101, -32768, 32767]
    np.testing.assert_array_equal(samples, before)


def test_in_place_quantization_follows_the_same_rule() -> None:
    samples = np.array(
        [0.4, 0.5, 1.5, -0.5, 100.6, -40000.0, 40000.0, np.inf, -np.inf, np.nan], dtype=np.float32
    )
    expected = quantize_int16(samples, scale=1.0)
    assert quantize_int16_inplace(samples.copy()).tolist() == expected.tolist()
    finite = samples[:-3].copy()
    assert quantize_int16_inplace(finite, finite=True).tolist() == expected[:-3].tolist()
    assert finite.tolist() == [0.0, 0.0, 2.0, -0.0, 101.0, -32768.0, 32767.0]  # reused


def test_byte_views_share_memory_and_are_little_endian() -> None:
    data = _pcm([1, -2, 256])
    view = pcm16_bytes_to_array(data)
    assert view.tolist() == [1, -2, 256]
    assert not view.flags.writeable  # a view on immutable bytes, not a copy
    assert data[4:6] == b"\x00\x01"  # 256 little-endian
    floats = np.array([0.25, -1.0], dtype="<f4").tobytes()
    assert float32_bytes_to_array(floats).tolist() == [0.25, -1.0]


@pytest.mark.parametrize(
    ("func", "data", "message"),
    [
        (pcm16_bytes_to_array, b"\x00", "whole 2-byte samples"),
        (pcm16_to_float32, b"\x00\x00\x00", "whole 2-byte samples"),
        (float32_bytes_to_array, b"\x00\x00", "whole 4-byte samples"),
    ],
)
def test_partial_samples_are_refused(func, data: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        func(data)
