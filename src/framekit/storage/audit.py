"""The audit log: who played a recording, exported, erased or let retention delete what.

Rows are only ever added (:func:`record_event`) and read (:func:`list_events`): this
module has no update or delete, and on PostgreSQL a trigger refuses both (migration
0005). A caller's number never goes into the log in clear, since the log outlives
the erasure it records: :func:`caller_target` keeps a SHA-256 tag of it, enough to
answer "was this number erased, and when?" for whoever holds the number.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from framekit.storage.models import AuditEvent

__all__ = [
    "ACTIONS",
    "AuditEntry",
    "caller_target",
    "list_events",
    "record_event",
    "token_actor",
]

ACTIONS = ("recording_played", "export", "erase", "retention_delete")
"""The actions the log knows; anything else is refused (a typo would hide an event)."""

_TABLE = AuditEvent.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the log, as read back."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]


def caller_target(number: str) -> str:
    """The log's name for a caller: ``caller:sha256:`` and the first 16 hex digits of
    the number's SHA-256 (the number itself is what an erasure removes)."""
    return f"caller:sha256:{hashlib.sha256(number.encode()).hexdigest()[:16]}"


def token_actor(token: str) -> str:
    """The log's name for an API token: ``token:`` and 8 hex digits of its SHA-256
    (tells tokens apart after a rotation, reveals nothing of them)."""
    return f"token:{hashlib.sha256(token.encode()).hexdigest()[:8]}"


def record_event(
    bind: Engine | Connection,
    actor: str,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> None:
    """Append one event. On a :class:`Connection` it joins that transaction (an erasure
    and its event commit together); on an :class:`Engine` it commits at once."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r} (one of {', '.join(ACTIONS)})")
    values = {
        "at": at or datetime.now(UTC),
        "actor": actor,
        "action": action,
        "target": target,
        "details": details or {},
    }
    if isinstance(bind, Connection):
        bind.execute(insert(_TABLE).values(**values))
        return
    with bind.begin() as connection:
        connection.execute(insert(_TABLE).values(**values))


def list_events(
    engine: Engine, *, limit: int = 100, before: int | None = None, action: str | None = None
) -> list[AuditEntry]:
    """The newest events first, at most ``limit``, with ids below ``before`` (the next page),
    of ``action`` only if given."""
    query = select(_TABLE).order_by(_TABLE.c.id.desc()).limit(limit)
    if before is not None:
        query = query.where(_TABLE.c.id < before)
    if action is not None:
        query = query.where(_TABLE.c.action == action)
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        AuditEntry(
            id=row["id"],
            at=row["at"],
            actor=row["actor"],
            action=row["action"],
            target=row["target"],
            details=dict(row["details"] or {}),
        )
        for row in rows
    ]
