"""docs/operations.md, Metrics: the example of using the metrics outside the contact center runs
and prints what the page says."""

from __future__ import annotations

from pathlib import Path

import pytest

from doc_examples import check_example

pytest.importorskip("prometheus_client", reason="needs the 'metrics' extra")


def test_the_example_runs_and_prints_what_the_page_says(tmp_path: Path) -> None:
    check_example("operations.md", "### Using it outside the contact center", tmp_path)
