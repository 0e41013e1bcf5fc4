"""``benchmarks/privacy_accuracy.py --file``: a held-out file is scored whole, per kind and
per look-alike category, and none of its lines is printed unless ``--misses`` asks; the
spent ``heldout2.jsonl`` to ``heldout9.jsonl`` are dev.

Run on a tiny file written here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))

import privacy_accuracy

SSN_FOUND = "my social is 523-45-6789"
SSN_MISSED = "the secret word is banana"
PRICE_KEPT = "it costs $49.95"
ORDER_TOUCHED = "order placed, call me on 212 555 0199"
LINES: list[dict[str, Any]] = [
    {"id": "h1", "split": "test", "source": "text", "text": SSN_FOUND,
     "spans": [{"start": 13, "end": 24, "kind": "ssn"}], "note": "ssn"},
    {"id": "h2", "split": "dev", "source": "speech", "text": SSN_MISSED,
     "spans": [{"start": 19, "end": 25, "kind": "ssn"}], "note": "ssn"},
    {"id": "h3", "split": "test", "source": "text", "text": PRICE_KEPT, "spans": [],
     "note": "price"},
    {"id": "h4", "split": "test", "source": "text", "text": ORDER_TOUCHED, "spans": [],
     "note": "order"},
]  # fmt: skip


@pytest.fixture
def held_out(tmp_path: Path) -> Path:
    path = tmp_path / "held.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES))
    return path


def _printed(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    privacy_accuracy.main(argv)
    return capsys.readouterr().out


def test_a_file_is_scored_whole_per_kind_and_category_without_its_lines(
    held_out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _printed(capsys, ["--file", str(held_out)])
    assert out.startswith("held.jsonl:\n")
    assert "recall ssn       50.0 %  (1/2)" in out  # both splits' lines count
    assert "false positives on look-alikes 50.0 % (1/2: {'order': 1})" in out
    assert "per category: order 1/1, price 0/1" in out
    assert "dev:" not in out  # the corpus's splits are not scored
    assert "test:" not in out
    for line in LINES:
        assert line["text"] not in out
        assert line["id"] not in out


def test_misses_lists_a_file_s_misses_and_false_positives(
    held_out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _printed(capsys, ["--file", str(held_out), "--misses"])
    assert f"MISS h2 ssn: 'banana' in {SSN_MISSED!r}" in out
    assert f"FP h4 order: {ORDER_TOUCHED!r}" in out
    assert SSN_FOUND not in out
    assert PRICE_KEPT not in out


def test_the_dev_figures_count_the_spent_held_out_files() -> None:
    spent = {f"heldout{n}.jsonl" for n in range(2, 10)} | {"dev_extra5.jsonl"}
    assert spent <= {path.name for path in privacy_accuracy.EXTRAS}
    assert all(path.parent == privacy_accuracy.DATA for path in privacy_accuracy.EXTRAS)


def test_a_spent_held_out_file_s_lines_count_as_dev_and_alone_with_sources(
    held_out: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(privacy_accuracy, "EXTRAS", (held_out,))
    dev = privacy_accuracy.load("dev")
    assert {row["id"] for row in dev} >= {line["id"] for line in LINES}
    assert not {row["id"] for row in privacy_accuracy.load("test")} & {"h1", "h3", "h4"}
    out = _printed(capsys, ["--sources"])
    assert "utterances.jsonl dev:\n" in out
    assert "held.jsonl:\n  recall ssn       50.0 %  (1/2)" in out
    assert "test:" not in out


def test_the_accuracy_test_checks_a_held_out_file_named_by_the_environment(
    held_out: Path,
) -> None:
    """Only the held-out test is selected: the corpus's test split is not scored."""
    accuracy = Path(__file__).with_name("test_accuracy.py")
    env = {**os.environ, "FRAMEKIT_PII_HELDOUT": str(held_out)}
    command = [sys.executable, "-m", "pytest", str(accuracy), "-q", "-s", "-k", "held_out", "-p"]
    run = subprocess.run(
        [*command, "no:cacheprovider"], env=env, capture_output=True, text=True, check=False
    )
    assert run.returncode == 1, run.stdout  # 50 % of SSNs is under the target
    assert "recall ssn       50.0 %  (1/2)" in run.stdout
    assert "1 failed, 2 deselected" in run.stdout
