"""docs/privacy.md, Retention and erasure: its example runs as written."""

from __future__ import annotations

from pathlib import Path

from doc_examples import check_example


def test_the_retention_example_runs(tmp_path: Path) -> None:
    check_example("privacy.md", "## Retention and erasure", tmp_path, prints=False)
