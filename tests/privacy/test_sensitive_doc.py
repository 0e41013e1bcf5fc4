"""docs/privacy.md, Sensitive entry: its example runs and prints what the page says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"


def test_the_sensitive_entry_example_prints_what_the_page_shows(tmp_path: Path) -> None:
    section = PAGE.read_text().split("## Sensitive entry", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    shown = re.search(r"prints\n\n```text\n(.*?)```", section, re.DOTALL)
    assert code is not None
    assert shown is not None
    script = tmp_path / "example.py"
    script.write_text(code.group(1))
    run = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == shown.group(1).strip()
