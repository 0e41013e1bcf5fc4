"""The analytics' accuracy on the labelled corpus's test split (fitted and chosen on dev only).

The issue's targets are sentiment >= 85 % (each caller turn, and each call) and
resolution >= 95 %. ``benchmarks/analytics_accuracy.py --test`` prints the figures of
each reader of the caller's sentiment and ``docs/benchmarks.md`` records them, with the
cross-validation on dev that chose them. Last measured on the test split at the end of a
session (2026-12-08 03:40 UTC, heads refitted on thirteen dev sources, 1,510 calls, with
``calls_blind7``; the call head reading the call and end labels; both chosen by
leave-one-file-out): the learned head over the sentence embeddings (what ``framekit
serve`` runs) reads 85.1 % of the turns right (120 of 141: the turn target is met; the
twelve-source head: 84.4 %), 80.0 % of the calls and ends (48 of 60; the twelve-source
head: 78.3 %), and resolution 98.3 %. The call target is missed on this split: a strict
xfail, so the day it passes the tests say so. The same heads read the thirteenth
annotator's unseen ``calls_blind8`` at 90.1 / 88.0 / 89.0 %, resolution 95.0 % (scored
once, 03:40 UTC). The floors keep every reader at the level
reached, one item under it (the sentence model's float rounding may differ between
machines).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))

from analytics_accuracy import CORPUS, Score, labelled_test_calls, score, shipped

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="the labelled corpus is not there")


def _scored(reader: str) -> Score:
    encoder = None
    if reader == "minilm":
        pytest.importorskip("onnxruntime")
        from framekit.models.embeddings import SentenceEmbedder

        encoder = SentenceEmbedder()
    calls = labelled_test_calls()
    assert len(calls) >= 40
    return score(calls, shipped(reader, encoder))


@pytest.fixture(scope="module")
def minilm() -> Score:
    return _scored("minilm")


def test_resolution_meets_the_issue_target(minilm: Score) -> None:
    assert minilm.accuracy("resolution") >= 0.95


def test_turn_sentiment_meets_the_issue_target(minilm: Score) -> None:
    assert minilm.accuracy("turn_sentiment") >= 0.85


@pytest.mark.xfail(strict=True, reason="80.0 % of the test split's calls (target 85 %)")
def test_call_sentiment_meets_the_issue_target(minilm: Score) -> None:
    assert minilm.accuracy("call_sentiment") >= 0.85


@pytest.mark.parametrize(
    ("reader", "turn", "call", "end"),
    [("minilm", 0.84, 0.78, 0.78), ("cues", 0.77, 0.78, 0.76), ("rules", 0.79, 0.81, 0.78)],
)
def test_every_reader_keeps_the_level_reached(
    reader: str, turn: float, call: float, end: float
) -> None:
    found = _scored(reader)

    assert found.accuracy("turn_sentiment") >= turn
    assert found.accuracy("call_sentiment") >= call
    assert found.accuracy("sentiment_end") >= end
    assert found.accuracy("resolution") >= 0.95
