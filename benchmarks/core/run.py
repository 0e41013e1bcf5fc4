"""Core framework benchmark: framekit vs pipecat-ai, side by side, in one command.

Every measurement runs in a fresh subprocess per framework (and per concurrency
level), one after the other on the same machine, so imports and memory never mix
and both frameworks see the same load. Results go to ``benchmarks/results/``
(one JSON per framework plus the markdown table this prints).

Usage::

    .venv/bin/python benchmarks/core/run.py            # full run, about 5 minutes
    .venv/bin/python benchmarks/core/run.py --quick    # smoke run, under a minute
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FRAMEWORKS = (
    "framekit",
    "pipecat-default",
    "pipecat-lean",
    "pipecat-direct",
    "harness-only",
)
IMPORTS = {
    "framekit": "import framekit.frames, framekit.processors, framekit.pipeline",
    "pipecat": (
        "import pipecat.frames.frames, pipecat.processors.frame_processor, "
        "pipecat.pipeline.pipeline, pipecat.pipeline.worker, pipecat.workers.runner"
    ),
}


def _run_child(fw: str, suite: str, out: Path, extra: list[str], timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE / "_child.py"), "--framework", fw, "--suite", suite]
    cmd += ["--out", str(out), *extra]
    print(f"  {fw:16s} {suite} {' '.join(extra)}", end="", flush=True)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        print(" -> TIMEOUT", flush=True)
        return {"error": f"timed out after {timeout:.0f} s"}
    print(f" -> {time.perf_counter() - t0:.1f} s", flush=True)
    if proc.returncode != 0 or not out.exists():
        tail = (proc.stderr or proc.stdout)[-2000:]
        print(tail, file=sys.stderr)
        return {"error": f"exit {proc.returncode}: {tail[-300:]}"}
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def _import_times(frameworks: list[str], runs: int) -> dict[str, dict[str, float]]:
    """Wall time of a fresh interpreter importing the pipeline modules, minus a bare one."""
    stmts = {"baseline": "pass"}
    for fw in frameworks:
        key = fw.split("-")[0]
        if key in IMPORTS:
            stmts[key] = IMPORTS[key]
    samples: dict[str, list[float]] = {k: [] for k in stmts}
    for i in range(runs + 1):  # the first round warms the bytecode caches
        for key, stmt in stmts.items():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", stmt], check=True, cwd=ROOT, capture_output=True)
            if i:
                samples[key].append(time.perf_counter() - t0)
    base = statistics.median(samples.pop("baseline"))
    return {
        k: {
            "median_ms": round(1000 * (statistics.median(v) - base), 1),
            "min_ms": round(1000 * (min(v) - base), 1),
            "interpreter_ms": round(1000 * base, 1),
        }
        for k, v in samples.items()
    }


def _fmt(x: Any) -> str:
    if isinstance(x, bool):
        return "yes" if x else "no"
    if x is None:
        return "-"
    if isinstance(x, float) and math.isnan(x):
        return "n/a"
    if isinstance(x, float):
        return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
    return str(x)


def _ratio(a: Any, b: Any) -> str:
    if isinstance(a, bool) or not isinstance(a, int | float) or not isinstance(b, int | float):
        return ""
    if b == 0 or math.isnan(a) or math.isnan(b):
        return "n/a"
    return f"{a / b:.2g}x"


Row = tuple[str, dict[str, Any], bool]
"""Label, value per framework, and whether a framekit/pipecat ratio means anything."""

_CALL_METRICS = (
    ("cpu_pct", "CPU %", True),
    ("others_cpu_pct", "other processes' CPU %", False),
    ("rss_per_call_kib", "RSS/call KiB", True),
    ("tasks_per_call", "tasks/call", True),
    ("lateness_p50_ms", "lateness p50 ms", True),
    ("lateness_p99_ms", "lateness p99 ms", True),
    ("undelivered_in_window", "frames not delivered", False),
    ("fell_behind_after_s", "fell 1 s behind after s", False),
    ("kept_real_time", "kept real time", False),
    ("startup_all_s", "start all calls s", True),
)


def _rows(results: dict[str, dict[str, Any]], ks: list[int]) -> list[Row]:
    def get(fw: str, *path: str) -> Any:
        node: Any = results.get(fw, {})
        for p in path:
            if not isinstance(node, dict) or p not in node:
                return None
            node = node[p]
        return node

    def row(label: str, *path: str, ratio: bool = True) -> Row:
        return (label, {fw: get(fw, *path) for fw in results}, ratio)

    rows: list[Row] = []
    for n in ("1", "5", "10"):
        rows.append(row(f"(a) chain of {n}: frames/s", "chains", n, "frames_per_s"))
        rows.append(row(f"(a) chain of {n}: p50 ms", "chains", n, "p50_ms"))
        rows.append(row(f"(a) chain of {n}: p99 ms", "chains", n, "p99_ms"))
    for k in ks:
        for key, label, ratio in _CALL_METRICS:
            rows.append(row(f"(b) K={k}: {label}", "calls", str(k), key, ratio=ratio))
    rows.append(row("(a)+(c) other processes' CPU %", "others_cpu_pct", ratio=False))
    rows.append(row("(c) start one task: median ms", "startup", "start_median_ms"))
    rows.append(row("(c) end one task: median ms", "startup", "end_median_ms"))
    rows.append(row("(d) import: median ms", "import", "median_ms"))
    return rows


def _table(results: dict[str, dict[str, Any]], ks: list[int]) -> str:
    fws = list(results)
    others = [fw for fw in fws if fw.startswith("pipecat")] if "framekit" in fws else []
    head = ["Metric", *fws, *(f"framekit / {fw.removeprefix('pipecat-')}" for fw in others)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, vals, ratio in _rows(results, ks):
        if all(v is None for v in vals.values()):
            continue
        cells = [label, *(_fmt(vals[fw]) for fw in fws)]
        cells += [_ratio(vals["framekit"], vals[fw]) if ratio else "" for fw in others]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--ks", default="100,500,1000")
    parser.add_argument("--measure", type=float, default=10.0, help="steady-state seconds per K")
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument(
        "--only-calls", action="store_true", help="run suite (b) alone: no chains, start-up, import"
    )
    parser.add_argument("--out-dir", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args()

    frameworks = [f for f in args.frameworks.split(",") if f]
    ks = [int(k) for k in args.ks.split(",") if k]
    micro_extra: list[str] = []
    measure = args.measure
    import_runs = 7
    if args.quick:
        micro_extra = [
            "--flood",
            "1000",
            "--pingpong",
            "200",
            "--repeats",
            "1",
            "--startup-repeats",
            "5",
        ]
        measure, import_runs = 2.0, 2
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    meta: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    results: dict[str, dict[str, Any]] = {fw: {"framework": fw, "calls": {}} for fw in frameworks}
    if not args.only_calls:
        print("micro: chains (a) and start-up (c)", flush=True)
    for fw in frameworks if not args.only_calls else []:
        r = _run_child(fw, "micro", out_dir / f".core-{fw}-micro.json", micro_extra, 240)
        results[fw].update({k: v for k, v in r.items() if k != "framework"})
        results[fw]["micro_loadavg_before"] = r.get("loadavg_before")
    for k in ks:
        print(f"concurrent calls (b), K={k}", flush=True)
        for fw in frameworks:
            extra = ["--k", str(k), "--measure", str(measure)]
            r = _run_child(fw, "calls", out_dir / f".core-{fw}-calls-{k}.json", extra, 180)
            results[fw]["calls"][str(k)] = r.get("calls", r) | {
                "loadavg_before": r.get("loadavg_before")
            }
    if not args.only_calls:
        print("import time (d)", flush=True)
    imports = _import_times(frameworks, import_runs) if not args.only_calls else {}
    for fw in frameworks:
        if fw.split("-")[0] in imports:
            results[fw]["import"] = imports[fw.split("-")[0]]
    meta["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    meta["total_s"] = round(time.perf_counter() - started, 1)

    for fw, r in results.items():
        (out_dir / f"core-{fw}.json").write_text(json.dumps(r | {"meta": meta}, indent=2))
    table = _table(results, ks)
    (out_dir / "core-table.md").write_text(table + "\n")
    print()
    print(table)
    print()
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
