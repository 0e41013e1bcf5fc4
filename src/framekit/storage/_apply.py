"""Write a batch of records in one transaction, idempotently.

Rows are inserted with "on conflict do nothing" on their natural keys, and a
call's end is an update, so applying the same batch twice (a replay after a
crash, or after a commit whose acknowledgement was lost) changes nothing the
second time. Within a batch, calls are opened first and closed last, so rows
never point at a call that is not there yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Table, update
from sqlalchemy.dialects import postgresql, sqlite

from framekit.storage.models import Call, ToolInvocation, TranscriptSegment, TurnMetric
from framekit.storage.records import (
    CallClosed,
    CallOpened,
    Record,
    SegmentRecord,
    ToolRecord,
    TurnRecord,
)

__all__ = ["apply_records"]

_TABLES: list[tuple[type[Record], Table, list[str]]] = [
    (CallOpened, Call.__table__, ["id"]),  # type: ignore[attr-defined]
    (SegmentRecord, TranscriptSegment.__table__, ["call_id", "seq"]),  # type: ignore[attr-defined]
    (ToolRecord, ToolInvocation.__table__, ["call_id", "seq"]),  # type: ignore[attr-defined]
    (TurnRecord, TurnMetric.__table__, ["call_id", "turn_index"]),  # type: ignore[attr-defined]
]


def apply_records(connection: Connection, records: Sequence[Record]) -> None:
    """Write ``records`` through ``connection`` in one transaction (see the module docstring)."""
    dialect = connection.dialect.name
    with connection.begin():
        for record_type, table, keys in _TABLES:
            rows = [_row(r) for r in records if type(r) is record_type]
            if rows:
                connection.execute(_insert_ignoring_duplicates(dialect, table, keys), rows)
        calls = Call.__table__  # type: ignore[attr-defined]
        for record in records:
            if isinstance(record, CallClosed):
                connection.execute(
                    update(calls)
                    .where(calls.c.id == record.call_id)
                    .values(
                        ended_at=record.ended_at,
                        outcome=record.outcome,
                        end_reason=record.end_reason,
                        recordings=record.recordings,
                    )
                )


def _row(record: Record) -> dict[str, Any]:
    row = asdict(record)
    if isinstance(record, CallOpened):
        row["id"] = row.pop("call_id")
        row["recordings"] = {}
    return row


def _insert_ignoring_duplicates(dialect: str, table: Table, keys: list[str]) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=keys)
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=keys)
    raise NotImplementedError(f"call records support SQLite and PostgreSQL, not {dialect}")
