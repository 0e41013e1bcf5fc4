"""The analytics' accuracy on the labelled corpus's test split (rules tuned on dev only).

The issue's targets are sentiment >= 85 % (each caller turn, and each call) and
resolution >= 95 %; ``benchmarks/analytics_accuracy.py`` prints the figures per split
and ``docs/benchmarks.md`` records them. The rules do not reach the targets on the
test split yet (written with other phrasings than dev): the targets are a strict xfail,
so the day they pass the test says so, and a floor at the level reached guards against
a rule change that loses ground.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))

from analytics_accuracy import CORPUS, Score, load, score

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="the labelled corpus is not there")


@pytest.fixture(scope="module")
def test_split() -> Score:
    calls = [call for call in load() if call["split"] == "test"]
    assert len(calls) >= 40
    return score(calls)


def test_the_test_split_keeps_the_level_reached(test_split: Score) -> None:
    assert test_split.accuracy("turn_sentiment") >= 0.70
    assert test_split.accuracy("call_sentiment") >= 0.70
    assert test_split.accuracy("resolution") >= 0.85


@pytest.mark.xfail(strict=True, reason="issue 15's targets are not reached on the test split yet")
def test_the_test_split_meets_the_issue_targets(test_split: Score) -> None:
    assert test_split.accuracy("turn_sentiment") >= 0.85
    assert test_split.accuracy("call_sentiment") >= 0.85
    assert test_split.accuracy("resolution") >= 0.95
