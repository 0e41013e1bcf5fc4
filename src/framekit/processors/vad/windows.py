"""The caller's PCM16 frames cut into the detector's float windows, in one kept buffer.

Why not :class:`~framekit.audio.AudioChunker` and a conversion per window: that copies
each byte into the chunker's carry and out into a window's ``bytes``, then makes two
arrays of it (the float32 cast, then the scaling), 30 times a second a call. Here a
frame's samples are scaled straight into the window being filled, and a full window is
handed out as that buffer itself: no array is made per frame or per window.

A window handed out is valid until the cutter is given more audio: the VAD awaits its
score before it reads the next frame, and a detector that keeps a window past its score
must copy it (:class:`~framekit.processors.vad.service.SpeechStream`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["WindowCutter"]

_PCM16_TO_FLOAT: Final = np.float32(1.0 / 32768.0)


class WindowCutter:
    """Cuts PCM16 mono into windows of ``window`` float32 samples in [-1, 1)."""

    __slots__ = ("_buffer", "_fill", "_pending")

    def __init__(self, window: int) -> None:
        if window <= 0:
            raise ValueError(f"window must be positive, got {window}")
        self._buffer: npt.NDArray[np.float32] = np.zeros(window, dtype=np.float32)
        self._fill = 0
        self._pending = 0

    @property
    def pending_samples(self) -> int:
        """Samples of the audio given so far that no window handed out holds (< a window)."""
        return self._pending

    def push(self, pcm: bytes) -> Iterator[npt.NDArray[np.float32]]:
        """The windows ``pcm`` (whole PCM16 samples) completes, each as the one kept buffer.

        Take each window before asking for the next: the buffer is refilled in between.
        """
        samples = np.frombuffer(pcm, dtype="<i2")
        buffer = self._buffer
        size = len(buffer)
        fill = self._fill
        self._pending = (fill + len(samples)) % size
        start = 0
        while start < len(samples):
            take = min(size - fill, len(samples) - start)
            np.multiply(
                samples[start : start + take], _PCM16_TO_FLOAT, out=buffer[fill : fill + take]
            )
            start += take
            fill += take
            if fill == size:
                fill = self._fill = 0
                yield buffer
        self._fill = fill

    def reset(self) -> None:
        """Drop the partial window (a new stream begins)."""
        self._fill = self._pending = 0
