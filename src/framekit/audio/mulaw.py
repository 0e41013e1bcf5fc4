"""G.711 mu-law codec with lookup tables, bit-exact with the classic reference coder.

Telephone networks (Twilio Media Streams, SIP/RTP PCMU) carry 8 kHz mu-law, one
byte a sample. ``audioop`` did this in the standard library until Python 3.13
removed it, so framekit builds two numpy tables once at import:

* decode: 256 codes -> int16 (512 bytes),
* encode: all 65,536 int16 values -> code (64 KiB, fits in the CPU cache).

Both are built with the segment/bias algorithm of the Sun Microsystems / CCITT
reference coder (``g711.c``), which ``audioop``, SoX and most telephony stacks
use: encoding keeps the 14 most significant bits (arithmetic shift, so negative
values round towards minus infinity), adds the bias of 33, clips at 8159 and
finds the segment. The ITU-T G.191 software tool library reads negative samples
with a one's complement instead, and so differs by one step on 508 negative
decision boundaries; decoding (all 256 codes) is identical in both.

A 20 ms frame (160 samples) costs one table lookup each way: no Python loop, and
no allocation beyond the output (see ``mulaw_encode_array(..., out=...)``).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MULAW_DECODE_TABLE",
    "MULAW_ENCODE_TABLE",
    "MULAW_SILENCE",
    "mulaw_decode",
    "mulaw_decode_array",
    "mulaw_encode",
    "mulaw_encode_array",
]

MULAW_SILENCE: Final = 0xFF
"""The code for a zero sample (positive zero), the byte to pad mu-law silence with."""

_BIAS: Final = 0x21  # 33: the reference bias on the 14-bit magnitude
_CLIP: Final = 8159  # the largest 14-bit magnitude the coder distinguishes
_SEGMENT_ENDS: Final = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


def _build_decode_table() -> NDArray[np.int16]:
    codes = np.arange(256, dtype=np.int32)
    inverted = ~codes & 0xFF
    exponent = (inverted >> 4) & 0x07
    mantissa = inverted & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    values = np.where(inverted & 0x80, -magnitude, magnitude)
    table = values.astype("<i2")
    table.flags.writeable = False
    return table


def _build_encode_table() -> NDArray[np.uint8]:
    # Index i holds the code of the int16 whose bit pattern, read as uint16, is i:
    # the hot path then indexes with a free ``view(np.uint16)`` of the samples.
    samples = np.arange(65536, dtype=np.uint16).view(np.int16).astype(np.int32)
    value14 = samples >> 2
    mask = np.where(value14 < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(value14), _CLIP) + _BIAS
    segment = np.searchsorted(_SEGMENT_ENDS, magnitude, side="left")
    in_range = (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F)
    code = np.where(segment < 8, in_range, 0x7F)  # past the last segment: the loudest code
    table = (code ^ mask).astype(np.uint8)
    table.flags.writeable = False
    return table


MULAW_DECODE_TABLE: Final[NDArray[np.int16]] = _build_decode_table()
"""Read-only: ``MULAW_DECODE_TABLE[code]`` is the int16 sample of a mu-law code."""

MULAW_ENCODE_TABLE: Final[NDArray[np.uint8]] = _build_encode_table()
"""Read-only: ``MULAW_ENCODE_TABLE[sample & 0xFFFF]`` is the mu-law code of an int16."""


def mulaw_decode_array(codes: NDArray[np.uint8]) -> NDArray[np.int16]:
    """Decode mu-law codes to int16 samples (a new array)."""
    return MULAW_DECODE_TABLE.take(codes)


def mulaw_encode_array(
    samples: NDArray[np.int16], out: NDArray[np.uint8] | None = None
) -> NDArray[np.uint8]:
    """Encode int16 samples to mu-law codes, into ``out`` when given (no allocation).

    ``mode="clip"`` never clips (a uint16 always indexes the 65,536 entries) but keeps
    ``take`` from buffering ``out``, which its default mode does.
    """
    return MULAW_ENCODE_TABLE.take(samples.view(np.uint16), out=out, mode="clip")


def mulaw_decode(data: bytes | bytearray | memoryview) -> bytes:
    """Decode mu-law bytes to PCM16 little-endian bytes (twice as long)."""
    return MULAW_DECODE_TABLE.take(np.frombuffer(data, dtype=np.uint8)).tobytes()


def mulaw_encode(data: bytes | bytearray | memoryview) -> bytes:
    """Encode PCM16 little-endian bytes to mu-law bytes (half as long)."""
    if len(data) % 2:
        raise ValueError(f"PCM16 data must hold whole 2-byte samples, got {len(data)} bytes")
    return MULAW_ENCODE_TABLE.take(np.frombuffer(data, dtype="<u2")).tobytes()
