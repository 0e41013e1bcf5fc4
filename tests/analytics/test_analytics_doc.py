"""docs/analytics.md: its complete example runs and prints what the page says."""

from __future__ import annotations

from pathlib import Path

from doc_examples import check_complete_example


def test_the_complete_example_prints_what_the_page_shows(tmp_path: Path) -> None:
    check_complete_example("analytics.md", tmp_path)
