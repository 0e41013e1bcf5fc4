"""Does the post-call job slow live calls? The event loop's 20 ms ticks with and without it.

A live call's audio moves in 20 ms frames on the event loop; anything that holds the
interpreter (the GIL) delays them. This runs a 20 ms ticker on the loop for
``--seconds`` twice in one process: once idle, once while an
:class:`~framekit.analytics.AnalysisWorker` works through a backlog of ``--calls``
stored calls (the worst case: a first start over many old calls; a call that just
ended is one analysis of a few milliseconds). It reports how late the ticks were
(p50, p99, max), and how many calls the worker analysed meanwhile.

Usage::

    .venv/bin/python benchmarks/bench_analytics_loop.py            # ~1 min
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "examples" / "contact_center"))

from framekit_contact_center.seed_calls import seed_calls

from framekit.analytics import AnalysisWorker
from framekit.storage import make_engine

TICK = 0.020


async def _lateness(seconds: float) -> list[float]:
    """How late each 20 ms tick fired, in milliseconds."""
    loop = asyncio.get_running_loop()
    late: list[float] = []
    due = loop.time() + TICK
    end = due + seconds
    while due < end:
        await asyncio.sleep(max(0.0, due - loop.time()))
        late.append(1000 * (loop.time() - due))
        due += TICK
    return late


def _report(label: str, late: list[float]) -> None:
    late.sort()
    pick = lambda q: late[min(len(late) - 1, int(q * len(late)))]  # noqa: E731
    print(
        f"{label}: ticks late p50 {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms, "
        f"max {late[-1]:.2f} ms ({len(late)} ticks)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'calls.db'}"
        seed_calls(url, calls=args.calls, now=datetime.now(UTC))
        engine = make_engine(url)
        try:
            _report("without the job", await _lateness(args.seconds))
            worker = AnalysisWorker(engine, sweep_interval=1.0).start()
            began = time.perf_counter()
            try:
                late = await _lateness(args.seconds)
            finally:
                await asyncio.to_thread(worker.stop)
            _report("with the job   ", late)
            rate = worker.stats.analysed / (time.perf_counter() - began)
            print(f"the job analysed {worker.stats.analysed} calls meanwhile ({rate:.0f} a second)")
        finally:
            engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
