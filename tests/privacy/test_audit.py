"""The audit log: events read back newest first, unknown actions refused, and on
PostgreSQL no UPDATE, DELETE or TRUNCATE of a row, whoever asks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

pytest.importorskip("sqlmodel")

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from framekit.storage import make_engine
from framekit.storage.audit import caller_target, list_events, record_event, token_actor
from storage.conftest import database_url, postgres_url, sqlite_url

__all__ = ["database_url", "postgres_url", "sqlite_url"]  # the fixtures


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_events_come_back_newest_first_by_page_and_action(engine: Engine) -> None:
    at = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    record_event(engine, "cli", "erase", caller_target("+15550100"), {"calls": 2}, at=at)
    record_event(engine, token_actor("t" * 24), "recording_played", "c1/caller", at=at)
    record_event(engine, "scheduler", "retention_delete", "", {"calls": {"metadata": 1}})
    events = list_events(engine)
    assert [e.action for e in events] == ["retention_delete", "recording_played", "erase"]
    assert events[2].details == {"calls": 2}
    assert events[2].at == at
    assert events[2].target.startswith("caller:sha256:")
    assert "15550100" not in events[2].target
    assert events[1].actor == token_actor("t" * 24) != token_actor("u" * 24)
    assert [e.action for e in list_events(engine, limit=1, before=events[0].id)] == [
        "recording_played"
    ]
    assert [e.target for e in list_events(engine, action="erase")] == [events[2].target]
    with pytest.raises(ValueError, match="unknown audit action"):
        record_event(engine, "cli", "erased")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor = 'someone else'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ],
)
def test_postgresql_refuses_to_change_or_delete_an_event(postgres_url: str, statement: str) -> None:
    engine = make_engine(postgres_url)
    try:
        record_event(engine, "cli", "erase", "caller:sha256:0", {"calls": 1})
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
        [event] = list_events(engine)
        assert (event.actor, event.details) == ("cli", {"calls": 1})
    finally:
        engine.dispose()
