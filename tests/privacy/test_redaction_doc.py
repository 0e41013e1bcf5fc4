"""docs/privacy.md, Redaction: its example runs as written and is formatted."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"


def test_the_redaction_example_runs(tmp_path: Path) -> None:
    section = PAGE.read_text().split("\n## Redaction\n", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    script = tmp_path / "example.py"
    script.write_text(code.group(1))
    run = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--diff", str(script)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert formatted.returncode == 0, formatted.stdout
