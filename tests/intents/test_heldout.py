"""The intent engine on caller phrasings nobody wrote into it."""

from __future__ import annotations

import re

import pytest

from framekit.intents import CONTACT_CENTER_INTENTS, IntentClassifier, IntentEngine

from .heldout import HELDOUT, HELDOUT_LATE, OUT_OF_SCOPE

ALL = HELDOUT + HELDOUT_LATE


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


@pytest.fixture(scope="module")
def engine(classifier: IntentClassifier) -> IntentEngine:
    return IntentEngine(lambda name, args: None, classifier=classifier)


def test_heldout_phrasings_are_not_examples() -> None:
    examples = {_normal(e) for intent in CONTACT_CENTER_INTENTS for e in intent.examples}
    overlap = [text for text, _ in ALL if _normal(text) in examples]
    assert not overlap
    assert len({_normal(t) for t, _ in ALL}) == len(ALL), "duplicates in the sets"
    assert len(ALL) >= 80


def test_heldout_covers_every_intent() -> None:
    names = {i.name for i in CONTACT_CENTER_INTENTS}
    assert {want for _, want in HELDOUT} == names
    assert {want for _, want in HELDOUT_LATE} == names


@pytest.mark.parametrize(
    "phrasings", [HELDOUT, HELDOUT_LATE, ALL], ids=["heldout", "heldout_late", "all"]
)
def test_heldout_accuracy_at_least_90_percent(
    engine: IntentEngine, phrasings: tuple[tuple[str, str], ...]
) -> None:
    wrong = [(t, want, engine.understand(t).intent) for t, want in phrasings]
    wrong = [w for w in wrong if w[1] != w[2]]
    right = len(phrasings) - len(wrong)
    accuracy = right / len(phrasings)
    print(f"held-out intent accuracy: {accuracy:.1%} ({right}/{len(phrasings)})")
    assert accuracy >= 0.90, wrong


@pytest.mark.parametrize("text", OUT_OF_SCOPE)
def test_out_of_scope_is_unknown(engine: IntentEngine, text: str) -> None:
    assert engine.understand(text).intent is None


async def test_async_understanding_matches(engine: IntentEngine) -> None:
    for text, _ in HELDOUT[::10]:
        threaded = await engine.understand_async(text)
        direct = engine.understand(text)
        assert threaded.intent == direct.intent
        assert threaded.score == pytest.approx(direct.score, abs=1e-5)
