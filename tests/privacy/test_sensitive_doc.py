"""docs/privacy.md, Sensitive entry: its example runs and prints what the page says."""

from __future__ import annotations

from pathlib import Path

from doc_examples import check_example


def test_the_sensitive_entry_example_prints_what_the_page_shows(tmp_path: Path) -> None:
    check_example("privacy.md", "## Sensitive entry", tmp_path)
