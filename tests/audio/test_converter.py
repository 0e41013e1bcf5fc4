"""AudioConverter: the one place where audio changes shape."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from numpy.typing import NDArray

from framekit.audio import (
    MULAW_8K,
    PCM16_8K,
    PCM16_16K,
    PCM16_24K,
    PCM16_48K,
    AudioConverter,
    AudioEncoding,
    AudioFormat,
    audio_format,
    float32_to_pcm16,
    mulaw_decode,
    mulaw_encode,
    pcm16_to_float32,
)

FLOAT_16K = audio_format(16000, 1, AudioEncoding.FLOAT32)
STEREO_48K = audio_format(48000, 2)


def _tone_pcm(rate: int, seconds: float, freq: float = 440.0, amplitude: float = 0.3) -> bytes:
    t = np.arange(round(rate * seconds)) / rate
    return float32_to_pcm16(amplitude * np.sin(2 * np.pi * freq * t))


def _pcm(data: bytes) -> NDArray[np.int32]:
    return np.frombuffer(data, dtype="<i2").astype(np.int32)


def _run(converter: AudioConverter, data: bytes, sizes: list[int]) -> bytes:
    out, start = [], 0
    for size in itertools.cycle(sizes):
        if start >= len(data):
            break
        out.append(converter.convert(data[start : start + size]))
        start += size
    out.append(converter.flush())
    return b"".join(out)


@pytest.mark.parametrize("fmt", [MULAW_8K, PCM16_16K, STEREO_48K, FLOAT_16K])
def test_same_format_returns_input_untouched(fmt: AudioFormat) -> None:
    converter = AudioConverter(fmt, fmt)
    data = bytes(range(256)) * 3 + b"\x01"  # even a partial sample instant passes through
    assert converter.is_identity
    assert converter.convert(data) is data
    assert converter.flush() == b""


def test_mulaw_to_pcm16_at_same_rate_is_the_g711_table() -> None:
    codes = bytes(range(256)) * 4
    converter = AudioConverter(MULAW_8K, PCM16_8K)
    assert _run(converter, codes, [160]) == mulaw_decode(codes)


def test_pcm16_to_mulaw_matches_audioop_even_when_split_mid_sample() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    pcm = np.arange(-32768, 32768, 7).astype("<i2").tobytes()
    converter = AudioConverter(PCM16_8K, MULAW_8K)
    assert _run(converter, pcm, [321, 3, 1000]) == audioop.lin2ulaw(pcm, 2)


@pytest.mark.parametrize(
    ("src", "dst"),
    [(PCM16_24K, MULAW_8K), (MULAW_8K, PCM16_16K), (STEREO_48K, PCM16_16K), (PCM16_16K, FLOAT_16K)],
)
def test_chunk_by_chunk_equals_whole_stream_bit_for_bit(src: AudioFormat, dst: AudioFormat) -> None:
    mono = _tone_pcm(src.sample_rate, 0.5)
    if src.encoding is AudioEncoding.MULAW:
        mono = mulaw_encode(mono)
    data = b"".join(
        mono[i : i + src.encoding.sample_width] * src.channels
        for i in range(0, len(mono), src.encoding.sample_width)
    )
    whole = AudioConverter(src, dst)
    expected = whole.convert(data) + whole.flush()
    chunked = _run(AudioConverter(src, dst), data, [src.bytes_for(0.02), 1, 3, 777])
    assert chunked == expected
    assert len(expected) == dst.bytes_for(0.5)


def test_mulaw_8k_to_16k_and_back_stays_within_one_mulaw_step() -> None:
    # The telephone path: caller audio up to 16 kHz for STT, bot audio back down.
    codes = mulaw_encode(_tone_pcm(8000, 1.0, freq=1000.0))
    up = _run(AudioConverter(MULAW_8K, PCM16_16K), codes, [160])
    back = _run(AudioConverter(PCM16_16K, MULAW_8K), up, [640])
    original, returned = _pcm(mulaw_decode(codes)), _pcm(mulaw_decode(back))
    # Away from the stream's two ends (filter edges), a 1 kHz tone comes back as almost
    # the same codes; 0.3 full scale sits in segments with 512-unit steps at most.
    inside = slice(80, -80)
    assert np.abs(returned - original)[inside].max() <= 512
    assert np.mean(returned[inside] != original[inside]) < 0.01


def test_pcm16_resample_round_trip_error_is_small() -> None:
    original = _tone_pcm(16000, 1.0, freq=1000.0)
    down = _run(AudioConverter(PCM16_16K, PCM16_8K), original, [640])
    back = _run(AudioConverter(PCM16_8K, PCM16_16K), down, [320])
    error = np.abs(_pcm(back) - _pcm(original))[160:-160]
    assert error.max() <= 2  # 16-bit quality resampling twice, 1 kHz well inside both bands


def test_stereo_downmixes_by_averaging() -> None:
    tone = pcm16_to_float32(_tone_pcm(48000, 0.2))
    same = np.stack([tone, tone], axis=1).ravel()
    opposite = np.stack([tone, -tone], axis=1).ravel()
    converter = AudioConverter(STEREO_48K, PCM16_48K)
    assert converter.convert(float32_to_pcm16(same)) == float32_to_pcm16(tone)
    assert not np.any(_pcm(converter.convert(float32_to_pcm16(opposite))))


def test_mono_is_copied_to_every_channel() -> None:
    mono = _tone_pcm(16000, 0.2)
    out = _pcm(_run(AudioConverter(PCM16_16K, STEREO_48K), mono, [640]))
    left, right = out[0::2], out[1::2]
    np.testing.assert_array_equal(left, right)
    expected = _pcm(_run(AudioConverter(PCM16_16K, PCM16_48K), mono, [640]))
    np.testing.assert_array_equal(left, expected)


def test_float32_conversion_follows_the_pcm_rules() -> None:
    samples = np.array([0.5, -1.0, 1.0, 2.0, -0.25], dtype="<f4")
    to_pcm = AudioConverter(FLOAT_16K, PCM16_16K)
    assert to_pcm.convert(samples.tobytes()) == float32_to_pcm16(samples)
    to_float = AudioConverter(PCM16_16K, FLOAT_16K)
    back = np.frombuffer(to_float.convert(float32_to_pcm16(samples)), dtype="<f4")
    np.testing.assert_array_equal(back, [0.5, -1.0, 32767 / 32768, 32767 / 32768, -0.25])


def test_latency_is_a_few_ms_reported_and_reset_drops_it() -> None:
    # The telephone path: every 20 ms of mu-law gives 20 ms of 16 kHz PCM at once,
    # less the filter's look-ahead on the first frame only.
    converter = AudioConverter(MULAW_8K, PCM16_16K)
    assert 0 < converter.latency_seconds < 0.005
    first = converter.convert(b"\xff" * 160)
    assert len(first) == PCM16_16K.bytes_for(0.02 - converter.latency_seconds)
    assert converter.pending_seconds == pytest.approx(converter.latency_seconds)
    assert len(converter.convert(b"\xff" * 160)) == PCM16_16K.bytes_for(0.02)
    converter.reset()
    assert converter.pending_seconds == 0.0
    assert converter.flush() == b""
    assert AudioConverter(MULAW_8K, PCM16_8K).latency_seconds == 0.0


def test_unsupported_channel_layouts_are_refused() -> None:
    with pytest.raises(ValueError, match="3 channels to 2"):
        AudioConverter(audio_format(16000, 3), audio_format(16000, 2))
