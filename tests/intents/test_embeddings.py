"""The shared MiniLM embedder: the vectors of the original fp32 model, and they mean something."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from framekit.models.embeddings import EMBEDDING_DIM, SentenceEmbedder

REFERENCE = Path(__file__).parent / "data" / "minilm_fp32_reference.npz"


def test_matches_the_fp32_model(embedder: SentenceEmbedder) -> None:
    """Cosine >= 0.99 with fp32 vectors (see ``benchmarks/make_minilm_reference.py``)."""
    reference = np.load(REFERENCE)
    texts = [str(t) for t in reference["texts"]]
    ours = embedder.encode(texts)
    cosines = np.sum(ours * reference["vectors"], axis=1)
    assert cosines.min() >= 0.99, dict(zip(texts, cosines.round(4).tolist(), strict=True))


def test_unit_vectors_and_batch_equals_single(embedder: SentenceEmbedder) -> None:
    texts = ["where is my order", "a much longer sentence that forces padding on the short one"]
    batch = embedder.encode(texts)
    assert batch.shape == (2, EMBEDDING_DIM)
    assert batch.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    singles = np.stack([embedder.encode_one(t) for t in texts])
    np.testing.assert_allclose(batch, singles, atol=1e-4)


def test_paraphrases_are_closer_than_unrelated_sentences(embedder: SentenceEmbedder) -> None:
    a, b, c = embedder.encode(
        ["where is my parcel", "where is my package right now", "what's the weather in rome"]
    )
    assert a @ b > 0.5
    assert a @ c < 0.1


def test_long_texts_are_truncated_not_rejected(embedder: SentenceEmbedder) -> None:
    vector = embedder.encode_one("please " * 1000)
    assert np.isfinite(vector).all()


def test_empty_batch_and_single_string(embedder: SentenceEmbedder) -> None:
    assert embedder.encode([]).shape == (0, EMBEDDING_DIM)
    with pytest.raises(TypeError):
        embedder.encode("one text")  # type: ignore[arg-type]


def test_shared_is_one_instance(embedder: SentenceEmbedder) -> None:
    assert SentenceEmbedder.shared() is embedder
