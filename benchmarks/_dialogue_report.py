"""What ``bench_dialogue.py`` prints and records: headline numbers, failures, the JSON line.

Why a module of its own: the report reads the results of both modes, and the record
(appended to ``benchmarks/dialogue_runs.jsonl``) says which commit, which uncommitted
files and which machine gave the numbers, so a run can be compared with a later one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from framekit_contact_center.transcript import caller_lines

from _dialogue_runs import Entry, Run

__all__ = ["RESULTS", "record", "report", "summarize"]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "dialogue_runs.jsonl"


def _rate(runs: Sequence[Run | None], ok: Any) -> tuple[int, int]:
    present = [r for r in runs if r is not None]
    return sum(1 for r in present if ok(r)), len(present)


def _share(hits: int, total: int) -> str:
    return f"{hits}/{total} ({hits / total:.0%})" if total else "-"


def _first_turns(entries: list[Entry], served: bool) -> dict[str, tuple[int, int]]:
    """First-turn intent (``understand``) and request (``recognize``) accuracy."""
    runs = [(e.scenario.intent, e.served if served else e.transcript) for e in entries]
    scored = [(intent, run) for intent, run in runs if intent is not None and run is not None]
    return {
        "intent": (sum(1 for i, r in scored if r.first_intent == i), len(scored)),
        "request": (sum(1 for i, r in scored if r.first_request == i), len(scored)),
    }


def summarize(entries: list[Entry], mode: str) -> dict[str, Any]:
    """The headline numbers for the report and the record."""
    text = _first_turns(entries, served=False)
    result: dict[str, Any] = {
        "scenarios": len(entries),
        "transcript_success": _rate([e.transcript for e in entries], lambda r: r.passed),
        "transcript_intent_accuracy": text["intent"],
        "transcript_request_accuracy": text["request"],
    }
    if mode == "served":
        heard = _first_turns(entries, served=True)
        causes: dict[str, int] = {}
        for e in entries:
            if e.served is not None and e.served.cause is not None:
                causes[e.served.cause] = causes.get(e.served.cause, 0) + 1
        wers = [e.served.wer for e in entries if e.served is not None and e.served.wer is not None]
        result.update(
            served_success=_rate([e.served for e in entries], lambda r: r.passed),
            served_intent_accuracy=heard["intent"],
            served_request_accuracy=heard["request"],
            served_failure_causes=causes,
            served_mean_wer=round(sum(wers) / len(wers), 4) if wers else None,
        )
    return result


def report(entries: list[Entry], split: str, mode: str, numbers: dict[str, Any]) -> None:
    print(f"\n== {split}: {numbers['scenarios']} scenarios ({mode})")
    print(f"task success, perfect transcript   {_share(*numbers['transcript_success'])}")
    if mode == "served":
        print(f"task success, served phone calls   {_share(*numbers['served_success'])}")
    print(f"first-turn intent, transcript      {_share(*numbers['transcript_intent_accuracy'])}")
    print(f"first-turn request, transcript     {_share(*numbers['transcript_request_accuracy'])}")
    if mode == "served":
        print(f"first-turn intent, as heard        {_share(*numbers['served_intent_accuracy'])}")
        print(f"first-turn request, as heard       {_share(*numbers['served_request_accuracy'])}")
        if numbers["served_mean_wer"] is not None:
            print(f"caller lines' WER (mean per call)  {numbers['served_mean_wer']:.1%}")
        causes = ", ".join(f"{k} {v}" for k, v in sorted(numbers["served_failure_causes"].items()))
        print(f"served failures by cause           {causes or 'none'}")
    for e in entries:
        if e.transcript is not None:
            _report_text(e.path, e.transcript, e.scenario.intent)
        if e.served is not None and not e.served.passed:
            print(f"\n  served FAIL  {e.path.name}  ({e.served.voice}; cause: {e.served.cause})")
            for check in e.served.failed_checks():
                print(f"    - {check}")
            for said, heard in _lines(e):
                if said != heard:
                    print(f"    said  {said!r}\n    heard {heard!r}")
            for reply in e.served.summary.replies[1:]:  # after the greeting
                print(f"    bot   {reply[:110]!r}")


def _report_text(path: Path, text: Run, wanted: str | None) -> None:
    """A text run that failed, or whose first turn was taken for another request."""
    missed = wanted is not None and (text.first_intent != wanted or text.first_request != wanted)
    if text.passed and not missed:
        return
    print(f"\n  transcript {'pass' if text.passed else 'FAIL'}  {path.name}")
    if missed:
        print(
            f"    first turn: intent {text.first_intent!r}, request {text.first_request!r}, "
            f"expected {wanted!r}"
        )
    for check in text.failed_checks():
        print(f"    - {check}")


def _lines(entry: Entry) -> list[tuple[str, str]]:
    """The caller's lines side by side with what was heard (in order; missing as '')."""
    assert entry.served is not None
    said = caller_lines(entry.scenario.steps)
    heard = entry.served.heard
    width = max(len(said), len(heard))
    return [
        (said[i] if i < len(said) else "", heard[i] if i < len(heard) else "") for i in range(width)
    ]


def _run_json(run: Run | None) -> dict[str, Any] | None:
    if run is None:
        return None
    data: dict[str, Any] = {
        "passed": run.passed,
        "failed_checks": run.failed_checks(),
        "first_intent": run.first_intent,
        "first_request": run.first_request,
        "outcome": run.summary.outcome,
        "tools": [f"{t.name}({t.arguments})" for t in run.summary.tools],
        "seconds": round(run.seconds, 2),
    }
    if run.voice is not None:
        data.update(
            voice=run.voice,
            heard=run.heard,
            wer=None if run.wer is None else round(run.wer, 4),
            cause=run.cause,
            bot_replies=run.summary.replies,
            turn_latencies_s=[round(v, 3) for v in run.summary.turn_latencies or ()],
        )
    return data


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    )
    return done.stdout.strip() or "unknown"


def _uncommitted() -> list[str]:
    """Tracked files changed since the commit (their changes are in the run, not the commit)."""
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return [line[3:] for line in done.stdout.splitlines() if line.strip()]


def _machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
    }


def record(entries: list[Entry], split: str, mode: str, numbers: dict[str, Any]) -> None:
    entry = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "uncommitted": _uncommitted(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "machine": _machine(),
        "split": split,
        "mode": mode,
        **numbers,
        "runs": [
            {
                "file": e.path.name,
                "intent": e.scenario.intent,
                "transcript": _run_json(e.transcript),
                "served": _run_json(e.served),
            }
            for e in entries
        ],
    }
    with RESULTS.open("a") as out:
        out.write(json.dumps(entry) + "\n")
    print(f"\nrecorded in {RESULTS}")
