"""The redactor's recall and false positives on the PII corpus's test split (tuned on dev only).

Issue 17's targets on the test split: recall >= 99 % for cards and SSNs, >= 95 % for
phones, emails and addresses, false positives on look-alikes <= 1 %.
``benchmarks/privacy_accuracy.py`` prints the figures per split (``docs/benchmarks.md``
records them). The test split has been read three times, each time after tuning on dev
only: first after fitting the corpus's dev lines (SSNs 88.0 %, phones 91.7 %,
addresses 87.5 %, banks 90.0 %, names 41.2 %), then after rules on structure tuned on
dev and ``dev_extra.jsonl`` (SSNs 92.0 %, phones and addresses 100 %, banks 80.0 %,
names 70.6 %), then after labels, corrections and pieces tuned on ``dev_extra2.jsonl``
too (SSNs 100 %, banks 90.0 %, names 70.6 %, the rest 100 %, look-alikes 0.9 %). An
accidental run of this file in the middle of that last tuning showed one thing only:
the card target failed then (amount words had started to hide Luhn cards). The floors
are the levels measured at the third reading; two later readings, each once after a
round on dev (2026-12-07 14:25 and 15:10 UTC), kept every kind at 100 % but names
(70.6 %) and moved banks to 100 % and look-alikes to 0/106. The split is no longer
blind: the held-out measures were ``heldout2.jsonl`` to ``heldout5.jsonl``, each scored
once by the lead and dev since; the next one is a new file, scored through
``FRAMEKIT_PII_HELDOUT`` (below).
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
"""A new held-out file to score against the issue's targets (by the lead, once)."""


@pytest.fixture(scope="module")
def test_split() -> Score:
    rows = load("test")
    assert len(rows) >= 200
    return score(rows)


def test_cards_ssns_phones_emails_and_addresses_meet_their_targets_and_look_alikes_stay(
    test_split: Score,
) -> None:
    assert test_split.recall("card") >= 0.99
    assert test_split.recall("ssn") >= 0.99
    assert test_split.recall("phone") >= 0.95
    assert test_split.recall("email") >= 0.95
    assert test_split.recall("address") >= 0.95
    assert test_split.false_positive_rate <= 0.01


def test_the_test_split_keeps_the_level_reached(test_split: Score) -> None:
    assert test_split.recall("bank") >= 0.90
    assert test_split.recall("dob") >= 0.95
    assert test_split.recall("name") >= 0.70


@pytest.mark.skipif(not HELD_OUT, reason="FRAMEKIT_PII_HELDOUT names no held-out file")
def test_a_held_out_file_meets_the_issue_targets() -> None:
    """``FRAMEKIT_PII_HELDOUT=tests/data/privacy/heldout3.jsonl pytest -s -k held_out``:
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
