"""The intent engine on caller phrasings nobody wrote into it."""

from __future__ import annotations

import re

import pytest

from framekit.intents import CONTACT_CENTER_INTENTS, IntentClassifier, IntentEngine

from .heldout import HELDOUT, OUT_OF_SCOPE


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


@pytest.fixture(scope="module")
def engine(classifier: IntentClassifier) -> IntentEngine:
    return IntentEngine(lambda name, args: None, classifier=classifier)


def test_heldout_phrasings_are_not_examples() -> None:
    examples = {_normal(e) for intent in CONTACT_CENTER_INTENTS for e in intent.examples}
    overlap = [text for text, _ in HELDOUT if _normal(text) in examples]
    assert not overlap
    assert len({_normal(t) for t, _ in HELDOUT}) == len(HELDOUT), "duplicates in the set"
    assert len(HELDOUT) >= 80


def test_heldout_covers_every_intent() -> None:
    assert {want for _, want in HELDOUT} == {i.name for i in CONTACT_CENTER_INTENTS}


def test_heldout_accuracy_at_least_90_percent(engine: IntentEngine) -> None:
    wrong = [(t, want, engine.understand(t).intent) for t, want in HELDOUT]
    wrong = [w for w in wrong if w[1] != w[2]]
    accuracy = 1 - len(wrong) / len(HELDOUT)
    print(f"held-out intent accuracy: {accuracy:.1%} ({len(HELDOUT) - len(wrong)}/{len(HELDOUT)})")
    assert accuracy >= 0.90, wrong


@pytest.mark.parametrize("text", OUT_OF_SCOPE)
def test_out_of_scope_is_unknown(engine: IntentEngine, text: str) -> None:
    assert engine.understand(text).intent is None
