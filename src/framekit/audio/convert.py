"""The one converter between audio formats: decode, mix channels, resample, encode.

Every change of audio shape in a pipeline goes through an :class:`AudioConverter`
built for one ``(src, dst)`` pair of :class:`~framekit.audio.format.AudioFormat`,
the way GStreamer inserts an explicit convert element between mismatched caps.
One object per stream, because resampling keeps state across chunks.

Inside, samples are float32 in PCM16 units (``-32768.0 .. 32767.0``): PCM16 and
mu-law convert to it exactly, the resampler is linear so the scale does not
matter to it, and going back to PCM16 is a round and a clip (see
:mod:`framekit.audio.pcm`). Conversions that need neither resampling nor mixing
(mu-law <-> PCM16 at one rate) skip floats and use the lookup tables directly,
bit-exact with G.711. Integer upsampling of a mono integer stream to PCM16 (8 kHz
mu-law to 16 kHz, every phone call's way in) runs on
:class:`~framekit.audio._upsample.LineUpsampler`, which keeps its buffers between
chunks: the same samples, bit for bit, for a fraction of the per-chunk cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
from numpy.typing import NDArray

from framekit.audio._upsample import LineUpsampler
from framekit.audio.format import AudioEncoding, AudioFormat
from framekit.audio.mulaw import (
    MULAW_DECODE_TABLE,
    mulaw_decode,
    mulaw_encode,
    mulaw_encode_array,
)
from framekit.audio.pcm import PCM16_SCALE, quantize_int16_inplace
from framekit.audio.resample import DEFAULT_QUALITY, ResampleQuality, StreamResampler

__all__ = ["AudioConverter"]

_Samples = NDArray[np.float32]
_MULAW_TO_FLOAT: Final = MULAW_DECODE_TABLE.astype(np.float32)


def _decode_pcm16(data: bytes) -> _Samples:
    return np.frombuffer(data, dtype="<i2").astype(np.float32)


def _decode_mulaw(data: bytes) -> _Samples:
    return _MULAW_TO_FLOAT.take(np.frombuffer(data, dtype=np.uint8))


def _decode_float32(data: bytes) -> _Samples:
    samples: _Samples = np.frombuffer(data, dtype="<f4") * np.float32(PCM16_SCALE)
    return samples


# The encoders get samples the converter owns (decoded, mixed or resampled into a
# new array, never the caller's), so they quantize in place; the ``_finite`` ones
# serve integer sources, whose samples cannot hold NaN.
def _encode_pcm16(samples: _Samples) -> bytes:
    return quantize_int16_inplace(samples).tobytes()


def _encode_pcm16_finite(samples: _Samples) -> bytes:
    return quantize_int16_inplace(samples, finite=True).tobytes()


def _encode_mulaw(samples: _Samples) -> bytes:
    return mulaw_encode_array(quantize_int16_inplace(samples)).tobytes()


def _encode_mulaw_finite(samples: _Samples) -> bytes:
    return mulaw_encode_array(quantize_int16_inplace(samples, finite=True)).tobytes()


def _encode_float32(samples: _Samples) -> bytes:
    scaled = np.multiply(samples, np.float32(1.0 / PCM16_SCALE), dtype="<f4")
    np.clip(scaled, -1.0, 1.0, out=scaled)
    return scaled.tobytes()


_DECODERS: Final[dict[AudioEncoding, Callable[[bytes], _Samples]]] = {
    AudioEncoding.PCM16: _decode_pcm16,
    AudioEncoding.MULAW: _decode_mulaw,
    AudioEncoding.FLOAT32: _decode_float32,
}
_ENCODERS: Final[dict[AudioEncoding, Callable[[_Samples], bytes]]] = {
    AudioEncoding.PCM16: _encode_pcm16,
    AudioEncoding.MULAW: _encode_mulaw,
    AudioEncoding.FLOAT32: _encode_float32,
}
_FINITE_ENCODERS: Final[dict[AudioEncoding, Callable[[_Samples], bytes]]] = {
    **_ENCODERS,
    AudioEncoding.PCM16: _encode_pcm16_finite,
    AudioEncoding.MULAW: _encode_mulaw_finite,
}
# Same rate and channels, integer codecs only: a table lookup, no floats.
_DIRECT: Final[dict[tuple[AudioEncoding, AudioEncoding], Callable[[bytes], bytes]]] = {
    (AudioEncoding.MULAW, AudioEncoding.PCM16): mulaw_decode,
    (AudioEncoding.PCM16, AudioEncoding.MULAW): mulaw_encode,
}


class AudioConverter:
    """Convert a stream of ``src`` audio into ``dst`` audio, chunk by chunk.

    Channels: equal counts pass through, several channels downmix to mono by
    averaging, mono is copied to every output channel; other pairs are refused.
    Bytes that do not fill a whole input sample instant wait for the next chunk.
    Each chunk comes out at once, less the resampler's few milliseconds of filter
    look-ahead (:attr:`latency_seconds`, held once at the start of the stream); call
    :meth:`flush` at the end of a stream for them. See :mod:`framekit.audio.resample`.
    """

    __slots__ = (
        "_carry",
        "_decode",
        "_direct",
        "_dst",
        "_encode",
        "_identity",
        "_line",
        "_resampler",
        "_src",
    )

    def __init__(
        self, src: AudioFormat, dst: AudioFormat, *, quality: ResampleQuality = DEFAULT_QUALITY
    ) -> None:
        if src.channels != dst.channels and 1 not in (src.channels, dst.channels):
            raise ValueError(
                f"cannot convert {src.channels} channels to {dst.channels}: framekit "
                "downmixes to mono or copies mono to every channel"
            )
        self._src = src
        self._dst = dst
        self._identity = src == dst
        self._carry = bytearray()
        self._decode = _DECODERS[src.encoding]
        integer_source = src.encoding is not AudioEncoding.FLOAT32
        self._encode = (_FINITE_ENCODERS if integer_source else _ENCODERS)[dst.encoding]
        same_shape = src.sample_rate == dst.sample_rate and src.channels == dst.channels
        self._direct = _DIRECT.get((src.encoding, dst.encoding)) if same_shape else None
        self._resampler = StreamResampler(
            src.sample_rate,
            dst.sample_rate,
            channels=min(src.channels, dst.channels),
            quality=quality,
        )
        design = self._resampler.design
        self._line = (
            LineUpsampler(src, design)
            if design is not None
            and dst.encoding is AudioEncoding.PCM16
            and dst.channels == 1
            and LineUpsampler.serves(src, design)
            else None
        )

    @property
    def src(self) -> AudioFormat:
        """Format of the audio given to :meth:`convert`."""
        return self._src

    @property
    def dst(self) -> AudioFormat:
        """Format of the audio :meth:`convert` returns."""
        return self._dst

    @property
    def is_identity(self) -> bool:
        """True when ``src == dst``: :meth:`convert` returns its input object untouched."""
        return self._identity

    @property
    def latency_seconds(self) -> float:
        """Most output audio the resampler ever holds back, in seconds (0 at equal rates)."""
        return self._resampler.latency_seconds

    @property
    def pending_seconds(self) -> float:
        """Output audio held back by the resampler right now, in seconds."""
        if self._line is not None:
            return self._line.pending_inputs / self._src.sample_rate
        return self._resampler.pending_seconds

    def convert(self, data: bytes) -> bytes:
        """Convert the next chunk: its share of output, give or take one sample instant.

        The stream's first chunk gives :attr:`latency_seconds` less than its share.
        """
        if self._identity:
            return data
        whole = self._take_whole(data)
        if self._line is not None:
            return self._line.convert(whole)
        if self._direct is not None:
            return self._direct(whole)
        samples = self._decode(whole)
        return self._encode(self._reshape_after(self._resampler.process(self._mix(samples))))

    def flush(self) -> bytes:
        """End the stream: return the held-back audio, then start afresh."""
        self._carry.clear()
        if self._line is not None:
            return self._line.flush()
        if self._identity or self._direct is not None:
            return b""
        return self._encode(self._reshape_after(self._resampler.flush()))

    def reset(self) -> None:
        """Drop held-back audio and partial samples (e.g. after an interruption)."""
        self._carry.clear()
        self._resampler.reset()
        if self._line is not None:
            self._line.reset()

    def _take_whole(self, data: bytes) -> bytes:
        """``data`` cut to whole sample instants, with the carry from the last call in front."""
        bpf = self._src.bytes_per_frame
        if not self._carry and len(data) % bpf == 0:
            return data
        self._carry += data
        whole = len(self._carry) - len(self._carry) % bpf
        out = bytes(self._carry[:whole])
        del self._carry[:whole]
        return out

    def _mix(self, samples: _Samples) -> _Samples:
        """Interleaved ``src`` samples in the resampler's layout (1-D mono or 2-D)."""
        channels = self._src.channels
        if channels == 1:
            return samples
        frames = samples.reshape(-1, channels)
        if self._dst.channels == 1:
            mono: _Samples = frames.mean(axis=1, dtype=np.float32)
            return mono
        return frames

    def _reshape_after(self, samples: _Samples) -> _Samples:
        """Resampler output as flat interleaved ``dst`` samples, copying mono if needed."""
        channels = self._dst.channels
        if channels == 1 or self._src.channels == channels:
            return samples.reshape(-1)
        copied: _Samples = np.repeat(samples, channels)
        return copied
