"""Models loaded once per process and shared by every call.

The speech engines live with their vendors (:mod:`framekit.services.whisper`,
:mod:`framekit.services.moonshine`, :mod:`framekit.services.piper`,
:mod:`framekit.services.silero`).

Nothing heavy is imported here: each name is loaded on first access, so
``import framekit.models`` never pulls onnxruntime or a model file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framekit.models.embeddings import SentenceEmbedder

__all__ = ["SentenceEmbedder"]

_LAZY = {"SentenceEmbedder": "framekit.models.embeddings"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
