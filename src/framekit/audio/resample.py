"""Sample-rate conversion: a low-latency streaming resampler and a one-shot helper.

Both run the same polyphase windowed-sinc filter (:mod:`framekit.audio._polyphase`),
so a stream cut into 20 ms frames gives exactly the samples of the whole signal
resampled at once: no clicks at frame borders, and offline tests describe live calls.

Why not libsoxr, which framekit used before: soxr filters in blocks and, fed 20 ms
frames, held back 38-118 ms of audio (118 ms between 8 and 16 kHz, the telephone
path), on every call, in both directions. Its presets change the block size but not
the blocking (``"LQ"`` still holds 61 ms at 8 <-> 16 kHz, minimum phase 108 ms), and
``"QQ"``, which holds nothing, has no anti-aliasing filter. Here every chunk gives
its proportional output at once; the only delay is the half of the filter that lies
after an output's instant: :attr:`StreamResampler.latency_seconds`, 4.2 ms when one
side is 8 kHz and 2.1 ms among 16 kHz and up at the default quality ``"MQ"``.

Quality presets keep soxr's names but set this filter's stopband attenuation:
``"QQ"`` 40 dB, ``"LQ"`` 60 dB, ``"MQ"`` 80 dB, ``"HQ"`` 100 dB, ``"VHQ"`` 120 dB.
Each is flat (within 0.1 dB for ``"QQ"``, 0.01 dB for ``"LQ"``, 0.001 dB from
``"MQ"``) to 85 % of the lower Nyquist frequency (3.4 kHz at 8 kHz) and attenuates
everything from the lower Nyquist on, so nothing aliases; more attenuation costs
latency (``"VHQ"``: 6.6 ms at 8 kHz).
"""

from __future__ import annotations

import operator
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

from framekit.audio._polyphase import PolyphaseBank, apply_bank, polyphase_bank

__all__ = [
    "DEFAULT_QUALITY",
    "ResampleQuality",
    "StreamResampler",
    "resample",
]

ResampleQuality = Literal["QQ", "LQ", "MQ", "HQ", "VHQ"]
"""Filter presets, lowest latency first: 40, 60, 80, 100 and 120 dB stopband."""

DEFAULT_QUALITY: Final[ResampleQuality] = "MQ"

_QUALITIES: Final = frozenset(("QQ", "LQ", "MQ", "HQ", "VHQ"))


def _check_rates(in_rate: int, out_rate: int) -> tuple[int, int]:
    try:
        rates = operator.index(in_rate), operator.index(out_rate)
    except TypeError:
        raise ValueError(f"sample rates must be integers, got {in_rate} -> {out_rate}") from None
    if rates[0] <= 0 or rates[1] <= 0:
        raise ValueError(f"sample rates must be positive, got {in_rate} -> {out_rate}")
    return rates


def _check_quality(quality: str) -> None:
    if quality not in _QUALITIES:
        raise ValueError(f"unknown resample quality {quality!r}; use one of {sorted(_QUALITIES)}")


def _zeros(samples: int, channels: int) -> NDArray[np.float32]:
    return np.zeros((samples,) if channels == 1 else (samples, channels), dtype=np.float32)


