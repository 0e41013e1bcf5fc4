"""The telephone line's way in (8 kHz mu-law -> 16 kHz PCM16): the fast path equals the filter."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from framekit.audio import (
    MULAW_8K,
    PCM16_8K,
    PCM16_16K,
    PCM16_24K,
    AudioConverter,
    AudioFormat,
    StreamResampler,
    audio_format,
    quantize_int16,
)
from framekit.audio._upsample import LineUpsampler
from framekit.audio.convert import _DECODERS
from framekit.audio.resample import resample

_RNG = np.random.default_rng(18)


def _line(seconds: float, fmt: AudioFormat) -> bytes:
    """Speech-like noise: loud enough that the filter's overshoot reaches the clip."""
    samples = round(seconds * fmt.sample_rate)
    if fmt is MULAW_8K:
        return _RNG.integers(0, 256, samples, dtype=np.uint8).tobytes()
    return _RNG.integers(-32768, 32768, samples, dtype=np.int16).astype("<i2").tobytes()


def _reference(data: bytes, src: AudioFormat, dst: AudioFormat) -> bytes:
    """The general filter over the whole signal, rounded by the library's one rule."""
    samples: NDArray[np.float32] = _DECODERS[src.encoding](data)
    return quantize_int16(resample(samples, src.sample_rate, dst.sample_rate), scale=1.0).tobytes()


def _chunked(converter: AudioConverter, data: bytes, sizes: list[int]) -> bytes:
    out, start, turn = [], 0, 0
    while start < len(data):
        size = sizes[turn % len(sizes)]
        out.append(converter.convert(data[start : start + size]))
        start, turn = start + size, turn + 1
    out.append(converter.flush())
    return b"".join(out)


@pytest.mark.parametrize(
    ("src", "dst"), [(MULAW_8K, PCM16_16K), (PCM16_8K, PCM16_16K), (MULAW_8K, PCM16_24K)]
)
@pytest.mark.parametrize("sizes", [[160], [320], [1, 7, 160, 4999], [9000]])
def test_line_path_is_the_filter_bit_for_bit(
    src: AudioFormat, dst: AudioFormat, sizes: list[int]
) -> None:
    # Long enough to compact and to grow the kept history several times.
    data = _line(3.0, src)
    converter = AudioConverter(src, dst)
    assert converter._line is not None
    byte_sizes = [size * src.bytes_per_frame for size in sizes]
    assert _chunked(converter, data, byte_sizes) == _reference(data, src, dst)
    # Flushed: the converter starts a new stream on silence, with the same samples.
    assert _chunked(converter, data[:3200], byte_sizes) == _reference(data[:3200], src, dst)


def test_pcm16_split_mid_sample_waits_for_its_second_byte() -> None:
    data = _line(0.2, PCM16_8K)
    converter = AudioConverter(PCM16_8K, PCM16_16K)
    assert _chunked(converter, data, [3, 5, 321]) == _reference(data, PCM16_8K, PCM16_16K)


def test_reset_starts_a_new_stream_and_pending_counts_the_look_ahead() -> None:
    converter = AudioConverter(MULAW_8K, PCM16_16K)
    line = _line(0.1, MULAW_8K)
    converter.convert(line)
    assert converter.pending_seconds == pytest.approx(converter.latency_seconds)
    converter.reset()
    assert converter.pending_seconds == 0.0
    assert _chunked(converter, line, [160]) == _reference(line, MULAW_8K, PCM16_16K)


def test_other_shapes_keep_the_general_path() -> None:
    assert AudioConverter(PCM16_16K, MULAW_8K)._line is None  # downsampling
    assert AudioConverter(MULAW_8K, audio_format(16000, 2))._line is None  # to stereo
    assert AudioConverter(MULAW_8K, PCM16_8K)._line is None  # same rate: a table
    bank = StreamResampler(8000, 16000).design
    assert bank is not None
    with pytest.raises(ValueError, match="not a mono integer upsampling"):
        LineUpsampler(audio_format(8000, 2), bank)


def _peak_bytes(step: Callable[[], object]) -> int:
    """Most memory ``step()`` holds at once beyond what was held before (Python and NumPy)."""
    tracemalloc.start()
    try:
        step()
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        step()
        _, peak = tracemalloc.get_traced_memory()
        return peak - before
    finally:
        tracemalloc.stop()


def test_a_20ms_frame_allocates_no_sample_buffer_once_warm() -> None:
    frame = _line(0.02, MULAW_8K)
    fast = AudioConverter(MULAW_8K, PCM16_16K)
    for _ in range(300):  # past the first compaction of the kept history
        fast.convert(frame)
    line = fast._line
    assert line is not None
    kept = (line._history, line._out, line._ints)
    # What a frame holds at once beyond the returned 640 bytes: array headers and
    # ufunc bookkeeping, less than one float32 copy of its 320 samples (1,280 bytes).
    # The general path holds its joined history, filter output and rounded samples.
    budget = 640 + 1280
    assert _peak_bytes(lambda: fast.convert(frame)) < budget
    assert all(
        now is then for now, then in zip((line._history, line._out, line._ints), kept, strict=True)
    )
    general = AudioConverter(MULAW_8K, PCM16_16K)
    general._line = None
    assert _peak_bytes(lambda: general.convert(frame)) > budget
