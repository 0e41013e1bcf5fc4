"""The call record schema: calls, what was said in them, the tools run, the latency of each turn.

Why these keys: records reach the database through a writer that may replay
them after an outage (see :mod:`framekit.storage.writer`). Every row therefore
has a natural key that the replay can hit twice without harm: a call's ``id``
(chosen by the recorder, not by the database), and ``(call_id, seq)`` or
``(call_id, turn_index)`` for the rows of a call. Inserts use "on conflict do
nothing" on those keys, so a record replayed after a crash is written exactly once.

Times are stored in UTC and read back timezone-aware (:class:`UTCDateTime`), on
SQLite too, which keeps no time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from framekit.storage._deps import require_db_extra

require_db_extra()

from sqlalchemy import (  # noqa: E402
    JSON,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator  # noqa: E402
from sqlmodel import Field, SQLModel  # noqa: E402

__all__ = [
    "AuditEvent",
    "Call",
    "CallAnalysis",
    "SignedOutSession",
    "ToolInvocation",
    "TranscriptSegment",
    "TurnMetric",
    "UTCDateTime",
    "metadata",
]

metadata = SQLModel.metadata


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _when(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(UTCDateTime(), nullable=nullable, index=index),
    )


def _call_fk() -> Any:
    return Field(
        sa_column=Column(
            String(64), ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )


class Call(SQLModel, table=True):
    """One phone call (or local session) from start to end.

    ``external_id`` is the carrier's id (Twilio's CallSid); ``outcome`` is the
    short machine-readable result (:mod:`framekit.storage.outcome`) and
    ``end_reason`` the why. ``recordings`` maps a track name (``caller``, ``bot``,
    ``mixed``) to where its audio lies. ``owner`` is the process that recorded the
    call (:func:`~framekit.storage.orphans.process_owner`): a call still open whose
    process is gone is closed by :func:`~framekit.storage.orphans.close_orphaned_calls`.
    """

    __tablename__ = "calls"
    __table_args__ = (
        Index(
            "ix_calls_open",
            "owner",
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
    )

    id: str = Field(primary_key=True, max_length=64)
    external_id: str | None = Field(default=None, max_length=128, index=True)
    caller: str | None = Field(default=None, max_length=64)
    dialled: str | None = Field(default=None, max_length=64)
    direction: str = Field(default="inbound", max_length=16)
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    ended_at: datetime | None = _when()
    outcome: str | None = Field(default=None, max_length=32, index=True)
    end_reason: str | None = Field(default=None)
    recordings: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    owner: str | None = Field(default=None, max_length=255)


class TranscriptSegment(SQLModel, table=True):
    """What one side said: a final user transcription, or a bot utterance as played.

    For the bot, ``text`` is what the caller heard. ``truncated`` marks an
    utterance cut by a barge-in; then ``planned_text`` keeps what the bot meant to
    say. ``heard`` is False for bot text that never reached the caller's ear at all.
    """

    __tablename__ = "transcript_segments"
    __table_args__ = (UniqueConstraint("call_id", "seq", name="uq_segment_call_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = _call_fk()
    seq: int
    speaker: str = Field(max_length=8)
    text: str
    planned_text: str | None = Field(default=None)
    started_at: datetime | None = _when()
    ended_at: datetime | None = _when()
    heard: bool = Field(default=True)
    truncated: bool = Field(default=False)


class ToolInvocation(SQLModel, table=True):
    """One tool the bot ran: its arguments, its result or error, and when."""

    __tablename__ = "tool_invocations"
    __table_args__ = (UniqueConstraint("call_id", "seq", name="uq_tool_call_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = _call_fk()
    seq: int
    tool_call_id: str | None = Field(default=None, max_length=128)
    name: str = Field(max_length=128)
    arguments: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    result: Any = Field(default=None, sa_column=Column(JSON))
    error: str | None = Field(default=None)
    started_at: datetime | None = _when()
    ended_at: datetime | None = _when()


class TurnMetric(SQLModel, table=True):
    """Voice-to-voice latency of one turn, and the first-byte times reported during it.

    ``latency_s`` runs from the caller's end of speech to the first bot audio the
    caller hears. ``ttfb`` maps a processor's name to its time to first byte in
    seconds, for the metrics it reported between those two instants.
    """

    __tablename__ = "turn_metrics"
    __table_args__ = (UniqueConstraint("call_id", "turn_index", name="uq_turn_call_index"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = _call_fk()
    turn_index: int
    latency_s: float
    user_stopped_at: datetime | None = _when()
    bot_started_at: datetime | None = _when()
    ttfb: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON))


class CallAnalysis(SQLModel, table=True):
    """What a finished call's analysis found (:mod:`framekit.analytics`), one row per call.

    Why a row of its own rather than columns of ``calls``: the analysis runs after the
    call, in a job that may fail, retry, or be cut by a restart, and the row says
    where that job stands: ``status`` is ``pending`` (taken, not done: picked up again
    at the next start), ``done`` or ``failed`` (``attempts`` used up, ``error`` says
    why). ``started_at`` repeats the call's start so that ``GET /api/analytics`` filters
    and buckets one indexed table; the measures the aggregation reads are columns, the
    rest (tools, each caller turn's sentiment, how each part was made) is ``details``.
    ``latency_buckets`` counts the call's turn latencies in the fixed buckets of
    :mod:`framekit.storage.latency_buckets`, so a period's percentiles add up its calls'
    counts without reading ``turn_metrics``.
    """

    __tablename__ = "call_analyses"
    __table_args__ = (
        Index(
            "ix_call_analyses_period",
            "status",
            "started_at",
            "resolution",
            "sentiment",
            "duration_s",
            "call_id",
        ),
    )

    call_id: str = Field(
        sa_column=Column(String(64), ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    )
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    error: str | None = Field(default=None)
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    analysed_at: datetime | None = _when()
    duration_s: float | None = Field(default=None, sa_column=Column(Float))
    talk_caller_s: float | None = Field(default=None, sa_column=Column(Float))
    talk_bot_s: float | None = Field(default=None, sa_column=Column(Float))
    turns: int | None = Field(default=None)
    interruptions: int | None = Field(default=None)
    silence_s: float | None = Field(default=None, sa_column=Column(Float))
    latency_p50_ms: float | None = Field(default=None, sa_column=Column(Float))
    latency_p95_ms: float | None = Field(default=None, sa_column=Column(Float))
    latency_max_ms: float | None = Field(default=None, sa_column=Column(Float))
    latency_buckets: dict[str, int] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True))
    )
    outcome: str | None = Field(default=None, max_length=32)
    resolution: str | None = Field(default=None, max_length=16)
    sentiment: str | None = Field(default=None, max_length=8)
    sentiment_score: float | None = Field(default=None, sa_column=Column(Float))
    sentiment_start: str | None = Field(default=None, max_length=8)
    sentiment_end: str | None = Field(default=None, max_length=8)
    intents: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    summary: str | None = Field(default=None)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class AuditEvent(SQLModel, table=True):
    """One thing done to callers' data: a recording played, an export, an erasure, a
    retention run (:mod:`framekit.storage.audit`).

    Append-only: nothing in framekit updates or deletes a row, and on PostgreSQL a
    trigger (migration 0005) refuses both. ``actor`` is who did it (``token:<hash>``,
    ``dashboard``, ``cli``, ``scheduler``), ``target`` what it was done to (a call and
    track, or a caller's number as a hash), ``details`` the counts and options.
    """

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor: str = Field(max_length=128)
    action: str = Field(max_length=32, index=True)
    target: str = Field(default="", max_length=255)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class SignedOutSession(SQLModel, table=True):
    """A dashboard session signed out before its cookie expires (migration 0007).

    Kept until ``expires_at``, when the cookie is refused anyway
    (:mod:`framekit.storage.signed_out`); ``session_id`` is the cookie's random id.
    """

    __tablename__ = "signed_out_sessions"

    session_id: str = Field(sa_column=Column(String(64), primary_key=True))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
