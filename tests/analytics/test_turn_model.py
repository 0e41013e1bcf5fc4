"""The learned sentiment heads: packaged, loadable, optional, and wired into the analysis."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from framekit.analytics import Utterance, analyze_text
from framekit.analytics.conversation import bot_before_caller
from framekit.analytics.turn_model import (
    FEATURES,
    LABELS,
    HeadScorer,
    TurnModel,
    features,
    fit_head,
    head_scorer,
    packaged_head,
)

# Phrasings written here, not taken from the labelled corpus.
CALL = [
    Utterance("caller", "hi, could you tell me when you open on sunday"),
    Utterance("bot", "We open at ten on Sundays."),
    Utterance("caller", "i've rung four times and nobody ever picks up, this is a joke"),
    Utterance("bot", "I'm sorry. We open at ten."),
    Utterance("caller", "oh brilliant, that's lovely, thank you so much"),
]


def test_the_cues_head_reads_a_call_without_a_sentence_model() -> None:
    scorer = head_scorer()

    found = analyze_text(CALL, None, "caller_hung_up", scorer=scorer)

    assert scorer.method == "vader-cues-head"
    assert found.methods["sentiment"] == "vader-cues-head"
    labels = [turn.label for turn in found.sentiment.turns]
    assert labels == ["neutral", "negative", "positive"]
    assert (found.sentiment.start, found.sentiment.end) == ("negative", "positive")


def test_the_minilm_head_needs_its_embedder_and_reads_the_same_call() -> None:
    pytest.importorskip("onnxruntime")
    from framekit.models.embeddings import SentenceEmbedder

    with pytest.raises(ValueError, match="pass an embedder"):
        packaged_head(embeddings=True).scores(["hello"], [False])
    scorer = head_scorer(SentenceEmbedder())

    found = analyze_text(CALL, None, "caller_hung_up", scorer=scorer)

    assert found.methods["sentiment"] == "minilm+vader-head"
    assert [turn.label for turn in found.sentiment.turns] == ["neutral", "negative", "positive"]
    assert all(-1.0 <= turn.score <= 1.0 for turn in found.sentiment.turns)


def test_an_embedder_of_another_width_is_refused_by_name() -> None:
    class Narrow:
        def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
            return np.full((len(texts), 4), 0.5, dtype=np.float32)  # unit rows, 4 wide

    with pytest.raises(ValueError, match="Narrow gives 4-wide embeddings"):
        packaged_head(embeddings=True).scores(["hello"], [False], Narrow(), ["Hi."])


def test_a_head_fits_saves_and_loads_the_same(tmp_path: Path) -> None:
    texts = ["this is awful and useless", "what time do you open", "thank you, that's wonderful"]
    rows = features(texts, [False, False, True])
    labels = [LABELS.index(label) for label in ("negative", "neutral", "positive")]

    weights, bias = fit_head(rows, labels, l2=0.01, iterations=2000)
    again = fit_head(rows, labels, l2=0.01, iterations=2000)
    model = TurnModel(weights, bias, 0)
    model.save(tmp_path / "head.npz")
    loaded = TurnModel.load(tmp_path / "head.npz")

    assert np.array_equal(weights, again[0])  # deterministic
    assert rows.shape == (3, FEATURES)
    assert loaded.probabilities(rows).argmax(axis=1).tolist() == labels
    assert HeadScorer(loaded)(texts, [False, False, True])[0] < -0.3


def test_each_caller_turn_has_the_bot_words_it_answers() -> None:
    events = [Utterance("caller", "hello?"), *CALL[1:]]

    assert bot_before_caller(events) == [
        "",
        "We open at ten on Sundays.",
        "I'm sorry. We open at ten.",
    ]


def test_a_head_that_reads_the_bot_prompts_refuses_to_score_without_them() -> None:
    class Flat:
        def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
            return np.full((len(texts), 4), 0.5, dtype=np.float32)

    model = TurnModel(np.zeros((8 + FEATURES, 3)), np.zeros(3), 4, 4)

    with pytest.raises(ValueError, match="pass them"):
        model.scores(["no"], [False], Flat())
    assert len(model.scores(["no"], [False], Flat(), ["Anything else?"])) == 1
    with pytest.raises(ValueError, match="2 bot prompts for 1 caller turns"):
        model.scores(["no"], [False], Flat(), ["Hi.", "Anything else?"])
