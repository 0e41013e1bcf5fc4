"""Retention: deleting each kind of call data once it is older than its setting.

Four kinds, each with its own age limit in days (``None``: kept forever):

* ``recordings``: the audio files (local, or wherever the deleter reaches: S3), and
  the call's ``recordings`` column that names them;
* ``transcripts``: the words: transcript segments and the tools' arguments, results
  and errors (``tool_invocations``);
* ``analytics``: turn latencies (``turn_metrics``) and the call's analysis. The
  analysis row is kept as a tombstone (``status = 'expired'``, every measure and the
  summary emptied) so that the analysis job does not analyse the call again;
* ``metadata``: the call itself (number, times, outcome) and anything still left of it.

A call's age is its ``started_at``. The metadata limit may not be shorter than the
others (a call deleted whole takes everything with it, so a shorter limit would
silently override theirs): :class:`RetentionPolicy` refuses it.
:func:`apply_retention` works in bounded batches (:mod:`framekit.storage.purge`),
may be cut at any point and run again, and ``dry_run`` only counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, String, and_, cast, exists, or_, select, update

from framekit.storage.models import CallAnalysis, ToolInvocation, TranscriptSegment, TurnMetric
from framekit.storage.purge import (
    CALLS,
    CHILD_TABLES,
    RecordingDeleter,
    delete_calls,
    delete_local_file,
    delete_recordings,
    expired_batches,
)

__all__ = ["KINDS", "RetentionPolicy", "RetentionReport", "apply_retention"]

KINDS = ("recordings", "transcripts", "analytics", "metadata")

_SEGMENTS = TranscriptSegment.__table__  # type: ignore[attr-defined]
_TOOLS = ToolInvocation.__table__  # type: ignore[attr-defined]
_TURNS = TurnMetric.__table__  # type: ignore[attr-defined]
_ANALYSES = CallAnalysis.__table__  # type: ignore[attr-defined]
_EXPIRED = "expired"
_TOMBSTONE: dict[str, Any] = {
    column.name: None
    for column in _ANALYSES.columns
    if column.nullable and column.name not in ("call_id", "started_at")
} | {"status": _EXPIRED, "intents": [], "details": {}}


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Days each kind is kept (``None``: forever); see the module docstring."""

    recordings_days: int | None = None
    transcripts_days: int | None = None
    analytics_days: int | None = None
    metadata_days: int | None = None

    def __post_init__(self) -> None:
        for kind in KINDS:
            days = getattr(self, f"{kind}_days")
            if days is not None and days < 1:
                raise ValueError(f"{kind} retention must be at least 1 day, got {days}")
        if self.metadata_days is None:
            return
        for kind in KINDS[:-1]:
            days = getattr(self, f"{kind}_days")
            if days is None or days > self.metadata_days:
                kept = "forever" if days is None else f"{days} days"
                raise ValueError(
                    f"call metadata retention ({self.metadata_days} days) is shorter than "
                    f"{kind} retention ({kept}): deleting a call deletes its {kind} too"
                )

    @property
    def active(self) -> bool:
        """Whether any kind has a limit (else a run has nothing to do)."""
        return any(getattr(self, f"{kind}_days") is not None for kind in KINDS)

    def cutoffs(self, now: datetime) -> dict[str, datetime]:
        """Per kind with a limit: calls started before this instant are past it."""
        return {
            kind: now - timedelta(days=days)
            for kind in KINDS
            if (days := getattr(self, f"{kind}_days")) is not None
        }


