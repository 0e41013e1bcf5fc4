"""Orphaned calls: who owns a call, which open calls a starting server closes, and the schema.

The rules of :mod:`framekit.storage.orphans` on a real database, with the clock and
the liveness of processes given; real processes killed for real are in
``tests/faults``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from framekit.storage import close_orphaned_calls, make_engine, migrate, process_owner
from framekit.storage._apply import apply_records
from framekit.storage.models import metadata
from framekit.storage.orphans import ORPHANED, _host
from framekit.storage.records import (
    CallClosed,
    CallOpened,
    Record,
    SegmentRecord,
    TurnRecord,
)

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
HERE = _host()
ME = f"{HERE}:{os.getpid()}:aaaa0000"
DEAD_PID, LIVE_PID = 999_001, 999_002


def _alive(pid: int) -> bool:
    return pid != DEAD_PID


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _write(engine: Engine, records: list[Record]) -> None:
    with engine.connect() as connection:
        apply_records(connection, records)


def _open(call_id: str, owner: str | None, minutes_ago: float) -> CallOpened:
    return CallOpened(call_id, NOW - timedelta(minutes=minutes_ago), owner=owner)


def _state(engine: Engine, call_id: str) -> tuple[object, ...]:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT ended_at, outcome, end_reason FROM calls WHERE id = :id"), {"id": call_id}
        ).one()
    ended = row[0]
    if isinstance(ended, str):  # SQLite hands text back through a plain query
        ended = datetime.fromisoformat(ended)
    if ended is not None and ended.tzinfo is None:
        ended = ended.replace(tzinfo=UTC)
    return (ended, row[1], row[2])


def test_the_migrated_schema_has_the_models_tables_columns_and_indexes(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    # Text columns without a length read back as TEXT, which the models spell differently.
    structural = [d for d in differences if not (isinstance(d, list) and d[0][0] == "modify_type")]
    # The search's trigram indexes are PostgreSQL's alone, made by migration 0004 where
    # pg_trgm can be: the models, which SQLite shares, do not name them.
    structural = [d for d in structural if not (d[0] == "remove_index" and _trigram(d[1]))]
    assert structural == []


def _trigram(index: Any) -> bool:
    return str(index.name).endswith("_trgm")


def test_the_owner_is_this_process_on_this_host() -> None:
    host, pid, token = process_owner().rsplit(":", 2)
    assert (host, int(pid)) == (HERE, os.getpid())
    assert len(token) == 8
    assert process_owner() == process_owner()


def test_a_starting_server_closes_the_calls_of_dead_processes_only(engine: Engine) -> None:
    dead = f"{HERE}:{DEAD_PID}:bbbb0000"
    live = f"{HERE}:{LIVE_PID}:cccc0000"
    my_pid_before = f"{HERE}:{os.getpid()}:dddd0000"  # a restarted container's same PID
    elsewhere = f"other-host@1:{DEAD_PID}:eeee0000"
    records: list[Record] = [
        _open("dead", dead, 10),
        SegmentRecord("dead", 1, "user", "hello", ended_at=NOW - timedelta(minutes=9)),
        TurnRecord("dead", 1, 0.4, bot_started_at=NOW - timedelta(minutes=8)),
        _open("dead-quiet", dead, 5),
        _open("live", live, 10),
        _open("mine", ME, 10),
        _open("my-pid-before", my_pid_before, 3),
        _open("elsewhere", elsewhere, 10),
        _open("elsewhere-old", elsewhere, 121),
        _open("live-old", live, 125),
        _open("unowned", None, 10),
        _open("unowned-old", None, 200),
        _open("dead-but-ended", dead, 10),
        CallClosed("dead-but-ended", NOW - timedelta(minutes=1), "resolved", "caller_hung_up"),
    ]
    _write(engine, records)
    closed = close_orphaned_calls(engine, owner=ME, is_alive=_alive, now=NOW)
    assert sorted(closed) == sorted(
        ["dead", "dead-quiet", "my-pid-before", "elsewhere-old", "live-old", "unowned-old"]
    )
    # Ended when it was last heard of: its last turn, two minutes after its start.
    assert _state(engine, "dead") == (NOW - timedelta(minutes=8), "failed", ORPHANED)
    assert _state(engine, "dead-quiet") == (NOW - timedelta(minutes=5), "failed", ORPHANED)
    for kept in ("live", "mine", "elsewhere", "unowned"):
        assert _state(engine, kept) == (None, None, None), kept
    assert _state(engine, "dead-but-ended")[1:] == ("resolved", "caller_hung_up")
    assert close_orphaned_calls(engine, owner=ME, is_alive=_alive, now=NOW) == []


def test_a_late_close_of_the_call_itself_wins_over_the_orphans(engine: Engine) -> None:
    live = f"{HERE}:{LIVE_PID}:cccc0000"
    _write(engine, [_open("long", live, 130)])
    assert close_orphaned_calls(engine, owner=ME, is_alive=_alive, now=NOW) == ["long"]
    _write(engine, [CallClosed("long", NOW, "resolved", "caller_hung_up")])
    assert _state(engine, "long") == (NOW, "resolved", "caller_hung_up")


def test_the_upgrade_keeps_the_calls_recorded_before_owners(sqlite_url: str) -> None:
    url = sqlite_url.replace("calls.db", "old.db")
    migrate(url, "0001")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO calls (id, direction, started_at) "
                    "VALUES ('before', 'inbound', '2026-12-01 10:00:00')"
                )
            )
        migrate(url)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT id, owner FROM calls")).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("before", None)
