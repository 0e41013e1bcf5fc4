"""The redactor's recall and false positives on the PII corpus's test split (tuned on dev only).

Issue 17's targets on the test split: recall >= 99 % for cards and SSNs, >= 95 % for
phones, emails and addresses, false positives on look-alikes <= 1 %.
``benchmarks/privacy_accuracy.py`` prints the figures per split (``docs/benchmarks.md``
records them). The test split has been read twice, each time after tuning on dev
only: first after fitting the corpus's dev lines (SSNs 88.0 %, phones 91.7 %,
addresses 87.5 %, banks 90.0 %, names 41.2 %), then after rules on structure were
tuned on dev and ``dev_extra.jsonl`` (SSNs 92.0 %, phones and addresses 100 %, banks
80.0 %, names 70.6 %). The target still missed (SSNs) is a strict xfail with the
figure measured, so the day it passes the test says so, and floors at the levels
measured guard what is reached.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))

from privacy_accuracy import CORPUS, Score, load, read, report, score

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="the PII corpus is not there")
HELD_OUT = os.environ.get("FRAMEKIT_PII_HELDOUT", "")
"""A held-out file to score against the issue's targets (``heldout2.jsonl``, by the lead, once)."""


@pytest.fixture(scope="module")
def test_split() -> Score:
    rows = load("test")
    assert len(rows) >= 200
    return score(rows)


def test_cards_phones_emails_and_addresses_meet_their_targets_and_look_alikes_stay(
    test_split: Score,
) -> None:
    assert test_split.recall("card") >= 0.99
    assert test_split.recall("phone") >= 0.95
    assert test_split.recall("email") >= 0.95
    assert test_split.recall("address") >= 0.95
    assert test_split.false_positive_rate <= 0.01


def test_the_test_split_keeps_the_level_reached(test_split: Score) -> None:
    assert test_split.recall("ssn") >= 0.92
    assert test_split.recall("bank") >= 0.80
    assert test_split.recall("dob") >= 0.95
    assert test_split.recall("name") >= 0.70


@pytest.mark.xfail(strict=True, reason="measured 92.0 % on the test split (target 99 %)")
def test_ssn_recall_meets_the_target(test_split: Score) -> None:
    assert test_split.recall("ssn") >= 0.99


@pytest.mark.skipif(not HELD_OUT, reason="FRAMEKIT_PII_HELDOUT names no held-out file")
def test_a_held_out_file_meets_the_issue_targets() -> None:
    """``FRAMEKIT_PII_HELDOUT=tests/data/privacy/heldout2.jsonl pytest -s -k held_out``:
    prints recall per kind and false positives per category, then checks the targets."""
    result = score(read(Path(HELD_OUT)))
    report(Path(HELD_OUT).name, result)
    assert {kind: result.recall(kind) >= 0.99 for kind in ("card", "ssn")} == {
        "card": True,
        "ssn": True,
    }
    assert {kind: result.recall(kind) >= 0.95 for kind in ("phone", "email", "address")} == {
        "phone": True,
        "email": True,
        "address": True,
    }
    assert result.false_positive_rate <= 0.01
