"""G.711 mu-law: bit-exact against audioop and against the textbook formula."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest

from framekit.audio.mulaw import (
    MULAW_DECODE_TABLE,
    MULAW_ENCODE_TABLE,
    MULAW_SILENCE,
    mulaw_decode,
    mulaw_decode_array,
    mulaw_encode,
    mulaw_encode_array,
)

ALL_CODES = bytes(range(256))
ALL_PCM16 = np.arange(-32768, 32768, dtype=np.int32)
ALL_PCM16_BYTES = ALL_PCM16.astype("<i2").tobytes()


@pytest.fixture(scope="module")
def audioop():  # type: ignore[no-untyped-def]
    """The deprecated stdlib module (gone in 3.13), used only as a reference oracle."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pytest.importorskip("audioop")


def _textbook_decode(code: int) -> int:
    """G.711 Table 2a: magnitude ((2m + 33) * 2^e - 33) in 14-bit units, times 4."""
    inverted = ~code & 0xFF
    exponent, mantissa = (inverted >> 4) & 7, inverted & 15
    magnitude: int = ((2 * mantissa + 33) * 2**exponent - 33) * 4
    return -magnitude if inverted & 0x80 else magnitude


def _textbook_encode(sample: int) -> int:
    """Scalar coder: 14 MSBs (floor), bias 33, clip, exponent from the bit length."""
    value14 = sample // 4
    sign = 0x80 if value14 < 0 else 0
    biased = min(abs(value14), 8159) + 33
    exponent = min(biased.bit_length() - 6, 7)
    mantissa = (biased >> (exponent + 1)) & 15 if biased < 8192 else 15
    return ~(sign | exponent << 4 | mantissa) & 0xFF


def test_decode_all_codes_matches_audioop(audioop) -> None:  # type: ignore[no-untyped-def]
    assert mulaw_decode(ALL_CODES) == audioop.ulaw2lin(ALL_CODES, 2)


def test_encode_all_pcm16_values_matches_audioop(audioop) -> None:  # type: ignore[no-untyped-def]
    assert mulaw_encode(ALL_PCM16_BYTES) == audioop.lin2ulaw(ALL_PCM16_BYTES, 2)


def test_decode_all_codes_matches_textbook_formula() -> None:
    expected = [_textbook_decode(code) for code in range(256)]
    assert MULAW_DECODE_TABLE.tolist() == expected
    assert mulaw_decode(ALL_CODES) == np.array(expected, dtype="<i2").tobytes()


def test_encode_all_pcm16_values_matches_textbook_formula() -> None:
    expected = bytes(_textbook_encode(int(sample)) for sample in ALL_PCM16)
    assert mulaw_encode(ALL_PCM16_BYTES) == expected


def test_known_reference_points() -> None:
    # Full scale, the smallest steps, and both zeros (0xFF and 0x7F).
    assert (
        mulaw_decode(bytes([0x00, 0x80, 0x7E, 0xFE, 0x7F, 0xFF]))
        == np.array([-32124, 32124, -8, 8, 0, 0], dtype="<i2").tobytes()
    )
    assert mulaw_encode(np.array([0, 32767, -32768], dtype="<i2").tobytes()) == bytes(
        [0xFF, 0x80, 0x00]
    )
    assert MULAW_SILENCE == 0xFF
    assert mulaw_decode(bytes([MULAW_SILENCE])) == b"\x00\x00"


def test_code_round_trip_is_bit_exact() -> None:
    # Every code survives decode -> encode, except negative zero, which becomes 0xFF.
    decoded = mulaw_decode(ALL_CODES)
    expected = bytearray(ALL_CODES)
    expected[0x7F] = 0xFF
    assert mulaw_encode(decoded) == bytes(expected)


def test_pcm_round_trip_error_is_within_half_a_step() -> None:
    decoded = np.frombuffer(mulaw_decode(mulaw_encode(ALL_PCM16_BYTES)), dtype="<i2")
    error = np.abs(decoded.astype(np.int32) - ALL_PCM16)
    # The step doubles per segment; half a step plus the 2 dropped LSBs bounds the error.
    magnitude = np.abs(decoded.astype(np.int32)) // 4 + 33
    half_step = 4 * 2 ** np.maximum(np.floor(np.log2(magnitude)).astype(int) - 5, 0)
    in_range = np.abs(ALL_PCM16) <= 32124
    assert np.all(error[in_range] <= half_step[in_range] + 4)
    assert error[~in_range].max() <= 32768 - 32124  # beyond full scale: clipped


def test_encoding_is_monotonic() -> None:
    decoded = np.frombuffer(mulaw_decode(mulaw_encode(ALL_PCM16_BYTES)), dtype="<i2")
    assert np.all(np.diff(decoded.astype(np.int32)) >= 0)


def test_tables_are_read_only() -> None:
    with pytest.raises(ValueError, match="read-only"):
        MULAW_DECODE_TABLE[0] = 1
    with pytest.raises(ValueError, match="read-only"):
        MULAW_ENCODE_TABLE[0] = 1


def test_array_api_matches_bytes_api_and_writes_into_out() -> None:
    rng = np.random.default_rng(7)
    samples = rng.integers(-32768, 32768, 160).astype(np.int16)
    out = np.empty(160, dtype=np.uint8)
    result = mulaw_encode_array(samples, out=out)
    assert result is out
    assert out.tobytes() == mulaw_encode(samples.astype("<i2").tobytes())
    assert mulaw_decode_array(out).tobytes() == mulaw_decode(out.tobytes())


def test_encoding_a_20ms_frame_allocates_only_small_scratch() -> None:
    frame = (np.sin(np.arange(160) / 5) * 20000).astype("<i2").tobytes()
    mulaw_encode(frame)  # warm up
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        mulaw_encode(frame)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    # numpy's intp index scratch (8 B a sample), the output, fixed object overhead:
    # a Python loop, a float or int64 intermediate per sample would exceed this.
    assert peak <= 8 * 160 + 160 + 1024


def test_odd_pcm16_length_is_refused() -> None:
    with pytest.raises(ValueError, match="whole 2-byte samples"):
        mulaw_encode(b"\x00\x01\x02")
