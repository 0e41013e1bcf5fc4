"""docs/storage.md: its examples run (record, read back, orphans); the install hint is right."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from framekit.storage._deps import INSTALL_HINT, require_db_extra

DOC = Path(__file__).resolve().parents[2] / "docs" / "storage.md"


def _example(heading: str) -> str:
    section = DOC.read_text().split(heading, 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    return code.group(1)


def _run(script: Path) -> subprocess.CompletedProcess[str]:
    """Run a page's example in its own folder; it must succeed."""
    run = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=script.parent,
    )
    assert run.returncode == 0, run.stderr
    return run


def test_the_examples_record_a_call_and_read_it_back(tmp_path: Path) -> None:
    section = DOC.read_text().split("## Recording a call", 1)[1]
    shown = re.search(r"prints `(.*?)`", section)
    assert shown is not None
    script = tmp_path / "example.py"
    script.write_text(_example("## Recording a call"))
    run = _run(script)
    assert run.stdout.strip() == shown.group(1)
    assert (tmp_path / "calls.db").exists()
    assert [p for p in (tmp_path / "framekit-spool").glob("*") if p.stat().st_size] == []
    reading = tmp_path / "reading.py"
    reading.write_text(_example("## Reading the records back"))
    run = _run(reading)
    assert run.stdout.splitlines() == ["1 calls", "[('user', 'My card is [card]')]"]
    orphans = tmp_path / "orphans.py"
    orphans.write_text(_example("## Calls left open by a process that died"))
    run = _run(orphans)
    assert run.stdout.strip() == "[]"


def test_a_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sqlmodel", None)
    with pytest.raises(ImportError, match=re.escape(INSTALL_HINT)):
        require_db_extra()
    assert "pip install 'framekit[db]'" in INSTALL_HINT
