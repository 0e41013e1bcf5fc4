"""The call head: the call's and the end's labels from the turns' probabilities and the
resolution, packaged beside the embedding head and used by the analysis."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from framekit.analytics import Utterance, analyze_text
from framekit.analytics.call_head import (
    FEATURE_NAMES,
    OUTCOMES,
    CallHead,
    call_features,
    packaged_call_head,
    rule_probabilities,
)
from framekit.analytics.sentiment import call_sentiment
from framekit.analytics.turn_model import LABELS, HeadScorer, TurnModel, head_scorer

SCORE = {0: -0.5, 1: 0.0, 2: 0.5}


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_certain_turns_give_the_guidelines_labels_with_certainty(count: int) -> None:
    for labels in itertools.product(range(3), repeat=count):
        p = np.eye(3)[list(labels)]
        rules = call_sentiment(["x"] * count, scores=[SCORE[y] for y in labels])

        call, end = rule_probabilities(p)

        assert LABELS[int(call.argmax())] == rules.call
        assert call.max() == pytest.approx(1.0)
        assert LABELS[int(end.argmax())] == rules.end
        assert end.max() == pytest.approx(1.0)


def test_uncertain_turns_spread_the_labels_probability() -> None:
    p = np.random.default_rng(3).dirichlet(np.ones(3), size=5)

    call, end = rule_probabilities(p)

    assert call.sum() == pytest.approx(1.0)
    assert end.sum() == pytest.approx(1.0)
    assert (call > 0).all()
    assert (end > 0).all()


def test_the_features_name_every_column_and_the_resolution() -> None:
    p = np.array([[0.1, 0.8, 0.1], [0.7, 0.2, 0.1]])

    row = call_features(p, "transferred")

    assert row.shape == (len(FEATURE_NAMES),)
    named = dict(zip(FEATURE_NAMES, row, strict=True))
    assert named["resolution_transferred"] == 1.0
    assert sum(named[f"resolution_{o}"] for o in OUTCOMES) == 1.0
    assert named["last_negative"] == pytest.approx(0.7)
    assert named["max_negative"] == pytest.approx(0.7)


def _resolution_head() -> CallHead:
    """A head that calls every call positive when it was resolved, else negative, and
    every end neutral."""
    weights = np.zeros((len(FEATURE_NAMES), 3))
    weights[FEATURE_NAMES.index("resolution_resolved"), 2] = 2.0
    bias = np.array([1.0, 0.0, 0.0])
    end = np.zeros((len(FEATURE_NAMES), 3))
    return CallHead(weights, bias, end, np.array([0.0, 1.0, 0.0]))


def test_the_head_reads_the_resolution_and_survives_saving(tmp_path: Path) -> None:
    head = _resolution_head()
    head.save(tmp_path / "call.npz")
    loaded = CallHead.load(tmp_path / "call.npz")
    p = np.array([[0.2, 0.6, 0.2]])

    assert loaded.labels(p, "resolved") == ("positive", "neutral")
    assert loaded.labels(p, "unresolved") == ("negative", "neutral")


def _cues_scorer(call_head: CallHead | None) -> HeadScorer:
    cues = head_scorer().model
    return HeadScorer(TurnModel(cues.weights, cues.bias, 0), None, "test", call_head)


def test_the_analysis_takes_the_call_and_end_from_the_scorers_call_head() -> None:
    events = [
        Utterance("caller", "hi, what time do you open on sunday"),
        Utterance("bot", "We open at ten on Sundays."),
        Utterance("caller", "ok, bye"),
    ]

    by_rules = analyze_text(events, None, "caller_hung_up", scorer=_cues_scorer(None))
    by_head = analyze_text(events, None, "caller_hung_up", scorer=_cues_scorer(_resolution_head()))

    assert by_rules.resolution != "resolved"
    assert (by_rules.sentiment.call, by_rules.sentiment.end) == ("neutral", "neutral")
    assert (by_head.sentiment.call, by_head.sentiment.end) == ("negative", "neutral")
    assert by_head.sentiment.turns == by_rules.sentiment.turns  # the turns are the head's
    assert by_head.sentiment.start == by_rules.sentiment.start


def test_a_call_without_caller_turns_stays_neutral_whatever_the_head() -> None:
    events = [Utterance("bot", "Hello, how can I help?")]

    found = analyze_text(events, None, "caller_hung_up", scorer=_cues_scorer(_resolution_head()))

    assert (found.sentiment.call, found.sentiment.end) == ("neutral", "neutral")


def test_the_embedding_scorer_ships_a_call_head_and_the_cues_scorer_none() -> None:
    pytest.importorskip("onnxruntime")
    from framekit.models.embeddings import SentenceEmbedder

    head = packaged_call_head()

    assert head.call_weights.shape == (len(FEATURE_NAMES), 3)
    assert head.end_weights.shape == (len(FEATURE_NAMES), 3)
    assert head_scorer(SentenceEmbedder()).call_head is not None
    assert head_scorer().call_head is None
