"""Sample-rate conversion: a streaming resampler for live audio and a one-shot helper.

Both wrap libsoxr (the ``soxr`` package). The streaming resampler keeps the filter's
history across chunks, so a stream cut into 20 ms frames comes out the same as the
whole stream resampled at once (no clicks at frame borders), and it computes in
float32 so that this holds bit for bit: soxr's int16 mode adds dither, which depends
on how the input was cut.

Latency: soxr filters in blocks, so a stream's first output arrives only after a
block of input has gathered, and later output comes in bursts. :meth:`process`
returns everything soxr can release at each call, :attr:`pending_seconds` says how
much audio it holds back, and :meth:`flush` releases the rest at the end of a
stream. Measured with 20 ms input chunks at the default quality ``"MQ"``, the most
audio held back at any time is about 38 ms between 16, 24 and 48 kHz, 40-60 ms
around 22,050 Hz, 75 ms for 24 or 48 kHz -> 8 kHz, and 118 ms between 8 and 16 kHz
(table in ``docs/audio.md``). Lower quality presets hold back less; ``"LQ"`` already
dulls telephone speech (-8 dB at 3.4 kHz at 8 kHz), hence ``"MQ"``: a passband flat
to 95 % of Nyquist with 16-bit precision, which is what PCM16 audio can carry.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import soxr  # type: ignore[import-untyped]
from numpy.typing import NDArray

__all__ = [
    "DEFAULT_QUALITY",
    "ResampleQuality",
    "StreamResampler",
    "resample",
]

ResampleQuality = Literal["QQ", "LQ", "MQ", "HQ", "VHQ"]
"""soxr presets, fastest first. ``"QQ"`` is cubic interpolation without an
anti-aliasing filter: lowest latency, audible aliasing when rates go down."""

DEFAULT_QUALITY: Final[ResampleQuality] = "MQ"

_QUALITIES: Final = frozenset(("QQ", "LQ", "MQ", "HQ", "VHQ"))


def _check_rates(in_rate: int, out_rate: int) -> None:
    if in_rate <= 0 or out_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {in_rate} -> {out_rate}")


def _check_quality(quality: str) -> None:
    if quality not in _QUALITIES:
        raise ValueError(f"unknown resample quality {quality!r}; use one of {sorted(_QUALITIES)}")


class StreamResampler:
    """Resample one continuous stream, chunk by chunk, keeping the filter state.

    Feed float32 arrays (1-D for mono, ``(samples, channels)`` otherwise) to
    :meth:`process` in order; call :meth:`flush` once the stream ends to get the
    audio still held in the filter. After :meth:`flush` or :meth:`reset` the
    resampler starts a new stream. Between equal rates it is the identity and
    returns its input object itself.
    """

    __slots__ = ("_channels", "_empty", "_in_rate", "_out_rate", "_quality", "_stream")

    def __init__(
        self,
        in_rate: int,
        out_rate: int,
        *,
        channels: int = 1,
        quality: ResampleQuality = DEFAULT_QUALITY,
    ) -> None:
        _check_rates(in_rate, out_rate)
        _check_quality(quality)
        if channels <= 0:
            raise ValueError(f"channels must be positive, got {channels}")
        self._in_rate = in_rate
        self._out_rate = out_rate
        self._channels = channels
        self._quality: ResampleQuality = quality
        shape = (0,) if channels == 1 else (0, channels)
        self._empty: NDArray[np.float32] = np.zeros(shape, dtype=np.float32)
        self._stream: soxr.ResampleStream | None = None
        if in_rate != out_rate:
            self._stream = soxr.ResampleStream(
                in_rate, out_rate, channels, dtype="float32", quality=quality
            )

    @property
    def in_rate(self) -> int:
        """Sample rate of the input, in Hz."""
        return self._in_rate

    @property
    def out_rate(self) -> int:
        """Sample rate of the output, in Hz."""
        return self._out_rate

    @property
    def channels(self) -> int:
        """Interleaved channels in each sample instant."""
        return self._channels

    @property
    def quality(self) -> ResampleQuality:
        """The soxr preset in use."""
        return self._quality

    @property
    def is_identity(self) -> bool:
        """True when input and output rates are equal: audio passes through untouched."""
        return self._stream is None

    @property
    def pending_seconds(self) -> float:
        """Output audio owed for input already given but not yet returned, in seconds."""
        if self._stream is None:
            return 0.0
        return float(self._stream.delay()) / self._out_rate

    def process(self, samples: NDArray[np.float32]) -> NDArray[np.float32]:
        """Resample the next chunk; returns all the output soxr can release now.

        The result may be empty (the filter is still filling) or longer than the
        chunk's share (a burst); over a stream its length adds up to
        ``input_samples * out_rate / in_rate`` once :meth:`flush` is called.
        """
        if self._stream is None:
            return samples
        expected_ndim = 1 if self._channels == 1 else 2
        if samples.ndim != expected_ndim or (
            expected_ndim == 2 and samples.shape[1] != self._channels
        ):
            raise ValueError(
                f"expected {self._channels}-channel samples shaped like {self._empty.shape}, "
                f"got {samples.shape}"
            )
        chunk = np.ascontiguousarray(samples, dtype=np.float32)
        out: NDArray[np.float32] = self._stream.resample_chunk(chunk)
        return out

    def flush(self) -> NDArray[np.float32]:
        """End the stream: return the audio held in the filter, then start afresh."""
        if self._stream is None:
            return self._empty
        tail: NDArray[np.float32] = self._stream.resample_chunk(self._empty, last=True)
        self._stream.clear()
        return tail

    def reset(self) -> None:
        """Drop the audio held in the filter (e.g. after an interruption)."""
        if self._stream is not None:
            self._stream.clear()


def resample(
    samples: NDArray[np.float32],
    in_rate: int,
    out_rate: int,
    *,
    quality: ResampleQuality = DEFAULT_QUALITY,
) -> NDArray[np.float32]:
    """Resample a whole signal at once (1-D mono or ``(samples, channels)``).

    Gives the same samples as :class:`StreamResampler` fed the same signal in any
    chunks and flushed. Between equal rates returns ``samples`` itself.
    """
    _check_rates(in_rate, out_rate)
    _check_quality(quality)
    if in_rate == out_rate:
        return samples
    if samples.ndim not in (1, 2):
        raise ValueError(f"expected 1-D or 2-D samples, got shape {samples.shape}")
    signal = np.ascontiguousarray(samples, dtype=np.float32)
    out: NDArray[np.float32] = soxr.resample(signal, in_rate, out_rate, quality=quality)
    return out
