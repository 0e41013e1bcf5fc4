"""Run a docs page's example in a fresh interpreter and compare what it prints with the page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def check_example(page: str, heading: str, workdir: Path, *, prints: bool = True) -> None:
    """The first Python block under ``heading`` (a whole line, such as ``"## Child pipelines"``)
    of ``docs/{page}``, up to the next ``## `` part, runs in a fresh interpreter in
    ``workdir``; with ``prints``, its output is exactly the ``text`` block after "prints"."""
    text = (DOCS / page).read_text()
    assert f"\n{heading}\n" in text, f"{page}: no {heading!r}"
    section = text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None, f"{page}: no Python block under {heading!r}"
    script = workdir / "example.py"
    script.write_text(code.group(1))
    run = subprocess.run(
        [sys.executable, str(script)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    if prints:
        shown = re.search(r"prints\n\n```text\n(.*?)```", section, re.DOTALL)
        assert shown is not None, f"{page}: no 'prints' text block under {heading!r}"
        assert run.stdout.strip() == shown.group(1).strip()


def check_complete_example(page: str, workdir: Path) -> None:
    """``docs/{page}``'s "A complete example" (a part or a subpart) runs and prints what the
    page shows."""
    part = "## A complete example"
    heading = part if f"\n{part}\n" in (DOCS / page).read_text() else "#" + part
    check_example(page, heading, workdir)
