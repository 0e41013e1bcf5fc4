"""docs/privacy.md, Placeholders for cloud LLMs: its example runs and prints what the page says."""

from __future__ import annotations

from pathlib import Path

from doc_examples import check_example


def test_the_placeholders_example_prints_what_the_page_says(tmp_path: Path) -> None:
    check_example("privacy.md", "## Placeholders for cloud LLMs", tmp_path)