@dataclass(slots=True)
class RetentionReport:
    """What a run deleted (or, ``dry_run``, would delete): calls per kind, rows per
    table, recording files (``deleted``; ``failed``: left for the next run)."""

    dry_run: bool
    calls: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)
    files: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the audit event's details, the CLI's output)."""
        return {
            "dry_run": self.dry_run,
            "calls": dict(self.calls),
            "rows": dict(self.rows),
            "files": dict(self.files),
        }


def apply_retention(
    engine: Engine,
    policy: RetentionPolicy,
    *,
    delete_recording: RecordingDeleter = delete_local_file,
    now: datetime | None = None,
    batch_size: int = 500,
    dry_run: bool = False,
) -> RetentionReport:
    """Delete what ``policy`` says is expired at ``now`` (default: the current time), in
    transactions of at most ``batch_size`` calls; ``dry_run`` counts and deletes nothing."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    report = RetentionReport(dry_run=dry_run)
    cutoffs = policy.cutoffs(now or datetime.now(UTC))
    whole = cutoffs.get("metadata")
    for kind in ("metadata", "recordings", "transcripts", "analytics"):
        if kind not in cutoffs:
            continue
        where = and_(CALLS.c.started_at < cutoffs[kind], _has(kind))
        if whole is not None and kind != "metadata":
            # The calls deleted whole are the metadata pass's (a dry run's counts too).
            where = and_(where, CALLS.c.started_at >= whole)
        _apply(engine, kind, where, delete_recording, batch_size, report)
    return report


def _apply(
    engine: Engine,
    kind: str,
    where: ColumnElement[bool],
    deleter: RecordingDeleter,
    batch_size: int,
    report: RetentionReport,
) -> None:
    for connection, batch in expired_batches(engine, where, batch_size):
        ids = [row["id"] for row in batch]
        report.calls[kind] += len(ids)
        if report.dry_run:
            _count(connection, kind, batch, report)
            continue
        if kind in ("metadata", "recordings"):
            ids = delete_recordings(batch, deleter, report.files)
        if kind == "metadata":
            delete_calls(connection, ids, report.rows, tables=(*CHILD_TABLES, CALLS))
        elif kind == "recordings" and ids:
            connection.execute(update(CALLS).where(CALLS.c.id.in_(ids)).values(recordings={}))
        elif kind == "transcripts":
            delete_calls(connection, ids, report.rows, tables=(_SEGMENTS, _TOOLS))
        elif kind == "analytics":
            delete_calls(connection, ids, report.rows, tables=(_TURNS,))
            expired = connection.execute(
                update(_ANALYSES)
                .where(_ANALYSES.c.call_id.in_(ids), _ANALYSES.c.status != _EXPIRED)
                .values(**_TOMBSTONE)
            )
            report.rows[_ANALYSES.name] += expired.rowcount


def _has(kind: str) -> ColumnElement[bool]:
    """Calls that still hold data of ``kind`` (what makes a second run find nothing)."""
    if kind == "metadata":
        return CALLS.c.id.is_not(None)
    if kind == "recordings":
        return and_(
            CALLS.c.recordings.is_not(None), cast(CALLS.c.recordings, String).not_in(["{}", "null"])
        )
    if kind == "transcripts":
        return or_(_any(_SEGMENTS), _any(_TOOLS))
    return or_(
        _any(_TURNS),
        exists().where(_ANALYSES.c.call_id == CALLS.c.id, _ANALYSES.c.status != _EXPIRED),
    )


def _any(table: Any) -> ColumnElement[bool]:
    return exists().where(table.c.call_id == CALLS.c.id)


def _count(
    connection: Any, kind: str, batch: list[dict[str, Any]], report: RetentionReport
) -> None:
    """A dry run's counts for one batch: the files and rows the real run would delete."""
    ids = [row["id"] for row in batch]
    if kind in ("metadata", "recordings"):
        report.files["deleted"] += sum(len(row["recordings"] or {}) for row in batch)
    tables = {
        "metadata": (*CHILD_TABLES, CALLS),
        "recordings": (),
        "transcripts": (_SEGMENTS, _TOOLS),
        "analytics": (_TURNS, _ANALYSES),
    }[kind]
    for table in tables:
        column = table.c.id if table is CALLS else table.c.call_id
        query = select(column).where(column.in_(ids))
        if table is _ANALYSES and kind == "analytics":
            query = query.where(_ANALYSES.c.status != _EXPIRED)
        report.rows[table.name] += len(connection.execute(query).all())
