"""Polyphase windowed-sinc filter banks and the kernel that applies them.

Resampling by ``L/M`` (``out_rate / in_rate`` in lowest terms) means: place the input
on a grid ``L`` times finer, low-pass it at the lower of the two Nyquist frequencies,
and read every ``M``-th point. Output ``j`` sits at fine-grid position ``j*M`` and
input ``i`` at ``i*L``, so output ``j`` is the dot product of the ``2K`` inputs around
``q = floor(j*M / L)`` with one of ``L`` rows of taps (its *phase* ``r = j*M mod L``).
The rows are precomputed once per ``(in_rate, out_rate, quality)`` and shared by every
stream in the process.

The low-pass is a Kaiser-windowed sinc, linear phase, centred on the output instant:
output ``j`` is aligned with input time ``j / out_rate`` and needs ``K`` inputs past
it. Those ``K`` input samples (half the filter) are the resampler's whole latency, so
the filter is sized by its transition band: flat to 85 % of the lower Nyquist (3.4 kHz
at 8 kHz, the telephone band), at least ``A`` dB down from the lower Nyquist on, so
nothing folds back. ``A`` is the quality preset's stopband attenuation.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

PASSBAND_END: Final = 0.85
"""Passband edge as a fraction of the lower Nyquist frequency."""
STOPBAND_BEGIN: Final = 1.0
"""Stopband edge as a fraction of the lower Nyquist frequency: no aliasing above -A dB."""
STOPBAND_DB: Final[dict[str, float]] = {
    "QQ": 40.0,
    "LQ": 60.0,
    "MQ": 80.0,
    "HQ": 100.0,
    "VHQ": 120.0,
}
"""Stopband attenuation of each quality preset, in dB."""

_MAX_BANK_TAPS: Final = 1 << 22
"""Largest doubled bank kept (16 MiB of float32): refuses rate pairs with a huge ``L``."""
_MARGIN_DB: Final = 1.0
"""Added to the preset when sizing the filter: Kaiser's length estimate falls ~0.5 dB short."""
_MAX_STRIDED_PHASES: Final = 8
"""Up to this many phases, one strided dot-product call per phase beats a gather."""


