"""Run a docs page's "A complete example" and compare what it prints with the page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def check_complete_example(page: str, workdir: Path) -> None:
    """The first Python block under ``## A complete example`` of ``docs/{page}`` runs in a
    fresh interpreter and prints exactly the ``text`` block after "prints"."""
    section = (DOCS / page).read_text().split("## A complete example", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    shown = re.search(r"prints\n\n```text\n(.*?)```", section, re.DOTALL)
    assert code is not None, f"{page}: no Python block in 'A complete example'"
    assert shown is not None, f"{page}: no 'prints' text block in 'A complete example'"
    script = workdir / "example.py"
    script.write_text(code.group(1))
    run = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == shown.group(1).strip()
