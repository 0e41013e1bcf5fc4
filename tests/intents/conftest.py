"""The shared sentence embedder for the intent tests (skipped without the 'intents' extra)."""

from __future__ import annotations

import pytest

from framekit.intents import CONTACT_CENTER_INTENTS, CONTACT_CENTER_TOPICS, IntentClassifier
from framekit.models.embeddings import SentenceEmbedder


@pytest.fixture(scope="session")
def embedder() -> SentenceEmbedder:
    try:
        return SentenceEmbedder.shared()
    except ImportError as exc:  # the message names the extra to install
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def classifier(embedder: SentenceEmbedder) -> IntentClassifier:
    """The default intents' and FAQ topics' examples, embedded once for every engine."""
    return IntentClassifier(
        CONTACT_CENTER_INTENTS, embedder, threshold=0.30, topics=CONTACT_CENTER_TOPICS
    )