class StreamResampler:
    """Resample one continuous stream, chunk by chunk, keeping the filter state.

    Feed float32 arrays (1-D for mono, ``(samples, channels)`` otherwise) to
    :meth:`process` in order; each call returns the output for its input at once,
    less the constant :attr:`latency_seconds` still waiting for the filter's right
    half. Call :meth:`flush` when the stream ends for that last bit. After
    :meth:`flush` or :meth:`reset` the resampler starts a new stream. Between equal
    rates it is the identity and returns its input object itself.
    """

    __slots__ = (
        "_base",
        "_channels",
        "_consumed",
        "_design",
        "_empty",
        "_history",
        "_in_rate",
        "_out_rate",
        "_produced",
        "_quality",
    )

    def __init__(
        self,
        in_rate: int,
        out_rate: int,
        *,
        channels: int = 1,
        quality: ResampleQuality = DEFAULT_QUALITY,
    ) -> None:
        in_rate, out_rate = _check_rates(in_rate, out_rate)
        _check_quality(quality)
        if channels <= 0:
            raise ValueError(f"channels must be positive, got {channels}")
        self._in_rate = in_rate
        self._out_rate = out_rate
        self._channels = channels
        self._quality: ResampleQuality = quality
        self._empty = _zeros(0, channels)
        self._design: PolyphaseBank | None = None
        if in_rate != out_rate:
            self._design = polyphase_bank(in_rate, out_rate, quality)
        self._history = self._empty
        self._base = 0
        self._consumed = 0
        self._produced = 0
        self.reset()

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
        """The filter preset in use."""
        return self._quality

    @property
    def is_identity(self) -> bool:
        """True when input and output rates are equal: audio passes through untouched."""
        return self._design is None

    @property
    def design(self) -> PolyphaseBank | None:
        """The shared filter bank (``None`` between equal rates)."""
        return self._design

    @property
    def latency_seconds(self) -> float:
        """The filter's look-ahead: the most audio :meth:`process` ever holds back."""
        if self._design is None:
            return 0.0
        return self._design.half / self._in_rate

    @property
    def pending_seconds(self) -> float:
        """Output audio owed for input already given but not yet returned, in seconds."""
        if self._design is None:
            return 0.0
        return (self._design.owed(self._consumed) - self._produced) / self._out_rate

    def process(self, samples: NDArray[np.float32]) -> NDArray[np.float32]:
        """Resample the next chunk and return every output sample it makes computable.

        For a chunk of ``n`` inputs that is ``n * out_rate / in_rate`` samples, give or
        take one, except that the stream's first outputs wait :attr:`latency_seconds`.
        """
        design = self._design
        if design is None:
            return samples
        expected_ndim = 1 if self._channels == 1 else 2
        if samples.ndim != expected_ndim or (
            expected_ndim == 2 and samples.shape[1] != self._channels
        ):
            raise ValueError(
                f"expected {self._channels}-channel samples shaped like {self._empty.shape}, "
                f"got {samples.shape}"
            )
        self._history = np.concatenate((self._history, samples.astype(np.float32, copy=False)))
        self._consumed += len(samples)
        return self._emit(design, design.available(self._consumed))

    def flush(self) -> NDArray[np.float32]:
        """End the stream: return the audio still waiting for the filter, then start afresh."""
        design = self._design
        if design is None:
            return self._empty
        self._history = np.concatenate((self._history, _zeros(design.half, self._channels)))
        tail = self._emit(design, design.owed(self._consumed))
        self.reset()
        return tail

    def reset(self) -> None:
        """Drop the audio held in the filter (e.g. after an interruption)."""
        self._consumed = 0
        self._produced = 0
        if self._design is None:
            return
        # The stream starts on silence: output 0 reads K - 1 inputs before input 0.
        self._base = 1 - self._design.half
        self._history = _zeros(self._design.half - 1, self._channels)

    def _emit(self, design: PolyphaseBank, stop: int) -> NDArray[np.float32]:
        """Outputs up to ``stop``; then forget the inputs no later output reads."""
        out = apply_bank(design, self._history, self._base, self._produced, stop)
        self._produced = max(self._produced, stop)
        keep_from = design.first_input(self._produced)
        if keep_from > self._base:
            # A copy: a view would keep a long chunk alive until the next call.
            self._history = self._history[keep_from - self._base :].copy()
            self._base = keep_from
        return out


def resample(
    samples: NDArray[np.float32],
    in_rate: int,
    out_rate: int,
    *,
    quality: ResampleQuality = DEFAULT_QUALITY,
) -> NDArray[np.float32]:
    """Resample a whole signal at once (1-D mono or ``(samples, channels)``).

    Gives the same samples as :class:`StreamResampler` fed the same signal in any
    chunks and flushed: ``ceil(len(samples) * out_rate / in_rate)`` of them, aligned
    with the input (no delay). Between equal rates returns ``samples`` itself.
    """
    in_rate, out_rate = _check_rates(in_rate, out_rate)
    _check_quality(quality)
    if in_rate == out_rate:
        return samples
    if samples.ndim not in (1, 2):
        raise ValueError(f"expected 1-D or 2-D samples, got shape {samples.shape}")
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    resampler = StreamResampler(in_rate, out_rate, channels=channels, quality=quality)
    body = resampler.process(samples)
    return np.concatenate((body, resampler.flush()))
