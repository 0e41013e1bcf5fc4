"""The embedding model behind the intent engine: any :class:`Embedder`, checked once per use.

Why an interface: the engine only needs sentence vectors that place paraphrases
close together. framekit ships one model, all-MiniLM-L6-v2 on onnxruntime
(:class:`framekit.models.embeddings.SentenceEmbedder`, offline, no torch), but a
deployment may run another (a larger model, a model served over HTTP to several
processes): anything with this one method plugs into
``IntentEngine(embedder=...)``, ``IntentClassifier`` and ``IntentEngineService``.

The contract, what the classifier relies on:

* ``encode(texts)`` returns one row per text, in order, as a 2-D float array of one
  width for every call (the intents' examples and each caller turn are compared by
  dot product);
* every row has unit length, so a dot product is the cosine: the engine's
  thresholds (``threshold=0.30``, ``switch_threshold=0.55``) are cosines;
* it may block (a model run, an HTTP request): the engine calls it on the
  classifier's own worker threads, up to two at a time, never on the event loop,
  and once with every example when the engine is built. It must be safe to call
  from several threads.

:func:`checked_rows` enforces the first two with a clear error naming the embedder,
rather than letting a wrong shape or unnormalized vectors skew every score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

__all__ = ["UNIT_TOLERANCE", "Embedder", "checked_rows"]

UNIT_TOLERANCE = 1e-3
"""How far a row's length may be from 1 (float32 rounding, int8 models)."""

_F32 = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length rows: the module docstring states the contract.

    :class:`~framekit.models.embeddings.SentenceEmbedder` (all-MiniLM-L6-v2) is one.
    """

    def encode(self, texts: Sequence[str]) -> _F32:
        """One unit-length row per text, ``[len(texts), width]``."""
        ...


def checked_rows(embedder: Embedder, texts: Sequence[str], rows: object) -> _F32:
    """``rows``, what ``embedder.encode(texts)`` returned, as float32, or a clear error.

    Raises :class:`ValueError` when it is not one row per text of the same width, or
    when a row is not unit length.
    """
    name = type(embedder).__name__
    array = np.asarray(rows, dtype=np.float32)
    if array.ndim != 2 or array.shape[0] != len(texts):
        raise ValueError(
            f"{name}.encode returned an array of shape {array.shape} for {len(texts)} "
            "text(s); an Embedder returns one row per text: [len(texts), width]"
        )
    if array.size:
        lengths = np.linalg.norm(array, axis=1)
        worst = int(np.argmax(np.abs(lengths - 1.0)))
        if not abs(float(lengths[worst]) - 1.0) <= UNIT_TOLERANCE:  # NaN fails too
            raise ValueError(
                f"{name}.encode returned a row of length {float(lengths[worst]):.4g} for "
                f"{texts[worst]!r}; an Embedder returns unit-length rows (divide each by "
                "its norm), which the engine's cosine thresholds assume"
            )
    return array
