"""The post-call analysis rows (``call_analyses``): which calls wait, taking one, its result.

The analysis job (:class:`framekit.analytics.AnalysisWorker`) is durable through
these rows, not through its in-memory queue: a call that ended and has no ``done``
or ``failed`` row is still to analyse (:func:`unanalysed_calls`), whether its
notice was lost with a full queue or a restart. :func:`begin_analysis` marks the
row ``pending`` and counts the attempt before the work starts, so a job killed
mid-way leaves a ``pending`` row that the next start picks up, and the count caps
retries across restarts too. Plain synchronous functions: the worker runs them in
its own thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from framekit.storage.latency_buckets import count_buckets
from framekit.storage.models import Call, CallAnalysis, TurnMetric
from framekit.storage.queries import CallDetails, get_call

__all__ = ["Attempt", "begin_analysis", "fail_analysis", "save_analysis", "unanalysed_calls"]

_TABLE: Table = CallAnalysis.__table__  # type: ignore[attr-defined]
_TURNS: Table = TurnMetric.__table__  # type: ignore[attr-defined]
_MAX_ERROR = 2000


@dataclass(frozen=True, slots=True)
class Attempt:
    """What :func:`begin_analysis` found: the call to analyse (None: nothing to do) and
    the attempt's number; ``ended`` is False while the call's record is still open."""

    details: CallDetails | None
    attempt: int
    ended: bool = True


def unanalysed_calls(engine: Engine, limit: int = 1000) -> list[str]:
    """Calls that ended with no finished analysis (none, or one left ``pending``), oldest first."""
    with Session(engine) as session:
        rows = session.exec(
            select(Call.id)
            .outerjoin(CallAnalysis, col(CallAnalysis.call_id) == col(Call.id))
            .where(col(Call.ended_at).is_not(None))
            .where(or_(col(CallAnalysis.call_id).is_(None), col(CallAnalysis.status) == "pending"))
            .order_by(col(Call.ended_at))
            .limit(limit)
        ).all()
    return list(rows)


def begin_analysis(engine: Engine, call_id: str) -> Attempt:
    """Take ``call_id`` for analysis: its row ``pending`` with one more attempt, and its records.

    Nothing to do (``details`` None) when there is no such call or it is analysed
    already (``done`` or ``failed``); ``ended`` False when its record is still open.
    """
    details = get_call(engine, call_id)
    if details is None:
        return Attempt(None, 0)
    if details.call.ended_at is None:
        return Attempt(None, 0, ended=False)
    with engine.begin() as connection:
        connection.execute(
            _insert_new(connection.dialect.name).values(
                call_id=call_id,
                status="pending",
                attempts=0,
                started_at=details.call.started_at,
                intents=[],
                details={},
            )
        )
        row = connection.execute(
            core_select(_TABLE.c.status, _TABLE.c.attempts).where(_TABLE.c.call_id == call_id)
        ).one()
        if row.status != "pending":
            return Attempt(None, row.attempts)
        connection.execute(
            update(_TABLE).where(_TABLE.c.call_id == call_id).values(attempts=row.attempts + 1)
        )
    return Attempt(details, row.attempts + 1)


def save_analysis(engine: Engine, call_id: str, columns: dict[str, Any]) -> None:
    """Store a finished analysis (``columns`` from :meth:`framekit.analytics.Analysis.columns`),
    with the call's turn latencies counted in buckets (:mod:`framekit.storage.latency_buckets`)
    in the same transaction, whatever made the analysis."""
    with engine.begin() as connection:
        latencies = connection.execute(
            core_select(_TURNS.c.latency_s).where(_TURNS.c.call_id == call_id)
        ).scalars()
        connection.execute(
            update(_TABLE)
            .where(_TABLE.c.call_id == call_id)
            .values(
                **columns,
                latency_buckets=count_buckets(latencies),
                status="done",
                error=None,
                analysed_at=datetime.now(UTC),
            )
        )


def fail_analysis(engine: Engine, call_id: str, error: str, *, final: bool) -> None:
    """Note a failed attempt: ``final`` marks the row ``failed`` (no more retries), else it
    stays ``pending`` for the next try."""
    with engine.begin() as connection:
        connection.execute(
            update(_TABLE)
            .where(_TABLE.c.call_id == call_id)
            .values(
                status="failed" if final else "pending",
                error=error[:_MAX_ERROR],
                analysed_at=datetime.now(UTC) if final else None,
            )
        )


def _insert_new(dialect: str) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(_TABLE).on_conflict_do_nothing(index_elements=["call_id"])
    if dialect == "sqlite":
        return sqlite.insert(_TABLE).on_conflict_do_nothing(index_elements=["call_id"])
    raise NotImplementedError(f"call analyses support SQLite and PostgreSQL, not {dialect}")
