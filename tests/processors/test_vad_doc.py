"""docs/vad.md's complete example (a detector of one's own) runs and prints what the page shows."""

from __future__ import annotations

from pathlib import Path

from doc_examples import check_complete_example


def test_a_detector_of_ones_own_prints_what_the_page_shows(tmp_path: Path) -> None:
    check_complete_example("vad.md", tmp_path)
