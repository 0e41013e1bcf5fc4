"""One framework, one suite, one fresh interpreter: the unit the driver runs.

Running each framework (and each concurrency level) in its own process keeps
imports, allocator state and leftover tasks from one measurement out of the next.

Usage (normally called by ``run.py``)::

    python benchmarks/core/_child.py --framework pipecat-lean --suite calls --k 500 --out x.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from typing import Any

import psutil  # type: ignore[import-untyped]
from _workload import Framework, run_calls, run_chains, run_startup


def _quiet_logs() -> None:
    """Both frameworks log through loguru; keep the default DEBUG sink out of the timing."""
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="WARNING")


def _framework(name: str) -> Framework:
    if name == "framekit":
        from _framekit_adapter import FramekitFramework

        return FramekitFramework()
    if name.startswith("pipecat-"):
        from _pipecat_adapter import PipecatFramework

        return PipecatFramework(name.removeprefix("pipecat-"))
    if name == "harness-only":
        from _null_adapter import NullFramework

        return NullFramework()
    raise SystemExit(f"unknown framework {name!r}")


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


def _busy() -> float:
    """Busy CPU seconds of the whole machine, every process and core together.

    Hypervisor steal counts as busy (another tenant had the core); guest time is
    already inside user time on Linux, so it is not added twice.
    """
    t = psutil.cpu_times()
    skip = ("idle", "iowait", "guest", "guest_nice")
    return float(sum(v for k, v in t._asdict().items() if k not in skip))


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    fw = _framework(args.framework)
    out: dict[str, Any] = {"framework": fw.name, "suite": args.suite}
    if args.suite == "micro":
        out["chains"] = await run_chains(
            fw, (1, 5, 10), flood=args.flood, pingpong=args.pingpong, repeats=args.repeats
        )
        out["startup"] = await run_startup(fw, n_pass=3, repeats=args.startup_repeats)
    else:
        out["calls"] = await run_calls(
            fw,
            k=args.k,
            n_pass=3,
            warmup_s=args.warmup,
            measure_s=args.measure,
            grace_s=args.grace,
            rss=_rss,
            busy=_busy,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--framework", required=True)
    parser.add_argument("--suite", choices=("micro", "calls"), required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--measure", type=float, default=10.0)
    parser.add_argument("--grace", type=float, default=2.0)
    parser.add_argument("--flood", type=int, default=5000)
    parser.add_argument("--pingpong", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--startup-repeats", type=int, default=30)
    args = parser.parse_args()

    _quiet_logs()
    load_before = os.getloadavg()
    t0, cpu0, busy0 = time.perf_counter(), time.process_time(), _busy()
    result = asyncio.run(_main(args))
    wall, cpu, busy = time.perf_counter() - t0, time.process_time() - cpu0, _busy() - busy0
    result["wall_s"] = round(wall, 2)
    result["others_cpu_pct"] = round(100 * (busy - cpu) / wall, 1)
    result["loadavg_before"] = [round(x, 2) for x in load_before]
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    result["python"] = platform.python_version()
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    # Skip interpreter teardown of whatever a framework left behind: it is not measured.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
