"""The must-hold: the database down during a call loses no transcript segment.

Real outages, not mocks: the SQLite file's directory disappears (renamed away,
so opening the database fails) and comes back; PostgreSQL refuses the database
(``ALLOW_CONNECTIONS false`` and every backend terminated) and then allows it
again. ``FRAMEKIT_OUTAGE_SECONDS`` sets how long the outage lasts (2 s by
default; docs/storage.md gives the result of a 30 s run). A crashed process's
spool is replayed by the next writer.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from framekit.clock import SystemClock
from framekit.storage import RecordWriter, TranscriptSegment, get_call, make_engine, migrate
from framekit.storage.records import SegmentRecord

from ._call import SimulatedCall, simulated_call
from .conftest import PG_ENV, PG_SKIP, admin_dsn, with_database

OUTAGE_SECONDS = float(os.environ.get("FRAMEKIT_OUTAGE_SECONDS", "2"))


async def _turn(call: SimulatedCall, number: int) -> None:
    await call.user_says(f"caller line {number}", seconds=0.02)
    await call.bot_says([f"Bot answer {number}.", "Anything else?"], seconds=0.02)


async def _wait_for(predicate: Callable[[], bool], what: str, limit_s: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def _call_through_outage(
    writer: RecordWriter, start_outage: Callable[[], None], end_outage: Callable[[], None]
) -> list[SegmentRecord]:
    """Two turns, an outage of OUTAGE_SECONDS with turns going on, two turns after it."""
    async with simulated_call(writer.submit, clock=SystemClock()) as call:
        number = 0
        for _ in range(2):
            number += 1
            await _turn(call, number)
        assert await asyncio.to_thread(writer.flush, 10)
        start_outage()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + OUTAGE_SECONDS
        while loop.time() < deadline:
            number += 1
            await _turn(call, number)
        await _wait_for(lambda: writer.stats.spooled > 0, "the writer to spool")
        end_outage()
        for _ in range(2):
            number += 1
            await _turn(call, number)
    assert await asyncio.to_thread(writer.flush, 30), "the spool was not replayed"
    assert writer.stats.outages >= 1
    assert writer.stats.replayed > 0
    assert writer.spooled_now == 0
    return [r for r in call.records if isinstance(r, SegmentRecord)]


def _assert_all_there(database_url: str, sent: list[SegmentRecord]) -> None:
    assert sent, "the call produced no segments"
    engine = make_engine(database_url)
    try:
        details = get_call(engine, sent[0].call_id)
        with engine.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(TranscriptSegment)).scalar()
    finally:
        engine.dispose()
    assert details is not None
    stored = [(s.seq, s.speaker, s.text) for s in details.transcript]
    assert stored == [(s.seq, s.speaker, s.text) for s in sent]
    assert rows == len(sent)
    assert details.call.outcome == "unresolved"  # the caller spoke, no tool answered


async def test_sqlite_outage_during_a_call_loses_no_segment(tmp_path: Path) -> None:
    directory = tmp_path / "db"
    directory.mkdir()
    away = tmp_path / "db-away"
    url = f"sqlite:///{directory / 'calls.db'}"
    migrate(url)
    writer = RecordWriter(
        url, spool_dir=tmp_path / "spool", retry_interval=0.1, max_retry_interval=0.5
    ).start()
    try:
        sent = await _call_through_outage(
            writer, lambda: directory.rename(away), lambda: away.rename(directory)
        )
    finally:
        writer.close()
    _assert_all_there(url, sent)


@pytest.fixture
def outage_database() -> Iterator[tuple[str, str]]:
    """A database of its own on the test server, that the test may lock everyone out of."""
    if not os.environ.get(PG_ENV):
        pytest.skip(PG_SKIP)
    name = f"framekit_outage_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_dsn(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(os.environ[PG_ENV], name)
    try:
        migrate(url)
        yield url, name
    finally:
        with psycopg.connect(admin_dsn(), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_postgres_outage_during_a_call_loses_no_segment(
    outage_database: tuple[str, str], tmp_path: Path
) -> None:
    url, name = outage_database
    admin = psycopg.connect(admin_dsn(), autocommit=True)

    def lock_out() -> None:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )

    def let_in() -> None:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    writer = RecordWriter(
        url, spool_dir=tmp_path / "spool", retry_interval=0.1, max_retry_interval=0.5
    ).start()
    try:
        sent = await _call_through_outage(writer, lock_out, let_in)
    finally:
        writer.close()
        admin.close()
    _assert_all_there(url, sent)


_CRASHING_WRITER = """
import os, sys, time
from datetime import UTC, datetime
from framekit.storage import RecordWriter
from framekit.storage.records import CallOpened, SegmentRecord

url, spool, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
writer = RecordWriter(url, spool_dir=spool, retry_interval=60).start()
writer.submit(CallOpened(call_id="crashed", started_at=datetime.now(UTC)))
for seq in range(1, count + 1):
    writer.submit(SegmentRecord(call_id="crashed", seq=seq, speaker="user", text=f"line {seq}"))
deadline = time.monotonic() + 20
while writer.stats.spooled < count + 1 and time.monotonic() < deadline:
    time.sleep(0.01)
print(writer.stats.spooled, flush=True)
os._exit(3)
"""


def test_a_crash_after_spooling_is_replayed_by_the_next_start(
    database_url: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    unreachable = f"sqlite:///{tmp_path / 'missing' / 'calls.db'}"
    crashed = subprocess.run(
        [sys.executable, "-c", _CRASHING_WRITER, unreachable, str(spool), "40"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashed.returncode == 3, crashed.stderr
    assert crashed.stdout.strip() == "41"
    (left,) = spool.glob("spool-*.jsonl")
    with left.open("a") as file:
        file.write('{"kind":"segment","call_id":"crashed","se')  # torn by the crash
    writer = RecordWriter(database_url, spool_dir=spool).start()
    try:
        assert writer.flush(20)
        assert writer.stats.replayed == 41
    finally:
        writer.close()
    assert not left.exists()
    assert [p for p in spool.glob("spool-*.jsonl") if p.stat().st_size] == []
    engine = make_engine(database_url)
    try:
        details = get_call(engine, "crashed")
    finally:
        engine.dispose()
    assert details is not None
    assert [s.text for s in details.transcript] == [f"line {n}" for n in range(1, 41)]
