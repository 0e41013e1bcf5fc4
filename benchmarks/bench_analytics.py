"""Post-call analytics over 10,000 calls: the job's throughput, and ``/api/analytics`` time.

1. ``seed_calls`` writes ``--calls`` finished calls over the last 30 days (the
   dashboard's believable calls: transcripts, tools, turn latencies);
2. an :class:`~framekit.analytics.AnalysisWorker` analyses every one of them (its
   startup sweep, in batches of its queue size): wall time and CPU time per call;
3. :func:`~framekit.storage.aggregates.analytics_summary` (what ``GET /api/analytics``
   runs, minus HTTP) is timed ``--rounds`` times for the default period (30 days by
   day) and for 7 days by hour: p50 and p95 in milliseconds.

SQLite by default (a fresh file); ``--database-url postgresql://...`` runs on PostgreSQL
(use an empty schema: ``?options=-csearch_path=bench``).

Usage::

    .venv/bin/python benchmarks/bench_analytics.py
    .venv/bin/python benchmarks/bench_analytics.py --database-url postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "examples" / "contact_center"))

from framekit_contact_center.seed_calls import seed_calls

from framekit.analytics import AnalysisWorker
from framekit.storage import make_engine
from framekit.storage.aggregates import analytics_summary
from framekit.storage.analyses import unanalysed_calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'calls.db'}"
        now = datetime.now(UTC)
        began = time.perf_counter()
        seeded = seed_calls(url, calls=args.calls, now=now)
        print(
            f"seeded {seeded.calls} calls, {seeded.segments} segments, {seeded.turns} turns "
            f"in {time.perf_counter() - began:.1f} s"
        )
        engine = make_engine(url)
        try:
            _analyse_all(engine, args.calls)
            for label, since, bucket in (
                ("30 days by day", now - timedelta(days=30), "day"),
                ("7 days by hour", now - timedelta(days=7), "hour"),
            ):
                times = []
                for _ in range(args.rounds):
                    start = time.perf_counter()
                    body = analytics_summary(engine, since, now, bucket)  # type: ignore[arg-type]
                    times.append(1000 * (time.perf_counter() - start))
                times.sort()
                print(
                    f"analytics_summary {label} ({body['totals']['calls']} calls): "
                    f"p50 {statistics.median(times):.1f} ms, "
                    f"p95 {times[int(0.95 * len(times)) - 1]:.1f} ms"
                )
        finally:
            engine.dispose()


def _analyse_all(engine: object, calls: int) -> None:
    worker = AnalysisWorker(engine, pause=0.0, sweep_interval=0.5)  # type: ignore[arg-type]
    began, cpu = time.perf_counter(), time.process_time()
    worker.start()
    try:
        while unanalysed_calls(engine, limit=1):  # type: ignore[arg-type]
            time.sleep(0.5)
    finally:
        worker.stop()
    wall, used = time.perf_counter() - began, time.process_time() - cpu
    print(
        f"analysed {worker.stats.analysed} calls in {wall:.1f} s "
        f"({1000 * wall / max(1, calls):.2f} ms a call, database included; "
        f"process CPU {1000 * used / max(1, calls):.2f} ms a call)"
    )


if __name__ == "__main__":
    main()
