"""docs/privacy.md, Redaction: its example runs as written (`ruff format --check` keeps
the docs' Python blocks formatted)."""

from __future__ import annotations

from pathlib import Path

from doc_examples import check_example


def test_the_redaction_example_runs(tmp_path: Path) -> None:
    check_example("privacy.md", "## Redaction", tmp_path, prints=False)
