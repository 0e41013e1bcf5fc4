"""Reading call records back: the queries behind ``GET /api/calls`` and ``GET /api/calls/{id}``.

Plain synchronous functions over an :class:`~sqlalchemy.Engine` (from
:func:`~framekit.storage.database.make_engine`): an HTTP handler runs them in a
worker thread (``await asyncio.to_thread(list_calls, engine, ...)``), so a slow
query never holds up a call's event loop. Results are the SQLModel rows, which
``model_dump(mode="json")`` turns into JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, or_
from sqlmodel import Session, col, select

from framekit.storage.models import (
    Call,
    CallAnalysis,
    ToolInvocation,
    TranscriptSegment,
    TurnMetric,
)

__all__ = ["CallDetails", "CallPage", "get_analysis", "get_call", "list_calls"]

MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class CallPage:
    """One page of calls, newest first, and how many calls match in all."""

    calls: list[Call]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class CallDetails:
    """A call with its transcript (in order), tool invocations and per-turn latency."""

    call: Call
    transcript: list[TranscriptSegment]
    tools: list[ToolInvocation]
    turns: list[TurnMetric]


def list_calls(
    engine: Engine,
    *,
    started_from: datetime | None = None,
    started_before: datetime | None = None,
    outcome: str | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> CallPage:
    """Calls that started in ``[started_from, started_before)`` with ``outcome``, newest first.

    ``search`` keeps the calls whose caller number or transcript contains it (any case;
    ``%`` and ``_`` are plain characters). ``limit`` is capped at ``MAX_PAGE_SIZE``; page
    with ``offset``.
    """
    if limit < 1 or offset < 0:
        raise ValueError("limit must be at least 1 and offset at least 0")
    limit = min(limit, MAX_PAGE_SIZE)
    conditions = []
    if started_from is not None:
        conditions.append(col(Call.started_at) >= started_from)
    if started_before is not None:
        conditions.append(col(Call.started_at) < started_before)
    if outcome is not None:
        conditions.append(col(Call.outcome) == outcome)
    if search:
        # ILIKE (PostgreSQL's trigram indexes serve it, migration 0004); IN, not a
        # correlated EXISTS: the matching lines are found once, not call by call.
        pattern = _anywhere(search)
        said = select(TranscriptSegment.call_id).where(
            col(TranscriptSegment.text).ilike(pattern, escape="\\")
        )
        conditions.append(or_(col(Call.caller).ilike(pattern, escape="\\"), col(Call.id).in_(said)))
    newest_first = (col(Call.started_at).desc(), col(Call.id))
    total: int | None = None
    with Session(engine) as session:
        if search:
            # One pass over the transcripts, not two: each row of the page carries the count.
            rows = session.exec(
                select(Call, func.count().over())
                .where(*conditions)
                .order_by(*newest_first)
                .limit(limit)
                .offset(offset)
            ).all()
            calls = [call for call, _ in rows]
            if rows or offset == 0:
                total = rows[0][1] if rows else 0
        else:
            page = select(Call).where(*conditions).order_by(*newest_first)
            calls = list(session.exec(page.limit(limit).offset(offset)).all())
        if total is None:
            total = session.exec(select(func.count()).select_from(Call).where(*conditions)).one()
    return CallPage(calls=calls, total=total, limit=limit, offset=offset)


def _anywhere(text: str) -> str:
    """A LIKE pattern (escape ``\\``) that finds ``text`` anywhere, its ``%`` and ``_`` as such."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def get_call(engine: Engine, call_id: str) -> CallDetails | None:
    """The call ``call_id`` with everything recorded about it, or None if there is no such call."""
    with Session(engine) as session:
        call = session.get(Call, call_id)
        if call is None:
            return None
        transcript = session.exec(
            select(TranscriptSegment)
            .where(TranscriptSegment.call_id == call_id)
            .order_by(col(TranscriptSegment.seq))
        ).all()
        tools = session.exec(
            select(ToolInvocation)
            .where(ToolInvocation.call_id == call_id)
            .order_by(col(ToolInvocation.seq))
        ).all()
        turns = session.exec(
            select(TurnMetric)
            .where(TurnMetric.call_id == call_id)
            .order_by(col(TurnMetric.turn_index))
        ).all()
    return CallDetails(call, list(transcript), list(tools), list(turns))


def get_analysis(engine: Engine, call_id: str) -> CallAnalysis | None:
    """The post-call analysis row of ``call_id`` (:mod:`framekit.analytics`), or None yet."""
    with Session(engine) as session:
        return session.get(CallAnalysis, call_id)
