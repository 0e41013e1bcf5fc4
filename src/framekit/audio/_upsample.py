"""Integer upsampling of a mono integer stream straight to PCM16: the telephone line's way in.

Every phone call's caller audio (8 kHz mu-law) becomes the pipeline's 16 kHz PCM16
in 20 ms frames, 50 times a second a call. The general path
(:class:`~framekit.audio.convert.AudioConverter` over
:class:`~framekit.audio.resample.StreamResampler`) decodes into a new array, joins it
to the filter's history (another), filters into a third and quantizes into a fourth:
about twenty NumPy calls a frame, whose fixed cost, not the arithmetic, is what a
served call pays (22 % of a call node's event loop in a profile, issue 18).

:class:`LineUpsampler` does the same arithmetic with the buffers kept between
frames: the codes are decoded by table straight into the filter's history, the
filter writes into a kept output array, which is rounded and clipped in place, then
cast into a kept int16 array. Eight NumPy calls a frame, and no array allocated
while the frames keep their size. Its samples are the general path's, bit for bit
(``tests/audio/test_upsample.py``): the same windows, dotted with the same taps by
the same ``vecdot``, and the same rounding rule as
:func:`~framekit.audio.pcm.quantize_int16_inplace`.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from framekit.audio._polyphase import PolyphaseBank
from framekit.audio.format import AudioEncoding, AudioFormat
from framekit.audio.mulaw import MULAW_DECODE_TABLE

__all__ = ["LineUpsampler"]

_F32 = NDArray[np.float32]
_MULAW_TO_FLOAT: Final = MULAW_DECODE_TABLE.astype(np.float32)
_INT16_MIN: Final = np.float32(-32768.0)
_INT16_MAX: Final = np.float32(32767.0)
_SPARE: Final = 4096
"""Inputs of room past the filter's history: a compaction every ~0.5 s at 8 kHz."""


class LineUpsampler:
    """Mono mu-law or PCM16 in, PCM16 at ``up`` times the rate out, chunk by chunk.

    For a bank with ``down == 1`` (an integer ratio, such as 8 -> 16 kHz). Same
    contract as the converter it serves: each chunk gives its outputs at once, less
    the filter's ``half`` inputs of look-ahead, which :meth:`flush` returns.
    """

    __slots__ = (
        "_bank",
        "_base",
        "_consumed",
        "_history",
        "_ints",
        "_length",
        "_out",
        "_pcm16",
        "_produced",
        "_rows",
    )

    def __init__(self, src: AudioFormat, bank: PolyphaseBank) -> None:
        if not self.serves(src, bank):
            raise ValueError(f"{src} at {bank.up}x is not a mono integer upsampling")
        self._bank = bank
        self._rows = bank.rows[: bank.up]
        self._pcm16 = src.encoding is AudioEncoding.PCM16
        self._history: _F32 = np.zeros(2 * bank.half + _SPARE, dtype=np.float32)
        self._out: _F32 = np.empty(0, dtype=np.float32)
        self._ints: NDArray[np.int16] = np.empty(0, dtype="<i2")
        self._base = 0
        self._length = 0
        self._consumed = 0
        self._produced = 0
        self.reset()

    @staticmethod
    def serves(src: AudioFormat, bank: PolyphaseBank) -> bool:
        """Whether ``src`` through ``bank`` is this class's case (mono integer codec, M = 1)."""
        integer = src.encoding is AudioEncoding.MULAW or src.encoding is AudioEncoding.PCM16
        return integer and src.channels == 1 and bank.down == 1

    @property
    def pending_inputs(self) -> int:
        """Inputs given whose ``up`` outputs each are still held back."""
        return self._consumed - self._produced

    def convert(self, data: bytes) -> bytes:
        """Upsample whole samples of ``data``; return every PCM16 output now computable."""
        count = len(data) >> 1 if self._pcm16 else len(data)
        self._append(data, count)
        return self._emit(max(0, self._consumed - self._bank.half))

    def flush(self) -> bytes:
        """End the stream: the held-back outputs (the input padded with silence), then reset."""
        half = self._bank.half
        self._reserve(half)
        self._history[self._length : self._length + half] = 0.0
        self._length += half
        tail = self._emit(self._consumed)
        self.reset()
        return tail

    def reset(self) -> None:
        """Drop the held-back audio: the next chunk starts a new stream on silence."""
        half = self._bank.half
        self._history[: half - 1] = 0.0
        self._base = 1 - half  # output 0 reads K - 1 inputs before input 0
        self._length = half - 1
        self._consumed = 0
        self._produced = 0

    def _append(self, data: bytes, count: int) -> None:
        self._reserve(count)
        into = self._history[self._length : self._length + count]
        if self._pcm16:
            np.copyto(into, np.frombuffer(data, dtype="<i2", count=count))
        else:
            _MULAW_TO_FLOAT.take(np.frombuffer(data, dtype=np.uint8), out=into, mode="clip")
        self._length += count
        self._consumed += count

    def _reserve(self, count: int) -> None:
        """Room for ``count`` more inputs: drop the inputs no later output reads."""
        history = self._history
        if self._length + count <= len(history):
            return
        keep_from = self._produced - self._bank.half + 1 - self._base
        kept = self._length - keep_from
        if kept + count > len(history):
            grown = np.empty(kept + count + _SPARE, dtype=np.float32)
            grown[:kept] = history[keep_from : self._length]
            self._history = grown
        else:
            history[:kept] = history[keep_from : self._length]
        self._base += keep_from
        self._length = kept

    def _emit(self, cycles: int) -> bytes:
        """Outputs of inputs ``produced .. cycles - 1`` (``up`` each), as PCM16 bytes."""
        first = self._produced
        count = cycles - first
        if count <= 0:
            return b""
        bank = self._bank
        up, taps = bank.up, 2 * bank.half
        outputs = count * up
        if len(self._out) < outputs:
            self._out = np.empty(outputs, dtype=np.float32)
            self._ints = np.empty(outputs, dtype="<i2")
        history = self._history
        item = history.itemsize
        windows: _F32 = np.ndarray(
            (count, 1, taps),
            np.float32,
            buffer=history,
            offset=(first - bank.half + 1 - self._base) * item,
            strides=(item, item, item),
        )
        out = self._out[:outputs]
        np.vecdot(windows, self._rows, out=out.reshape(count, up))
        self._produced = cycles
        # quantize_int16_inplace(finite=True), into the kept int16 array.
        np.rint(out, out=out)
        np.fmax(out, _INT16_MIN, out=out)
        np.fmin(out, _INT16_MAX, out=out)
        ints = self._ints[:outputs]
        np.copyto(ints, out, casting="unsafe")
        return ints.tobytes()
