"""Audio formats, codecs and resampling: the one place where audio changes shape."""

from framekit.audio.format import (
    MULAW_8K,
    PCM16_8K,
    PCM16_16K,
    PCM16_24K,
    PCM16_48K,
    AudioEncoding,
    AudioFormat,
    audio_format,
)

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
