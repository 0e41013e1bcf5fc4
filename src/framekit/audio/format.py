"""Audio formats that travel with every audio frame.

A format is negotiated, never guessed: each audio frame names its sample rate,
channel count and encoding, and conversion happens only in the explicit
converters of :mod:`framekit.audio`. Formats are immutable and interned, so
the hot path compares them by identity and never allocates one per frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

__all__ = [
    "MULAW_8K",
    "PCM16_8K",
    "PCM16_16K",
    "PCM16_24K",
    "PCM16_48K",
    "AudioEncoding",
    "AudioFormat",
    "audio_format",
]


class AudioEncoding(StrEnum):
    """How samples are stored in an audio frame's bytes."""

    PCM16 = "pcm16"
    """Signed 16-bit little-endian linear PCM: the pipeline's working encoding."""
    MULAW = "mulaw"
    """G.711 mu-law, one byte a sample: what telephone networks carry at 8 kHz."""
    FLOAT32 = "float32"
    """32-bit IEEE float in [-1, 1], little-endian: what models usually want."""

    @property
    def sample_width(self) -> int:
        """Bytes a single sample of a single channel takes."""
        return _SAMPLE_WIDTH[self]


_SAMPLE_WIDTH = {AudioEncoding.PCM16: 2, AudioEncoding.MULAW: 1, AudioEncoding.FLOAT32: 4}


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """Sample rate, channel count and encoding of a stretch of audio.

    Build one with :func:`audio_format` to get the shared, interned instance.
    """

    sample_rate: int
    channels: int = 1
    encoding: AudioEncoding = AudioEncoding.PCM16

    def __post_init__(self) -> None:
        if self.sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {self.sample_rate}")
        if self.channels <= 0:
            raise ValueError(f"channels must be positive, got {self.channels}")

    @property
    def bytes_per_frame(self) -> int:
        """Bytes one sample instant takes across all channels."""
        return self.encoding.sample_width * self.channels

    def bytes_for(self, seconds: float) -> int:
        """Bytes that ``seconds`` of audio in this format take (whole sample instants)."""
        return round(seconds * self.sample_rate) * self.bytes_per_frame

    def duration_of(self, num_bytes: int) -> float:
        """Seconds of audio that ``num_bytes`` in this format hold."""
        return num_bytes / (self.bytes_per_frame * self.sample_rate)

    def __str__(self) -> str:
        return f"{self.encoding.value}/{self.sample_rate}Hz/{self.channels}ch"


def audio_format(
    sample_rate: int, channels: int = 1, encoding: AudioEncoding = AudioEncoding.PCM16
) -> AudioFormat:
    """The shared :class:`AudioFormat` for these parameters (one instance per distinct format)."""
    # Normalise before the cache: it keys on the arguments as spelled, so
    # ``audio_format(16000)`` and ``audio_format(16000, 1)`` would otherwise differ.
    return _interned(sample_rate, channels, AudioEncoding(encoding))


@cache
def _interned(sample_rate: int, channels: int, encoding: AudioEncoding) -> AudioFormat:
    return AudioFormat(sample_rate, channels, encoding)


PCM16_8K = audio_format(8000)
PCM16_16K = audio_format(16000)
PCM16_24K = audio_format(24000)
PCM16_48K = audio_format(48000)
MULAW_8K = audio_format(8000, 1, AudioEncoding.MULAW)
