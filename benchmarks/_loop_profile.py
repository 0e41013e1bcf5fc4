"""Where a served call node's event loop spends its time: a py-spy sample, summarized.

Why: CPU-seconds per call-minute says how much, not where. ``bench_cpu_per_call_minute.py
--profile S`` records the server for ``S`` seconds from the start of its measuring window
(``py-spy record``, 100 samples a second, the call node's process only) and reports the
shares of the event loop's busy samples: its stacks are the ones rooted in the process's
``<module>``, and a sample waiting in the selector (``select``/``epoll``) is idle, not
busy. Each busy sample is charged to the deepest frame of framekit's own code (the
processors' plumbing in ``processors/base.py`` and ``queued.py`` and asyncio excluded),
and to the first stage in :data:`STAGES` whose pattern its stack matches.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

__all__ = ["STAGES", "record", "summarize"]

STAGES: tuple[tuple[str, str], ...] = (
    ("socket writes (bot audio, marks)", r"AiohttpMediaSocket\.send"),
    (
        "caller audio conversion (mu-law 8 kHz -> pipeline rate)",
        r"InputTransport\.feed_audio \([^;]*\);AudioConverter\.convert",
    ),
    (
        "VAD (windows, envelope, gate, model hand-off)",
        r"VADProcessor\._on_audio \([^;]*\)(;(?!FrameProcessor\.push_frame)[^;]*)*$",
    ),
    ("Twilio message parsing", r"parse_message"),
    ("caller frames through the other stages", r"InputTransport\._push_chunks"),
    ("bot audio out (pacing, conversion, marks)", r"OutputTransport|TwilioOutput"),
    ("WebSocket reads", r"AiohttpMediaSocket\.receive|_read_ready|data_received"),
)
"""Stage name and a regular expression over the stack (frames joined by ``;``)."""

_IDLE = re.compile(r"(select|poll) \(selectors\.py:\d+\)$")
_PLUMBING = re.compile(r"processors/(base|queued)\.py|\(asyncio/")
_OWN = re.compile(r"\((framekit|framekit_contact_center)/")
_LINE = re.compile(r":\d+\)$")


def record(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    """Start ``py-spy record`` of ``pid`` for ``seconds`` into ``out`` (raw stacks)."""
    beside = Path(sys.executable).with_name("py-spy")  # the venv's, when not on PATH
    command = [str(beside) if beside.exists() else "py-spy", "record", "--pid", str(pid)]
    command += ["--duration", str(round(seconds)), "--rate", "100", "--format", "raw"]
    # Blocking (py-spy's default): a non-blocking sampler dropped most of a run's samples.
    command += ["--output", str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stacks(raw: Path) -> list[tuple[list[str], int]]:
    """The event loop's stacks (root first) and their sample counts."""
    found = []
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack.startswith("<module>") and count.isdigit():
            found.append((stack.split(";"), int(count)))
    return found


def summarize(raw: Path, top: int = 15) -> dict[str, Any]:
    """The event loop's busy share by stage and by framekit function, from ``raw``."""
    busy = idle = 0
    stages: Counter[str] = Counter()
    owners: Counter[str] = Counter()
    for frames, count in _stacks(raw):
        if _IDLE.search(frames[-1]):
            idle += count
            continue
        busy += count
        joined = ";".join(_LINE.sub(")", f) for f in frames)
        stage = next((name for name, p in STAGES if re.search(p, joined)), "other")
        stages[stage] += count
        own = next(
            (f for f in reversed(frames) if _OWN.search(f) and not _PLUMBING.search(f)), "other"
        )
        owners[_LINE.sub(")", own)] += count
    share = (lambda n: n / busy) if busy else (lambda n: 0.0)
    return {
        "busy_samples": busy,
        "idle_samples": idle,
        "stages": {name: share(n) for name, n in stages.most_common()},
        "functions": {name: share(n) for name, n in owners.most_common(top)},
    }


def print_summary(summary: dict[str, Any]) -> None:
    """The summary as the benchmark prints it."""
    busy, idle = summary["busy_samples"], summary["idle_samples"]
    print(f"event loop profile: {busy} busy samples, {idle} idle (waiting in the selector)")
    for name, share in summary["stages"].items():
        print(f"  {100 * share:5.1f} %  {name}")
    print("  deepest framekit function:")
    for name, share in summary["functions"].items():
        print(f"  {100 * share:5.1f} %    {name}")
