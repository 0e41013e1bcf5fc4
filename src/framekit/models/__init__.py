"""Models loaded once per process and shared by every call.

The speech engines live with their vendors (:mod:`framekit.services.whisper`,
:mod:`framekit.services.moonshine`, :mod:`framekit.services.piper`).

Nothing heavy is imported here: each name is loaded on first access, so
``import framekit.models`` never pulls onnxruntime or a model file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framekit.models.embeddings import SentenceEmbedder
    from framekit.models.silero_vad import SileroVADEngine, SileroVADStream

__all__ = [
    "SentenceEmbedder",
    "SileroVADEngine",
    "SileroVADStream",
]

_LAZY = {
    "SentenceEmbedder": "framekit.models.embeddings",
    "SileroVADEngine": "framekit.models.silero_vad",
    "SileroVADStream": "framekit.models.silero_vad",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
