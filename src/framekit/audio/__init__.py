"""Audio formats, codecs and resampling: the one place where audio changes shape.

Audio frames carry ``bytes`` plus an :class:`AudioFormat`; an :class:`AudioConverter`
is the only thing that turns one format into another. See ``docs/audio.md``.
"""

from framekit.audio.chunker import AudioChunker, silence
from framekit.audio.convert import AudioConverter
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
from framekit.audio.mulaw import (
    MULAW_SILENCE,
    mulaw_decode,
    mulaw_decode_array,
    mulaw_encode,
    mulaw_encode_array,
)
from framekit.audio.pcm import (
    float32_bytes_to_array,
    float32_to_pcm16,
    pcm16_bytes_to_array,
    pcm16_to_float32,
    quantize_int16,
)
from framekit.audio.resample import DEFAULT_QUALITY, ResampleQuality, StreamResampler, resample
from framekit.audio.wav import WavError, decode_wav, encode_wav, read_wav, write_wav

__all__ = [
    "DEFAULT_QUALITY",
    "MULAW_8K",
    "MULAW_SILENCE",
    "PCM16_8K",
    "PCM16_16K",
    "PCM16_24K",
    "PCM16_48K",
    "AudioChunker",
    "AudioConverter",
    "AudioEncoding",
    "AudioFormat",
    "ResampleQuality",
    "StreamResampler",
    "WavError",
    "audio_format",
    "decode_wav",
    "encode_wav",
    "float32_bytes_to_array",
    "float32_to_pcm16",
    "mulaw_decode",
    "mulaw_decode_array",
    "mulaw_encode",
    "mulaw_encode_array",
    "pcm16_bytes_to_array",
    "pcm16_to_float32",
    "quantize_int16",
    "read_wav",
    "resample",
    "silence",
    "write_wav",
]
