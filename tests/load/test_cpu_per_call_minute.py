"""The CPU-per-call-minute benchmark's accounting, without a server.

The model tier's figure is the CPU of a process tree (``framekit models serve`` and the
Ray processes below it), read from ``/proc``: a busy child must count, and the call-minutes
and turns come from the samples' active calls.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))

import bench_cpu_per_call_minute as bench

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


_BUSY = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass"
_PARENT = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {_BUSY!r}])"


def test_a_process_tree_counts_the_cpu_of_its_children() -> None:
    parent = subprocess.Popen([sys.executable, "-c", _PARENT])
    try:
        time.sleep(0.3)
        deadline = time.monotonic() + 20
        seen = 0.0
        while parent.poll() is None and time.monotonic() < deadline:
            seen = max(seen, bench._tree_cpu(parent.pid))
            time.sleep(0.05)
    finally:
        parent.wait(timeout=30)
    assert seen >= 0.3  # the busy grandchild's CPU, not only the idle parent's


def test_the_report_gives_the_tiers_cpu_per_call_minute_and_per_turn(tmp_path: Path) -> None:
    watcher = bench._Watcher(pid=0, host="http://127.0.0.1:9", tier_pid=1)
    watcher.samples = [
        bench.Sample(0.0, 2.0, 0.0, {1: 0.0}, tier=10.0),
        bench.Sample(30.0, 2.0, 4.0, {1: 3.0}, tier=16.0),
        bench.Sample(60.0, 2.0, 8.0, {1: 6.0}, tier=22.0),
    ]
    report = bench._report(watcher, tmp_path / "none.csv", ("0", "0"), 120.0, 0.0)
    assert report["call_minutes"] == pytest.approx(2.0)
    assert report["cpu_s_per_call_minute"] == pytest.approx(3.0)
    assert report["cpu_s_per_turn"] == pytest.approx(0.75)
    assert report["tier"]["per_call_minute"] == pytest.approx(6.0)
    assert report["tier"]["per_turn"] == pytest.approx(1.5)
