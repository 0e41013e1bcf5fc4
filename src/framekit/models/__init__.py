"""Models loaded once per process and shared by every call.

Nothing heavy is imported here: each name is loaded on first access, so
``import framekit.models`` never pulls onnxruntime or a model file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framekit.models.embeddings import SentenceEmbedder
    from framekit.models.moonshine import MoonshineEngine
    from framekit.models.piper import PiperEngine
    from framekit.models.silero_vad import SileroVADEngine, SileroVADStream
    from framekit.models.speech import Transcript
    from framekit.models.whisper import WhisperEngine
    from framekit.models.whisper_source import ModelUnavailableError

__all__ = [
    "ModelUnavailableError",
    "MoonshineEngine",
    "PiperEngine",
    "SentenceEmbedder",
    "SileroVADEngine",
    "SileroVADStream",
    "Transcript",
    "WhisperEngine",
]

_LAZY = {
    "ModelUnavailableError": "framekit.models.whisper_source",
    "MoonshineEngine": "framekit.models.moonshine",
    "PiperEngine": "framekit.models.piper",
    "SentenceEmbedder": "framekit.models.embeddings",
    "SileroVADEngine": "framekit.models.silero_vad",
    "SileroVADStream": "framekit.models.silero_vad",
    "Transcript": "framekit.models.speech",
    "WhisperEngine": "framekit.models.whisper",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
