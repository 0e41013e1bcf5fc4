"""docs/stt.md's complete example runs and prints what the page shows."""

from __future__ import annotations

from pathlib import Path

from doc_examples import check_complete_example


def test_the_audio_formats_example_prints_what_the_page_shows(tmp_path: Path) -> None:
    check_complete_example("stt.md", tmp_path)
