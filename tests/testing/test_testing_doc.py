"""docs/testing.md: every Python example on the page is a pytest module, and it passes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


def test_every_example_on_the_page_passes(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert len(blocks) >= 5
    for number, code in enumerate(blocks):
        (tmp_path / f"test_example_{number}.py").write_text(code)
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", "/dev/null"]
    options = ["--rootdir", str(tmp_path), "-o", "asyncio_mode=auto"]
    run = subprocess.run(
        [*pytest, *options, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"\b\d+ passed\b", run.stdout), run.stdout
