"""The dev data the heads are fitted and cross-validated on: which files, and only dev."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))

from analytics_accuracy import CORPUS, DEV_FILES, dev_files

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="the labelled corpus is not there")


def test_the_twelve_dev_sources_include_the_spent_blind6_and_dev_extra5() -> None:
    files = dev_files()

    assert len(files) == 12
    assert {"calls_blind6.jsonl", "calls_dev_extra5.jsonl"} <= set(files)
    assert sum(len(calls) for calls in files.values()) == 1410


def test_no_test_call_and_no_unspent_blind_file_is_dev() -> None:
    files = dev_files()

    assert all(call["split"] == "dev" for call in files[CORPUS.name])
    assert "calls_blind7.jsonl" not in {path.name for path in DEV_FILES}
