"""docs/privacy.md, Encryption at rest: its example runs as written."""

from __future__ import annotations

from pathlib import Path

from doc_examples import check_example


def test_the_encryption_example_runs(tmp_path: Path) -> None:
    check_example("privacy.md", "## Encryption at rest", tmp_path, prints=False)
