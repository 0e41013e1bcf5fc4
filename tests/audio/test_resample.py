"""Streaming resampler: chunked equals one-shot, frequencies kept, latency accounted."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numpy.typing import NDArray

from framekit.audio.resample import StreamResampler, resample

RATES = (8000, 16000, 22050, 24000, 48000)
PAIRS = [(a, b) for a, b in itertools.permutations(RATES, 2)]
# soxr in float32 is deterministic and its block processing does not depend on how the
# input was cut: chunked output matches one-shot output far below one PCM16 step (3e-5).
TOLERANCE = 1e-6


def _tone(rate: int, seconds: float, *freqs: float, amplitude: float = 0.3) -> NDArray[np.float32]:
    t = np.arange(round(rate * seconds)) / rate
    waves = [amplitude * np.sin(2 * np.pi * f * t) for f in freqs]
    tone: NDArray[np.float32] = np.sum(waves, axis=0).astype(np.float32)
    return tone


def _noise(rate: int, seconds: float, seed: int = 1) -> NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(round(rate * seconds)) * 0.2).astype(np.float32)


def _stream(
    resampler: StreamResampler, signal: NDArray[np.float32], sizes: list[int]
) -> NDArray[np.float32]:
    parts, start = [], 0
    for size in itertools.cycle(sizes):
        if start >= len(signal):
            break
        parts.append(resampler.process(signal[start : start + size]))
        start += size
    parts.append(resampler.flush())
    return np.concatenate(parts)


def _spectrum_db(
    signal: NDArray[np.float32], rate: int
) -> tuple[NDArray[np.floating], NDArray[np.float64]]:
    """Bin frequencies and levels in dB re full scale (a sine of amplitude A reads 20 log A)."""
    window = np.hanning(len(signal))
    magnitude = np.abs(np.fft.rfft(signal * window)) / (window.sum() / 2)
    levels: NDArray[np.float64] = 20 * np.log10(magnitude + 1e-12)
    return np.fft.rfftfreq(len(signal), 1 / rate), levels


@pytest.mark.parametrize(("in_rate", "out_rate"), PAIRS)
def test_chunk_by_chunk_equals_one_shot(in_rate: int, out_rate: int) -> None:
    signal = _noise(in_rate, 1.0)
    one_shot = resample(signal, in_rate, out_rate)
    chunked = _stream(StreamResampler(in_rate, out_rate), signal, [in_rate // 50])
    assert len(one_shot) == round(len(signal) * out_rate / in_rate)
    assert len(chunked) == len(one_shot)
    np.testing.assert_allclose(chunked, one_shot, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize(("in_rate", "out_rate"), [(8000, 16000), (22050, 8000), (48000, 24000)])
def test_irregular_chunks_equal_one_shot(in_rate: int, out_rate: int) -> None:
    signal = _noise(in_rate, 0.7, seed=3)
    chunked = _stream(StreamResampler(in_rate, out_rate), signal, [1, 7, 0, 333, 4096, 2])
    np.testing.assert_allclose(chunked, resample(signal, in_rate, out_rate), rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize(
    ("in_rate", "out_rate"),
    [(8000, 16000), (16000, 8000), (22050, 8000), (24000, 16000), (48000, 16000), (8000, 48000)],
)
def test_sine_keeps_frequency_and_level(in_rate: int, out_rate: int) -> None:
    freq = 1000.0
    out = _stream(StreamResampler(in_rate, out_rate), _tone(in_rate, 1.0, freq), [in_rate // 50])
    freqs, db = _spectrum_db(out, out_rate)
    assert abs(freqs[np.argmax(db)] - freq) <= 1.0  # 1 Hz bins over one second
    assert db.max() == pytest.approx(20 * np.log10(0.3), abs=0.1)
    far = np.abs(freqs - freq) > 50  # everything but the tone and its window skirt
    assert db[far].max() < db.max() - 80


@pytest.mark.parametrize(("in_rate", "out_rate"), [(48000, 16000), (24000, 8000), (16000, 8000)])
def test_downsampling_removes_what_would_alias(in_rate: int, out_rate: int) -> None:
    # A tone above the new Nyquist would fold back to out_rate - f: it must vanish.
    high = 0.6 * out_rate
    out = resample(_tone(in_rate, 1.0, 500.0, high), in_rate, out_rate)
    freqs, db = _spectrum_db(out, out_rate)
    alias = np.argmin(np.abs(freqs - (out_rate - high)))
    assert db[alias] < 20 * np.log10(0.3) - 90


def test_chunk_borders_do_not_click() -> None:
    # A sine's second difference is at most A * w^2; a jump at a 20 ms border would
    # exceed it many times (resampling each chunk on its own gives 30x).
    out = _stream(StreamResampler(8000, 16000), _tone(8000, 0.5, 440.0), [160])
    inside = np.abs(np.diff(out, 2))[320:-320]  # leave out the signal's own start and end
    assert inside.max() < 0.3 * (2 * np.pi * 440 / 16000) ** 2 * 1.05


def test_same_rate_is_identity_without_copy() -> None:
    signal = _noise(16000, 0.02)
    resampler = StreamResampler(16000, 16000)
    assert resampler.is_identity
    assert resampler.process(signal) is signal
    assert resampler.flush().size == 0
    assert resampler.pending_seconds == 0.0
    assert resample(signal, 16000, 16000) is signal


def test_latency_is_accounted_for_and_flush_releases_it() -> None:
    resampler = StreamResampler(8000, 16000)
    produced = 0
    for index in range(30):
        produced += len(resampler.process(_noise(8000, 0.02, seed=index)))
        consumed_seconds = (index + 1) * 0.02
        assert produced / 16000 + resampler.pending_seconds == pytest.approx(consumed_seconds)
    assert resampler.pending_seconds > 0  # soxr holds audio back between blocks
    produced += len(resampler.flush())
    assert produced == 30 * 320
    assert resampler.pending_seconds == 0.0


def test_flush_starts_a_fresh_stream_and_reset_drops_audio() -> None:
    signal = _noise(24000, 0.3)
    resampler = StreamResampler(24000, 16000)
    first = _stream(resampler, signal, [480])
    resampler.process(_noise(24000, 0.1, seed=9))
    resampler.reset()
    assert resampler.pending_seconds == 0.0
    second = _stream(resampler, signal, [480])
    np.testing.assert_array_equal(first, second)


def test_stereo_chunked_equals_one_shot_and_keeps_channels_apart() -> None:
    left, right = _tone(48000, 0.5, 440.0), _tone(48000, 0.5, 1200.0)
    stereo = np.stack([left, right], axis=1)
    chunked = _stream(StreamResampler(48000, 16000, channels=2), stereo, [960])
    assert chunked.shape == (8000, 2)
    np.testing.assert_allclose(chunked, resample(stereo, 48000, 16000), rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(chunked[:, 0], resample(left, 48000, 16000), atol=TOLERANCE)


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        StreamResampler(0, 16000)
    with pytest.raises(ValueError, match="quality"):
        StreamResampler(8000, 16000, quality="best")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2-channel"):
        StreamResampler(8000, 16000, channels=2).process(np.zeros(160, dtype=np.float32))
    with pytest.raises(ValueError, match="1-channel"):
        StreamResampler(8000, 16000).process(np.zeros((160, 2), dtype=np.float32))
