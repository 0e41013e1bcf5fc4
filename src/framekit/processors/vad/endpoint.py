"""Where speech really ended: the recent energy envelope corrects the model's late end.

Silero's recurrent state keeps the speech probability high for a few windows after
the voice stops: on espeak-ng speech that ends abruptly we measured the first
window below 0.35 starting 80 to 140 ms after the true end (16 kHz and 8 kHz
mu-law). A 32 ms window is also coarse. ``stopped_at`` is what per-turn latency is
measured from, and where the silence that ends the turn is counted from, so it
should not carry that lag.

The correction uses only audio the processor has already scored: the level of
8 ms blocks (four per model window at either rate). Once the model has confirmed
the stop, the end moves back to the last block, within ``lookback`` before the
model's end, that is still part of the voice. A block is voice when it stands
above both

* the background: the median of the blocks after the model's end (robust to a
  click) plus ``_MARGIN`` (10 dB), and
* the speech level of this utterance: a hundredth of the power of its loudest
  window (20 dB under it: the recognizer's own rule for a pause,
  :data:`~framekit.processors.vad.pause.QUIET_POWER_RATIO`).

The second test is what finds the end over a clean line. There the background is
near digital silence, so 10 dB over it also keeps the last word's faint decay and a
soft trailing fricative: Piper's "What are your opening hours?" ends with ~160 ms
of /z/ at -42 dBFS, 30 dB under its vowels, then decays to -80 dBFS over another
~50 ms, and the background alone put the end ~200 ms after the last 20 ms window
over -34 dBFS, on a WAV and through a browser's Opus alike. When nothing in the
lookback reaches the speech level (a last word said much softer than the first),
the background alone decides; where nothing stands out from the background either
(speech fading into noise of its own level), the end stays where the model put it.
The end only ever moves earlier.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import numpy.typing as npt

from framekit.processors.vad.pause import QUIET_POWER_RATIO

__all__ = ["EnergyEnvelope", "block_samples"]

_BLOCK_SECONDS = 0.008
_MARGIN = 10.0  # 10 dB, as a power ratio
_FLOOR = 1.0 / 32768.0**2  # one PCM16 step, squared: digital silence still has a level


def block_samples(sample_rate: int) -> int:
    """Samples per 8 ms block at ``sample_rate``; a scored window is a whole number of them."""
    return max(1, round(_BLOCK_SECONDS * sample_rate))


class EnergyEnvelope:
    """Mean power of the last ``keep_seconds`` of audio, in 8 ms blocks.

    Feed it every window (float32 in [-1, 1]), scored or skipped, in order; positions are sample
    indices from the start of the stream, as in
    :class:`~framekit.processors.vad.state.SpeechStateMachine`.
    """

    __slots__ = ("_block", "_end", "_powers", "speech_power")

    def __init__(self, sample_rate: int, keep_seconds: float) -> None:
        self._block = block_samples(sample_rate)
        blocks = int(np.ceil(keep_seconds * sample_rate / self._block)) + 1
        self._powers: deque[float] = deque(maxlen=blocks)
        self._end = 0
        self.speech_power = 0.0
        """Mean power of the loudest window of the current utterance (0 outside one)."""

    @property
    def block_samples(self) -> int:
        """Samples per block: 128 at 16 kHz, 64 at 8 kHz."""
        return self._block

    @property
    def position(self) -> int:
        """Sample index just after the last block added."""
        return self._end

    def add(self, samples: npt.NDArray[np.float32], in_utterance: bool = False) -> float:
        """Account for the next window (a whole number of blocks); return its mean power.

        ``in_utterance``: the window belongs to an utterance (the state machine is not
        quiet); the loudest such window is the utterance's :attr:`speech_power`, and a
        window outside one forgets it. The power is what the level gate
        (:mod:`framekit.processors.vad.gate`) needs, so the window is summed once for both.
        """
        blocks = len(samples) // self._block
        if blocks * self._block != len(samples):
            raise ValueError(f"window of {len(samples)} samples is not whole {self._block}-blocks")
        shaped = samples.reshape(blocks, self._block)
        scale = 1.0 / self._block
        # Four numbers: Python floats from here on (a NumPy mean of them costs 4 us a window).
        powers: list[float] = [p * scale for p in np.einsum("ij,ij->i", shaped, shaped).tolist()]
        self._powers.extend(powers)
        self._end += blocks * self._block
        power = sum(powers) / blocks
        self.speech_power = max(self.speech_power, power) if in_utterance else 0.0
        return power

    def refine_end(self, end: int, lookback: int) -> int:
        """The end of speech, at or before ``end`` (the model's), at most ``lookback`` earlier.

        The audio from ``end`` to :attr:`position` must be the silence that confirmed
        the stop; without it, or without history, ``end`` comes back.
        """
        block = self._block
        powers = self._powers
        if end % block or lookback < block:
            return end
        silent = (self._end - end) // block
        first = len(powers) - silent
        if silent <= 0 or first <= 0:
            return end
        history = list(powers)
        background = (float(np.median(history[first:])) + _FLOOR) * _MARGIN
        voice = max(background, self.speech_power * QUIET_POWER_RATIO)
        earliest = max(0, first - lookback // block)
        last = _last_above(history, voice, first, earliest)
        if last is None and voice > background:
            last = _last_above(history, background, first, earliest)
        return end if last is None else end - (first - 1 - last) * block


def _last_above(powers: list[float], threshold: float, stop: int, earliest: int) -> int | None:
    """The index of the last block before ``stop``, back to ``earliest``, over ``threshold``."""
    for index in range(stop - 1, earliest - 1, -1):
        if powers[index] > threshold:
            return index
    return None
