"""Streaming resampler: chunked equals one-shot, frequencies kept, latency of a few ms."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from numpy.typing import NDArray

from framekit.audio._polyphase import STOPBAND_DB, polyphase_bank
from framekit.audio.resample import ResampleQuality, StreamResampler, resample

RATES = (8000, 16000, 22050, 24000, 48000)
PAIRS = list(itertools.permutations(RATES, 2))
QUALITIES: tuple[ResampleQuality, ...] = ("QQ", "LQ", "MQ", "HQ", "VHQ")
MAX_LATENCY_S = 0.005  # the default preset's budget on every pair


def _tone(rate: int, seconds: float, *freqs: float, amplitude: float = 0.3) -> NDArray[np.float32]:
    t = np.arange(round(rate * seconds)) / rate
    waves = [amplitude * np.sin(2 * np.pi * f * t) for f in freqs]
    tone: NDArray[np.float32] = np.sum(waves, axis=0).astype(np.float32)
    return tone


def _noise(rate: int, seconds: float, seed: int = 1) -> NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(round(rate * seconds)) * 0.2).astype(np.float32)


def _chunks(signal: NDArray[np.float32], sizes: list[int]) -> list[NDArray[np.float32]]:
    parts: list[NDArray[np.float32]] = []
    start = 0
    for size in itertools.cycle(sizes):
        if start >= len(signal):
            return parts
        parts.append(signal[start : start + size])
        start += size
    raise AssertionError("unreachable")


def _stream(
    resampler: StreamResampler, signal: NDArray[np.float32], sizes: list[int]
) -> NDArray[np.float32]:
    parts = [resampler.process(chunk) for chunk in _chunks(signal, sizes)]
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
def test_chunk_by_chunk_equals_one_shot_exactly(in_rate: int, out_rate: int) -> None:
    # Every output is the same dot product however the stream was cut: identical bits.
    signal = _noise(in_rate, 1.0)
    one_shot = resample(signal, in_rate, out_rate)
    assert len(one_shot) == out_rate
    for sizes in ([in_rate // 50], [1, 7, 0, 333, 4096, 2], [len(signal)]):
        chunked = _stream(StreamResampler(in_rate, out_rate), signal, sizes)
        np.testing.assert_array_equal(chunked, one_shot)


def test_one_shot_length_counts_the_output_instants_inside_the_input() -> None:
    # 1001 inputs at 22,050 Hz last 45.4 ms: 363.19 output periods at 8 kHz -> 364 instants.
    assert len(resample(_noise(22050, 0.0454), 22050, 8000)) == math.ceil(1001 * 8000 / 22050)
    assert len(resample(_noise(8000, 0.001), 8000, 48000)) == 48


@pytest.mark.parametrize(("in_rate", "out_rate"), PAIRS)
def test_sine_keeps_frequency_and_level(in_rate: int, out_rate: int) -> None:
    freq = 1000.0
    out = _stream(StreamResampler(in_rate, out_rate), _tone(in_rate, 1.0, freq), [in_rate // 50])
    freqs, db = _spectrum_db(out, out_rate)
    assert abs(freqs[np.argmax(db)] - freq) <= 1.0  # 1 Hz bins over one second
    assert db.max() == pytest.approx(20 * np.log10(0.3), abs=0.01)
    far = np.abs(freqs - freq) > 50  # images, aliases and noise: the 80 dB stopband
    assert db[far].max() < db.max() - 80


@pytest.mark.parametrize(("in_rate", "out_rate"), [(8000, 16000), (16000, 8000), (48000, 8000)])
def test_telephone_band_edge_passes_flat(in_rate: int, out_rate: int) -> None:
    # 3.4 kHz, the top of the telephone band, is 85 % of the 8 kHz Nyquist: the passband edge.
    out = resample(_tone(in_rate, 1.0, 3400.0), in_rate, out_rate)
    _, db = _spectrum_db(out, out_rate)
    assert db.max() == pytest.approx(20 * np.log10(0.3), abs=0.01)


@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize(
    ("in_rate", "out_rate"), [(48000, 16000), (24000, 8000), (16000, 8000), (22050, 8000)]
)
@pytest.mark.parametrize("above_nyquist", [1.0, 1.03, 1.2, 1.5])
def test_downsampling_removes_what_would_alias(
    in_rate: int, out_rate: int, quality: ResampleQuality, above_nyquist: float
) -> None:
    # A tone at or above the new Nyquist would fold back to out_rate - f: it must vanish
    # to the preset's stopband (40 dB for "QQ", 80 dB for the default "MQ").
    high = above_nyquist * out_rate / 2
    if high >= 0.95 * in_rate / 2:
        pytest.skip("not below the input's Nyquist")
    out = resample(_tone(in_rate, 1.0, 500.0, high), in_rate, out_rate, quality=quality)
    freqs, db = _spectrum_db(out, out_rate)
    alias = np.argmin(np.abs(freqs - (out_rate - high)))
    near_alias = db[max(alias - 3, 0) : alias + 4].max()  # the window's main lobe
    assert near_alias < 20 * np.log10(0.3) - STOPBAND_DB[quality]
    # The 500 Hz tone stays, within the passband ripple (a Kaiser design's equals its stopband).
    ripple_db = 20 * np.log10(1 + 10 ** (-STOPBAND_DB[quality] / 20))
    assert db.max() == pytest.approx(20 * np.log10(0.3), abs=ripple_db + 0.001)


@pytest.mark.parametrize(("in_rate", "out_rate"), PAIRS)
def test_every_20ms_chunk_gives_its_share_at_once(in_rate: int, out_rate: int) -> None:
    resampler = StreamResampler(in_rate, out_rate)
    share = out_rate // 50
    hold = round(resampler.latency_seconds * out_rate)
    sizes = [len(resampler.process(c)) for c in _chunks(_noise(in_rate, 1.0), [in_rate // 50])]
    assert abs(sizes[0] - (share - hold)) <= 1  # the filter's look-ahead, once
    assert all(abs(size - share) <= 1 for size in sizes[1:])  # then no block is held back
    assert sum(sizes) + len(resampler.flush()) == 50 * share


@pytest.mark.parametrize(("in_rate", "out_rate"), PAIRS)
def test_measured_latency_is_a_few_milliseconds(in_rate: int, out_rate: int) -> None:
    # Latency = the delay of the audio's content (cross-correlation of a chirp against
    # the same chirp drawn at the output rate) + the most output owed at any call.
    seconds, top = 0.5, 0.8 * min(in_rate, out_rate) / 2

    def chirp(rate: int) -> NDArray[np.float64]:
        t = np.arange(round(rate * seconds)) / rate
        chirp_wave: NDArray[np.float64] = np.sin(np.pi * top / seconds * t**2)
        return chirp_wave

    resampler = StreamResampler(in_rate, out_rate)
    parts, owed = [], 0.0
    for count, chunk in enumerate(_chunks(chirp(in_rate).astype(np.float32), [in_rate // 50])):
        parts.append(resampler.process(chunk))
        produced = sum(len(part) for part in parts)
        owed = max(owed, (count + 1) * len(chunk) / in_rate - produced / out_rate)
    assert owed == pytest.approx(resampler.pending_seconds, abs=1.5 / out_rate)
    out, reference = np.concatenate(parts), chirp(out_rate)
    lags = range(-100, 101)  # output samples: far beyond any delay worth having
    inner = slice(200, len(out) - 200)
    scores = [np.dot(out[inner], np.roll(reference, lag)[inner]) for lag in lags]
    delay = lags[int(np.argmax(scores))] / out_rate
    assert delay == 0.0  # linear phase, centred: the content is not delayed at all
    assert delay + owed < MAX_LATENCY_S
    assert owed <= resampler.latency_seconds + 1 / out_rate


@pytest.mark.parametrize(("in_rate", "out_rate"), [(8000, 16000), (22050, 8000), (16000, 8000)])
def test_latency_grows_with_quality_and_stays_small(in_rate: int, out_rate: int) -> None:
    latencies = [StreamResampler(in_rate, out_rate, quality=q).latency_seconds for q in QUALITIES]
    assert latencies == sorted(latencies)
    assert latencies[QUALITIES.index("MQ")] < MAX_LATENCY_S
    assert latencies[-1] < 0.007


def test_chunk_borders_do_not_click() -> None:
    # A sine's second difference is at most A * w^2; a jump at a 20 ms border would
    # exceed it many times (resampling each chunk on its own gives 30x).
    out = _stream(StreamResampler(8000, 16000), _tone(8000, 0.5, 440.0), [160])
    inside = np.abs(np.diff(out, 2))[320:-320]  # leave out the signal's own start and end
    assert inside.max() < 0.3 * (2 * np.pi * 440 / 16000) ** 2 * 1.05


def test_constant_input_gives_the_same_constant() -> None:
    # Every phase's taps sum to one, so no phase adds a ripple at the input rate.
    out = resample(np.full(4000, 0.5, dtype=np.float32), 8000, 22050)
    np.testing.assert_allclose(out[100:-100], 0.5, rtol=0, atol=1e-6)


def test_same_rate_is_identity_without_copy() -> None:
    signal = _noise(16000, 0.02)
    resampler = StreamResampler(16000, 16000)
    assert resampler.is_identity
    assert resampler.process(signal) is signal
    assert resampler.flush().size == 0
    assert resampler.pending_seconds == 0.0
    assert resampler.latency_seconds == 0.0
    assert resample(signal, 16000, 16000) is signal


def test_latency_is_accounted_for_and_flush_releases_it() -> None:
    resampler = StreamResampler(8000, 16000)
    produced = 0
    for index in range(30):
        produced += len(resampler.process(_noise(8000, 0.02, seed=index)))
        consumed_seconds = (index + 1) * 0.02
        assert produced / 16000 + resampler.pending_seconds == pytest.approx(consumed_seconds)
        assert 0 < resampler.pending_seconds <= resampler.latency_seconds
    produced += len(resampler.flush())
    assert produced == 30 * 320
    assert resampler.pending_seconds == 0.0


def test_filter_bank_is_designed_once_and_shared() -> None:
    assert polyphase_bank(22050, 16000, "MQ") is polyphase_bank(22050, 16000, "MQ")
    assert not polyphase_bank(22050, 16000, "MQ").rows.flags.writeable


def test_flush_starts_a_fresh_stream_and_reset_drops_audio() -> None:
    signal = _noise(24000, 0.3)
    resampler = StreamResampler(24000, 16000)
    first = _stream(resampler, signal, [480])
    resampler.process(_noise(24000, 0.1, seed=9))
    resampler.reset()
    assert resampler.pending_seconds == 0.0
    second = _stream(resampler, signal, [480])
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize(("in_rate", "out_rate"), [(48000, 16000), (22050, 16000)])
def test_stereo_chunked_equals_one_shot_and_keeps_channels_apart(
    in_rate: int, out_rate: int
) -> None:
    left, right = _tone(in_rate, 0.5, 440.0), _tone(in_rate, 0.5, 1200.0)
    stereo = np.stack([left, right], axis=1)
    chunked = _stream(StreamResampler(in_rate, out_rate, channels=2), stereo, [in_rate // 50, 7])
    assert chunked.shape == (out_rate // 2, 2)
    np.testing.assert_array_equal(chunked, resample(stereo, in_rate, out_rate))
    # Channels use a different memory stride, so only nearly the mono bits.
    np.testing.assert_allclose(chunked[:, 0], resample(left, in_rate, out_rate), atol=1e-6)
    np.testing.assert_allclose(chunked[:, 1], resample(right, in_rate, out_rate), atol=1e-6)


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        StreamResampler(0, 16000)
    with pytest.raises(ValueError, match="integers"):
        StreamResampler(8000.5, 16000)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="quality"):
        StreamResampler(8000, 16000, quality="best")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="filter phases"):
        StreamResampler(44100, 48001)
    with pytest.raises(ValueError, match="2-channel"):
        StreamResampler(8000, 16000, channels=2).process(np.zeros(160, dtype=np.float32))
    with pytest.raises(ValueError, match="1-channel"):
        StreamResampler(8000, 16000).process(np.zeros((160, 2), dtype=np.float32))


@pytest.mark.parametrize(("in_rate", "out_rate"), [(8000, 16000), (8000, 24000), (8000, 48000)])
def test_integer_upsampling_by_cycles_is_bit_for_bit_the_per_phase_kernel(
    in_rate: int, out_rate: int
) -> None:
    """The one-call path for whole cycles computes each output exactly as the general one."""
    from framekit.audio._polyphase import _apply_by_cycle, _apply_by_phase, polyphase_bank

    design = polyphase_bank(in_rate, out_rate, "MQ")
    rng = np.random.default_rng(3)
    history = (rng.standard_normal(2000) * 3000).astype(np.float32)
    base = 1 - design.half
    for cycles, start in ((1, 0), (160, 0), (160, 37), (900, 500)):
        first = (start + design.half - 1) * design.up  # output whose window starts at `start`
        by_cycle = np.empty(cycles * design.up, dtype=np.float32)
        by_phase = np.empty_like(by_cycle)
        _apply_by_cycle(design, history, base, first, by_cycle)
        _apply_by_phase(design, history, base, first, by_phase)
        np.testing.assert_array_equal(by_cycle, by_phase)
