"""The README's custom-bot example runs as printed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_custom_bot_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert blocks, "the README lost its example"
    result = subprocess.run(
        [sys.executable, "-c", blocks[0]], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "You said: where is my order?"


def test_readme_quick_start_names_the_ci_command() -> None:
    ci = (README.parent / ".ci" / "run").read_text()
    assert "exec ./scripts/test" in ci
    assert "./scripts/test" in README.read_text()
    assert "./scripts/demo" in README.read_text()
