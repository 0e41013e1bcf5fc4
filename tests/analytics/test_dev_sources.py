"""The dev data the heads are fitted and cross-validated on: which files, and only dev."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))

from analytics_accuracy import CORPUS, DEV_FILES, dev_files

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="the labelled corpus is not there")


def test_the_thirteen_dev_sources_include_the_spent_blind7() -> None:
    files = dev_files()

    assert len(files) == 13
    assert {"calls_blind6.jsonl", "calls_dev_extra5.jsonl", "calls_blind7.jsonl"} <= set(files)
    assert sum(len(calls) for calls in files.values()) == 1510


def test_no_test_call_and_no_unspent_blind_file_is_dev() -> None:
    """The blind files among the dev files are exactly the spent ones (each scored once):
    calls_blind8 is being written and held out (its name is only compared, never opened)."""
    files = dev_files()
    blind = {path.name for path in DEV_FILES if path.name.startswith("calls_blind")}

    assert all(call["split"] == "dev" for call in files[CORPUS.name])
    assert blind == {f"calls_blind{n}.jsonl" for n in ("", 2, 3, 4, 5, 6, 7)}
    assert "calls_blind8.jsonl" not in blind
