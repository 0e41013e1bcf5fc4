"""Deleting calls' data in bounded batches: the part retention and erasure share.

Why batches of calls, each its own transaction: a run may have a year of calls to
delete, and one giant transaction would hold locks (and, on SQLite, the whole
database) for its length and lose everything on a crash. A batch is chosen by a
keyset (call ids after the last one seen), deleted, committed; a run cut anywhere
starts again where the data says, since it only selects what is still there.
Recording files go before the rows that name them: a crash between the two leaves
rows naming missing files, which the next run deletes again without harm.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from loguru import logger
from sqlalchemy import ColumnElement, Connection, Engine, Table, delete, select

from framekit.storage.models import (
    Call,
    CallAnalysis,
    ToolInvocation,
    TranscriptSegment,
    TurnMetric,
)

__all__ = [
    "CALLS",
    "CHILD_TABLES",
    "RecordingDeleter",
    "delete_calls",
    "delete_local_file",
    "delete_recordings",
    "expired_batches",
]

CALLS: Table = Call.__table__  # type: ignore[attr-defined]
CHILD_TABLES: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[union-attr]
    for model in (TranscriptSegment, ToolInvocation, TurnMetric, CallAnalysis)
)
"""Every table whose rows belong to one call (deleted explicitly: SQLite enforces no
``ON DELETE CASCADE`` unless each connection turns foreign keys on)."""

RecordingDeleter = Callable[[str], None]
"""Deletes the recording at a location (a path, ``s3://...``); a missing one is no error.
Raises :class:`OSError` when it cannot (the call then keeps its recordings for the
next run, and the run reports the failure)."""


def delete_local_file(location: str) -> None:
    """The default :data:`RecordingDeleter`: local paths only (a URL raises OSError)."""
    if "://" in location:
        raise OSError(f"no deleter for {location.split('://')[0]}:// recordings")
    Path(location).unlink(missing_ok=True)


def expired_batches(
    engine: Engine, where: ColumnElement[bool], batch_size: int
) -> Iterator[tuple[Connection, list[dict[str, Any]]]]:
    """Batches of calls matching ``where`` (``id`` and ``recordings``), by id, each with an
    open transaction that commits when the caller asks for the next batch."""
    after = ""
    while True:
        with engine.begin() as connection:
            rows = connection.execute(
                select(CALLS.c.id, CALLS.c.recordings)
                .where(where, CALLS.c.id > after)
                .order_by(CALLS.c.id)
                .limit(batch_size)
            ).mappings()
            batch = [dict(row) for row in rows]
            if not batch:
                return
            yield connection, batch
        after = batch[-1]["id"]


def delete_recordings(
    batch: Sequence[dict[str, Any]], deleter: RecordingDeleter, files: Counter[str]
) -> list[str]:
    """Delete the recordings of ``batch``'s calls; the ids of the calls whose every file
    went (``files`` counts ``deleted`` and ``failed``)."""
    done: list[str] = []
    for row in batch:
        ok = True
        for location in (row["recordings"] or {}).values():
            try:
                deleter(location)
                files["deleted"] += 1
            except OSError as exc:
                ok = False
                files["failed"] += 1
                logger.warning(f"call {row['id']}: recording not deleted: {exc}")
        if ok:
            done.append(row["id"])
    return done


def delete_calls(
    connection: Connection, call_ids: Sequence[str], rows: Counter[str], *, tables: Sequence[Table]
) -> None:
    """Delete the rows of ``tables`` that belong to ``call_ids`` (``calls`` itself by id),
    counting them per table in ``rows``."""
    if not call_ids:
        return
    for table in tables:
        column = table.c.id if table is CALLS else table.c.call_id
        result = connection.execute(delete(table).where(column.in_(call_ids)))
        rows[table.name] += result.rowcount
