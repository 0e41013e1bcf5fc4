"""The VAD's windows: the same samples the chunker and a cast gave, in one kept buffer."""

from __future__ import annotations

import numpy as np
import pytest

from framekit.audio import PCM16_16K, AudioChunker
from framekit.processors.vad.windows import WindowCutter

_RNG = np.random.default_rng(7)


def _old_windows(pcm: bytes, sizes: list[int], window: int) -> list[np.ndarray]:
    """What the VAD did before: an AudioChunker of window-long frames, then a float cast."""
    chunker = AudioChunker(PCM16_16K, window * 1000 // 16000)
    out, start = [], 0
    for size in sizes:
        for piece in chunker.push(pcm[start : start + size]):
            samples = np.frombuffer(piece, dtype="<i2").astype(np.float32)
            samples *= np.float32(1.0 / 32768.0)
            out.append(samples)
        start += size
    return out


@pytest.mark.parametrize("frame_samples", [1, 160, 320, 512, 1000, 1600])
def test_windows_are_the_chunkers_bit_for_bit_and_pending_counts_the_rest(
    frame_samples: int,
) -> None:
    window = 512
    pcm = _RNG.integers(-32768, 32768, 16000, dtype=np.int16).astype("<i2").tobytes()
    sizes = [2 * frame_samples] * (len(pcm) // (2 * frame_samples))
    cutter = WindowCutter(window)
    got, fed = [], 0
    for size in sizes:
        for samples in cutter.push(pcm[fed : fed + size]):
            got.append(samples.copy())
        fed += size
        assert cutter.pending_samples == (fed // 2) % window
    expected = _old_windows(pcm, sizes, window)
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        assert mine.dtype == np.float32
        np.testing.assert_array_equal(mine, theirs)


def test_every_window_is_the_one_kept_buffer() -> None:
    cutter = WindowCutter(256)
    pcm = bytes(2 * 160)
    seen = {id(window) for _ in range(20) for window in cutter.push(pcm)}
    assert len(seen) == 1


def test_the_pending_count_is_set_before_the_first_window_is_handed_out() -> None:
    # An event decided on a frame's window dates itself by the audio after that window.
    cutter = WindowCutter(512)
    windows = cutter.push(bytes(2 * 700))
    next(windows)
    assert cutter.pending_samples == 188


def test_reset_drops_the_partial_window() -> None:
    cutter = WindowCutter(512)
    assert list(cutter.push(bytes(2 * 300))) == []
    cutter.reset()
    assert cutter.pending_samples == 0
    assert list(cutter.push(bytes(2 * 300))) == []
    assert cutter.pending_samples == 300
    with pytest.raises(ValueError, match="positive"):
        WindowCutter(0)
