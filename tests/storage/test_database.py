"""Schema, writer and queries on a real database: SQLite always, PostgreSQL when configured."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from framekit.frames import FunctionCallResultFrame
from framekit.storage import (
    RecordWriter,
    get_call,
    list_calls,
    make_engine,
    migrate,
)
from framekit.storage._apply import apply_records
from framekit.storage.records import CallClosed, CallOpened, SegmentRecord

from ._call import simulated_call

TABLES = {"calls", "transcript_segments", "tool_invocations", "turn_metrics", "alembic_version"}


def test_migrate_creates_the_schema_and_is_safe_to_run_again(database_url: str) -> None:
    migrate(database_url)  # the fixture migrated once already
    engine = make_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert [v for (v,) in versions] == ["0007"]
    finally:
        engine.dispose()


async def test_a_recorded_call_reads_back_whole(database_url: str, spool_dir: Path) -> None:
    writer = RecordWriter(database_url, spool_dir=spool_dir).start()
    try:
        async with simulated_call(writer.submit, caller="+15550100", external_id="CA123") as call:
            await call.bot_says(["Hello, this is Acme."])
            await call.user_says("Where is order A17?")
            await call.tool_ran(
                FunctionCallResultFrame(
                    call_id="t1",
                    function_name="order_status",
                    arguments={"order": "A17"},
                    result={"status": "shipped"},
                )
            )
            await call.bot_says(["It shipped.", "It arrives Monday."], heard=1.05)
            await call.user_says("Thanks")
            call.recorder.add_recording("mixed", "recordings/call.wav")
        assert await asyncio.to_thread(writer.flush, 10)
    finally:
        writer.close()
    engine = make_engine(database_url)
    try:
        details = get_call(engine, call.recorder.call_id)
    finally:
        engine.dispose()
    assert details is not None
    assert details.call.caller == "+15550100"
    assert details.call.external_id == "CA123"
    assert details.call.outcome == "resolved"  # order_status answered
    assert details.call.recordings == {"mixed": "recordings/call.wav"}
    assert details.call.started_at.tzinfo is not None
    assert details.call.ended_at is not None
    assert details.call.ended_at > details.call.started_at
    said = [(s.seq, s.speaker, s.text, s.truncated) for s in details.transcript]
    assert said == [
        (1, "bot", "Hello, this is Acme.", False),
        (2, "user", "Where is order A17?", False),
        (3, "bot", "It shipped.", True),
        (4, "user", "Thanks", False),
    ]
    assert details.transcript[2].planned_text == "It shipped. It arrives Monday."
    assert [(t.name, t.arguments, t.result) for t in details.tools] == [
        ("order_status", {"order": "A17"}, {"status": "shipped"})
    ]
    assert [t.turn_index for t in details.turns] == [1]
    assert details.turns[0].latency_s == pytest.approx(0.2)


def test_applying_the_same_records_twice_writes_them_once(database_url: str) -> None:
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    records = [
        CallOpened(call_id="c1", started_at=start),
        SegmentRecord(call_id="c1", seq=1, speaker="user", text="hello"),
        SegmentRecord(call_id="c1", seq=2, speaker="bot", text="hi"),
        CallClosed(call_id="c1", ended_at=start + timedelta(minutes=1), outcome="completed"),
    ]
    engine = make_engine(database_url)
    try:
        for _ in range(2):
            with engine.connect() as connection:
                apply_records(connection, records)
        details = get_call(engine, "c1")
    finally:
        engine.dispose()
    assert details is not None
    assert [s.text for s in details.transcript] == ["hello", "hi"]
    assert details.call.outcome == "completed"


def test_list_calls_filters_by_date_and_outcome_and_pages(database_url: str) -> None:
    base = datetime(2026, 3, 1, tzinfo=UTC)
    records = []
    for day in range(6):
        call_id = f"call-{day}"
        started = base + timedelta(days=day)
        records.append(CallOpened(call_id=call_id, started_at=started))
        outcome = "transferred" if day % 3 == 0 else "completed"
        records.append(CallClosed(call_id=call_id, ended_at=started, outcome=outcome))
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            apply_records(connection, records)
        everything = list_calls(engine)
        window = list_calls(
            engine, started_from=base + timedelta(days=1), started_before=base + timedelta(days=4)
        )
        transferred = list_calls(engine, outcome="transferred")
        first = list_calls(engine, limit=4)
        second = list_calls(engine, limit=4, offset=4)
        assert get_call(engine, "no-such-call") is None
        with pytest.raises(ValueError, match="limit"):
            list_calls(engine, limit=0)
    finally:
        engine.dispose()
    assert [c.id for c in everything.calls] == [f"call-{d}" for d in range(5, -1, -1)]
    assert [c.id for c in window.calls] == ["call-3", "call-2", "call-1"]
    assert window.total == 3
    assert [c.id for c in transferred.calls] == ["call-3", "call-0"]
    assert (first.total, len(first.calls), len(second.calls)) == (6, 4, 2)
    assert {c.id for c in first.calls}.isdisjoint({c.id for c in second.calls})
