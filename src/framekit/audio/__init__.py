"""Audio formats, codecs and resampling: the one place where audio changes shape.

Audio frames carry ``bytes`` plus an :class:`AudioFormat`; an :class:`AudioConverter`
is the only thing that turns one format into another, and processors declare the
formats they consume and produce with :class:`AudioCaps`. See ``docs/audio.md``.

Formats are imported eagerly (frames need them); codecs, resampling and WAV are
loaded on first use, so importing frames or pipelines does not pull in numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from framekit.audio.caps import AudioCaps, FormatSpec, PipelineFormat, resolve_formats
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

if TYPE_CHECKING:
    from framekit.audio.chunker import (
        AudioChunker,
        silence,
    )
    from framekit.audio.convert import (
        AudioConverter,
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
    from framekit.audio.resample import (
        DEFAULT_QUALITY,
        ResampleQuality,
        StreamResampler,
        resample,
    )
    from framekit.audio.wav import (
        WavError,
        decode_wav,
        encode_wav,
        read_wav,
        write_wav,
    )

__all__ = [
    "DEFAULT_QUALITY",
    "MULAW_8K",
    "MULAW_SILENCE",
    "PCM16_8K",
    "PCM16_16K",
    "PCM16_24K",
    "PCM16_48K",
    "AudioCaps",
    "AudioChunker",
    "AudioConverter",
    "AudioEncoding",
    "AudioFormat",
    "FormatSpec",
    "PipelineFormat",
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
    "resolve_formats",
    "silence",
    "write_wav",
]

_LAZY = {
    "AudioChunker": "framekit.audio.chunker",
    "AudioConverter": "framekit.audio.convert",
    "DEFAULT_QUALITY": "framekit.audio.resample",
    "MULAW_SILENCE": "framekit.audio.mulaw",
    "ResampleQuality": "framekit.audio.resample",
    "StreamResampler": "framekit.audio.resample",
    "WavError": "framekit.audio.wav",
    "decode_wav": "framekit.audio.wav",
    "encode_wav": "framekit.audio.wav",
    "float32_bytes_to_array": "framekit.audio.pcm",
    "float32_to_pcm16": "framekit.audio.pcm",
    "mulaw_decode": "framekit.audio.mulaw",
    "mulaw_decode_array": "framekit.audio.mulaw",
    "mulaw_encode": "framekit.audio.mulaw",
    "mulaw_encode_array": "framekit.audio.mulaw",
    "pcm16_bytes_to_array": "framekit.audio.pcm",
    "pcm16_to_float32": "framekit.audio.pcm",
    "quantize_int16": "framekit.audio.pcm",
    "read_wav": "framekit.audio.wav",
    "resample": "framekit.audio.resample",
    "silence": "framekit.audio.chunker",
    "write_wav": "framekit.audio.wav",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
