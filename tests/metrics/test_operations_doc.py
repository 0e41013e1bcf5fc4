"""docs/operations.md, Metrics: the example of using the metrics outside the contact center runs
and prints what the page says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("prometheus_client", reason="needs the 'metrics' extra")

PAGE = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_the_example_runs_and_prints_what_the_page_says(tmp_path: Path) -> None:
    section = PAGE.read_text().split("### Using it outside the contact center", 1)[1]
    section = section.split("\n## ", 1)[0]  # this part's, not the next part's example
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    shown = re.search(r"prints\n\n```text\n(.*?)```", section, re.DOTALL)
    assert code is not None
    assert shown is not None
    script = tmp_path / "example.py"
    script.write_text(code.group(1))
    run = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == shown.group(1).strip()
