"""Retention and erasure at scale: N expired calls (each with 6 segments, 1 tool, 3 turn
metrics, an analysis and 2 recording files on disk) deleted by one run, batch by batch.

Usage: python benchmarks/bench_retention.py [--calls 10000] [--database-url URL]
(default: a fresh SQLite file; a PostgreSQL URL should point at an empty schema).
Prints the seconds each phase took and the longest batch (what one transaction holds).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert

from framekit.storage import make_engine, migrate
from framekit.storage.erasure import erase_caller
from framekit.storage.models import (
    Call,
    CallAnalysis,
    ToolInvocation,
    TranscriptSegment,
    TurnMetric,
)
from framekit.storage.retention import RetentionPolicy, apply_retention

NOW = datetime(2026, 12, 7, tzinfo=UTC)
T: dict[str, Any] = {
    str(m.__tablename__): m.__table__  # type: ignore[union-attr]
    for m in (Call, TranscriptSegment, ToolInvocation, TurnMetric, CallAnalysis)
}


def _seed(engine: Any, calls: int, directory: Path) -> None:
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in T}
    for i in range(calls):
        call_id = f"c{i:07d}"
        started = NOW - timedelta(days=400 + i % 100)
        files = {}
        for track in ("caller", "bot"):
            path = directory / f"{call_id}.{track}.wav"
            path.write_bytes(b"RIFF" + bytes(64))
            files[track] = str(path)
        caller = "+15550100" if i % 1000 == 0 else f"+1555{i:07d}"
        rows["calls"].append(
            {
                "id": call_id,
                "caller": caller,
                "direction": "inbound",
                "started_at": started,
                "ended_at": started,
                "recordings": files,
            }
        )
        rows["transcript_segments"] += [
            {
                "call_id": call_id,
                "seq": s,
                "speaker": "user",
                "text": "where is my order",
                "heard": True,
                "truncated": False,
            }
            for s in range(6)
        ]
        rows["tool_invocations"].append(
            {"call_id": call_id, "seq": 0, "name": "lookup", "arguments": {}}
        )
        rows["turn_metrics"] += [
            {"call_id": call_id, "turn_index": t, "latency_s": 0.8, "ttfb": {}} for t in range(3)
        ]
        rows["call_analyses"].append(
            {
                "call_id": call_id,
                "status": "done",
                "attempts": 1,
                "started_at": started,
                "intents": [],
                "details": {},
            }
        )
    with engine.begin() as connection:
        for name, values in rows.items():
            connection.execute(insert(T[name]), values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{directory / 'calls.db'}"
    migrate(url)
    engine = make_engine(url)
    recordings = directory / "recordings"
    recordings.mkdir()
    started = time.perf_counter()
    _seed(engine, args.calls, recordings)
    seeded = time.perf_counter() - started
    print(f"seeded {args.calls} calls in {seeded:.1f} s ({engine.dialect.name})")

    erase_start = time.perf_counter()
    erased = erase_caller(engine, "+15550100")
    erase_took = time.perf_counter() - erase_start
    print(f"erase one caller ({erased.as_dict()['calls']} calls): {erase_took:.2f} s")

    policy = RetentionPolicy(
        recordings_days=30, transcripts_days=30, analytics_days=30, metadata_days=365
    )
    dry_start = time.perf_counter()
    dry = apply_retention(engine, policy, now=NOW, dry_run=True)
    print(f"dry run: {time.perf_counter() - dry_start:.2f} s, {dict(dry.calls)}")
    opened: list[float] = []
    batches: list[float] = []  # each batch is one transaction: begin to commit
    event.listen(engine, "begin", lambda _: opened.append(time.perf_counter()))
    event.listen(engine, "commit", lambda _: batches.append(time.perf_counter() - opened[-1]))
    run_start = time.perf_counter()
    report = apply_retention(engine, policy, now=NOW)
    took = time.perf_counter() - run_start
    print(
        f"retention: {report.calls['metadata']} calls, {sum(report.rows.values())} rows, "
        f"{report.files['deleted']} files in {took:.2f} s "
        f"({report.calls['metadata'] / took:.0f} calls/s); {len(batches)} transactions, "
        f"longest {max(batches) * 1000:.0f} ms"
    )
    again_start = time.perf_counter()
    apply_retention(engine, policy, now=NOW)
    print(f"second run (nothing left): {(time.perf_counter() - again_start) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
