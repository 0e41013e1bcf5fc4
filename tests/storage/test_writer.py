"""The writer's edges: refused records are kept aside, a live writer's spool is left alone."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from framekit.storage import RecordWriter, get_call, make_engine
from framekit.storage.records import CallOpened, SegmentRecord


def test_a_record_the_database_refuses_is_kept_aside_and_the_rest_written(
    database_url: str, spool_dir: Path
) -> None:
    writer = RecordWriter(database_url, spool_dir=spool_dir).start()
    try:
        writer.submit(CallOpened(call_id="c1", started_at=datetime.now(UTC)))
        writer.submit(SegmentRecord(call_id="c1", seq=1, speaker="user", text="kept"))
        writer.submit(SegmentRecord(call_id="c1", seq=2, speaker="user", text=None))  # type: ignore[arg-type]
        writer.submit(SegmentRecord(call_id="c1", seq=3, speaker="bot", text="also kept"))
        assert writer.flush(10)
        assert writer.stats.rejected == 1
    finally:
        writer.close()
    (rejected,) = spool_dir.glob("rejected-*.jsonl")
    (entry,) = [json.loads(line) for line in rejected.read_text().splitlines()]
    assert entry["record"]["seq"] == 2
    assert entry["error"]
    engine = make_engine(database_url)
    try:
        details = get_call(engine, "c1")
    finally:
        engine.dispose()
    assert details is not None
    assert [s.text for s in details.transcript] == ["kept", "also kept"]


def test_a_live_writers_spool_is_not_taken_by_another(sqlite_url: str, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    down = RecordWriter(
        f"sqlite:///{tmp_path / 'missing' / 'calls.db'}", spool_dir=spool, retry_interval=60
    ).start()
    try:
        down.submit(CallOpened(call_id="c1", started_at=datetime.now(UTC)))
        deadline = time.monotonic() + 10
        while down.spooled_now < 1:  # unreachable: the record goes to its spool
            assert time.monotonic() < deadline, "the record was never spooled"
            time.sleep(0.01)
        healthy = RecordWriter(sqlite_url, spool_dir=spool).start()
        try:
            assert healthy.flush(5)
            assert healthy.stats.replayed == 0
        finally:
            healthy.close()
        assert down.spooled_now == 1
    finally:
        down.close()
    assert [p for p in spool.glob("spool-*.jsonl") if p.stat().st_size] != []