@dataclass(frozen=True, slots=True)
class PolyphaseBank:
    """Taps of one resampling ratio, shared read-only by all streams using it.

    Rows are ordered by output index: output ``j`` uses row ``j mod L`` (its phase is
    ``j*M mod L``) and weighs input ``floor(j*M/L) - K + 1 + t`` by tap ``t``. The rows
    are stored twice over so that any run of up to ``L`` consecutive outputs reads
    one contiguous slice. Every row sums to one: a constant input stays constant.
    """

    up: int
    """``L``: fine-grid points per input sample."""
    down: int
    """``M``: fine-grid points per output sample."""
    half: int
    """``K``: inputs needed past an output's own instant (the latency, in inputs)."""
    rows: NDArray[np.float32]
    """``(2L, 2K)`` taps; row ``n`` serves outputs ``j`` with ``j mod L == n mod L``."""
    centres: NDArray[np.int64]
    """``floor(n*M/L)`` for ``n < 2L``: an output's centre input, relative to its cycle."""

    @property
    def taps(self) -> int:
        """Inputs each output reads: ``2K``."""
        return 2 * self.half

    def available(self, consumed: int) -> int:
        """Outputs computable once ``consumed`` inputs are known (absolute count)."""
        # Output j needs input floor(j*M/L) + K, i.e. j < (consumed - K) * L / M.
        return max(0, -((self.half - consumed) * self.up // self.down))

    def owed(self, consumed: int) -> int:
        """Outputs a stream of ``consumed`` inputs has in all: the instants before its end."""
        return -(-consumed * self.up // self.down)

    def first_input(self, output: int) -> int:
        """Index of the earliest input that output ``output`` reads."""
        return output * self.down // self.up - self.half + 1


def _kaiser_beta(attenuation_db: float) -> float:
    """Kaiser's empirical window shape for a given stopband attenuation."""
    if attenuation_db > 50.0:
        return 0.1102 * (attenuation_db - 8.7)
    if attenuation_db > 21.0:
        excess = attenuation_db - 21.0
        return float(0.5842 * excess**0.4 + 0.07886 * excess)
    return 0.0


@functools.lru_cache(maxsize=64)
def polyphase_bank(in_rate: int, out_rate: int, quality: str) -> PolyphaseBank:
    """Design (once per process) the filter bank converting ``in_rate`` to ``out_rate``."""
    common = math.gcd(in_rate, out_rate)
    up, down = out_rate // common, in_rate // common
    attenuation = STOPBAND_DB[quality] + _MARGIN_DB
    nyquist = min(in_rate, out_rate) / 2
    fine_rate = float(up * in_rate)
    cutoff = (PASSBAND_END + STOPBAND_BEGIN) / 2 * nyquist
    transition = 2 * math.pi * (STOPBAND_BEGIN - PASSBAND_END) * nyquist / fine_rate
    # Kaiser's length estimate, halved: fine-grid points on each side of the centre.
    half_width = (attenuation - 7.95) / (2.285 * transition) / 2
    half = max(1, math.ceil(half_width / up))
    if 2 * up * 2 * half > _MAX_BANK_TAPS:
        raise ValueError(
            f"{in_rate} -> {out_rate} Hz needs {up} filter phases; pick rates with a "
            "smaller ratio in lowest terms"
        )
    width = float(half * up)
    outputs = np.arange(2 * up, dtype=np.int64)
    phases = (outputs * down % up).astype(np.float64)[:, None]
    offsets = np.arange(half - 1, -half - 1, -1, dtype=np.float64)[None, :] * up
    distance = phases + offsets  # fine-grid distance from output to input, (2L, 2K)
    inside = np.abs(distance) < width
    ratio = np.where(inside, distance / width, 1.0)
    window = np.i0(_kaiser_beta(attenuation) * np.sqrt(1.0 - ratio**2))
    taps = np.where(inside, np.sinc(2 * cutoff / fine_rate * distance) * window, 0.0)
    taps /= taps.sum(axis=1, keepdims=True)
    rows = np.ascontiguousarray(taps, dtype=np.float32)
    centres = outputs * down // up
    rows.flags.writeable = False
    centres.flags.writeable = False
    return PolyphaseBank(up=up, down=down, half=half, rows=rows, centres=centres)


def _windows(
    history: NDArray[np.float32], first: int, count: int, step: int, taps: int
) -> NDArray[np.float32]:
    """``count`` windows of ``taps`` inputs, from input ``first`` on, ``step`` apart: a view.

    Shaped ``(count, taps)`` for mono and ``(count, channels, taps)`` otherwise. Built
    with the bare ``ndarray`` constructor: ``sliding_window_view`` costs more than the
    arithmetic on a 20 ms frame.
    """
    item = history.itemsize
    if history.ndim == 1:
        shape: tuple[int, ...] = (count, taps)
        strides: tuple[int, ...] = (step * item, item)
    else:
        channels = history.shape[1]
        shape = (count, channels, taps)
        strides = (step * channels * item, item, channels * item)
    view: NDArray[np.float32] = np.ndarray(
        shape, np.float32, buffer=history, offset=first * history.strides[0], strides=strides
    )
    return view


def apply_bank(
    design: PolyphaseBank, history: NDArray[np.float32], base: int, first: int, stop: int
) -> NDArray[np.float32]:
    """Outputs ``first .. stop-1`` from ``history``, whose element 0 is input ``base``.

    ``history`` is C-contiguous, 1-D (mono) or ``(samples, channels)``, and holds every
    input the outputs read. Each output is one dot product of the same window and
    taps whatever range a call asks for, so a stream cut anywhere gives exactly the
    samples of one call over the whole signal.
    """
    count = max(0, stop - first)
    out = np.empty((count, *history.shape[1:]), dtype=np.float32)
    if count == 0:
        return out
    up = design.up
    if design.down == 1 and history.ndim == 1 and first % up == 0 and count % up == 0:
        _apply_by_cycle(design, history, base, first, out)
    elif up <= _MAX_STRIDED_PHASES:
        _apply_by_phase(design, history, base, first, out)
    else:
        _apply_gathered(design, history, base, first, out)
    return out


def _apply_by_cycle(
    design: PolyphaseBank,
    history: NDArray[np.float32],
    base: int,
    first: int,
    out: NDArray[np.float32],
) -> None:
    """Integer upsampling of mono, whole cycles (8 -> 16 kHz: every phone call's line in).

    With ``M == 1`` the ``L`` outputs of a cycle read the same window, so one
    broadcast ``vecdot`` of the windows, shaped ``(cycles, 1, 2K)``, against the
    ``L`` rows gives every output in order: the same dot product per output as
    :func:`_apply_by_phase`, bit for bit, in one numpy call and one view instead of ``L``.
    """
    up = design.up
    windows = _windows(history, design.first_input(first) - base, len(out) // up, 1, design.taps)
    np.vecdot(windows[:, None, :], design.rows[:up], out=out.reshape(-1, up))


def _apply_by_phase(
    design: PolyphaseBank,
    history: NDArray[np.float32],
    base: int,
    first: int,
    out: NDArray[np.float32],
) -> None:
    """Few phases: outputs ``L`` apart share taps and step ``M`` inputs, a strided view."""
    up, down = design.up, design.down
    for offset in range(min(up, len(out))):
        output = first + offset
        rows = _windows(
            history,
            design.first_input(output) - base,
            (len(out) - offset + up - 1) // up,
            down,
            design.taps,
        )
        np.vecdot(rows, design.rows[output % up], out=out[offset::up])


def _apply_gathered(
    design: PolyphaseBank,
    history: NDArray[np.float32],
    base: int,
    first: int,
    out: NDArray[np.float32],
) -> None:
    """Many phases (ratios like 320/441): gather the windows, slice the taps.

    Runs of at most ``L`` outputs read a contiguous slice of the doubled bank, and
    their centres are the cycle's table shifted by whole cycles of ``M`` inputs.
    """
    windows = _windows(history, 0, len(history) - design.taps + 1, 1, design.taps)
    spec = "it,it->i" if history.ndim == 1 else "ict,it->ic"
    up = design.up
    for start in range(0, len(out), up):
        cycle, residue = divmod(first + start, up)
        count = min(up, len(out) - start)
        shift = cycle * design.down - design.half + 1 - base
        gathered = windows[design.centres[residue : residue + count] + shift]
        taps = design.rows[residue : residue + count]
        np.einsum(spec, gathered, taps, out=out[start : start + count])
