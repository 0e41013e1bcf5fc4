"""Calls left open by a process that died, closed when a server starts.

A call's row is closed by its recorder when the call ends. A process killed with
SIGKILL (or by the out-of-memory killer, or a power cut) never gets there, and its
calls would stay open for ever: "in progress" in every report. So each call row
names its **owner**, the process that recorded it, as ``host:pid:token``
(:func:`process_owner`), and a server calls :func:`close_orphaned_calls` when it
starts. An open call is closed as an orphan (outcome ``failed``, end reason
``orphaned``) when either

* its owner ran on this host (same host name, same PID namespace) and that
  process is gone: its PID is not alive, or it is this process's own PID with
  another token (a restarted container often gets the same PID); or
* it started more than ``max_call_duration`` ago (two hours by default), whoever
  owns it, on any host: no call lasts that long, and only this rule reaches the
  calls of a machine or container that never came back, and rows written before
  owners were recorded.

Why this is safe with several workers on one database (``framekit serve
--workers N``, or several machines): a worker never closes the calls of a live
process on its host (its PID is alive), and calls of other hosts only by age. A
PID reused by an unrelated process keeps the dead owner's calls open until the
age rule closes them. If a call does go on past ``max_call_duration``, its own
close, written when it ends, overwrites the orphan's (a close is an update), so
the record ends right.

Across hosts, a dead process is known sooner from a heartbeat than from the age
rule: with ``REDIS_URL`` every ``framekit serve`` renews a key while it runs, and
a surviving one closes the calls of an owner whose key expired with
:func:`close_calls_of` (:mod:`framekit_contact_center.dead_nodes` decides who is dead).

The orphan's ``ended_at`` is the last moment something was recorded for it (a
segment, a tool, a turn), or its start: the best estimate of when it died.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loguru import logger
from sqlalchemy import Connection, Engine, bindparam, func, select, update

from framekit.storage.models import Call, ToolInvocation, TranscriptSegment, TurnMetric
from framekit.storage.outcome import Outcome

__all__ = [
    "MAX_CALL_DURATION",
    "ORPHANED",
    "close_calls_of",
    "close_orphaned_calls",
    "pid_alive",
    "process_owner",
]

MAX_CALL_DURATION = timedelta(hours=2)
"""A call open for longer than this is taken for an orphan, whoever owns it."""
ORPHANED = "orphaned"
"""The end reason of a call closed by :func:`close_orphaned_calls`."""

_owner: tuple[int, str] | None = None


def _host() -> str:
    """This host's name and, on Linux, its PID namespace: PIDs mean something only there."""
    name = socket.gethostname()[:128]
    with contextlib.suppress(OSError):
        namespace = os.readlink("/proc/self/ns/pid")  # "pid:[4026531836]"
        return f"{name}@{namespace.removeprefix('pid:[').rstrip(']')}"
    return name


def process_owner() -> str:
    """This process as a call's owner: ``host:pid:token`` (new after a fork)."""
    global _owner
    pid = os.getpid()
    if _owner is None or _owner[0] != pid:
        _owner = (pid, f"{_host()}:{pid}:{secrets.token_hex(4)}")
    return _owner[1]


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this host (in this PID namespace)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's: alive
    return True


@dataclass(frozen=True, slots=True)
class _Owner:
    host: str
    pid: int
    token: str

    @classmethod
    def parse(cls, owner: str | None) -> _Owner | None:
        if not owner:
            return None
        parts = owner.rsplit(":", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2])


def close_orphaned_calls(
    engine: Engine,
    *,
    max_call_duration: timedelta = MAX_CALL_DURATION,
    owner: str | None = None,
    is_alive: Callable[[int], bool] = pid_alive,
    now: datetime | None = None,
) -> list[str]:
    """Close the open calls whose process is gone (see the module docstring); returns their ids.

    ``owner``: who is asking (default :func:`process_owner`); its own calls are
    never closed. ``is_alive`` and ``now`` are there for tests.
    """
    me = _Owner.parse(owner or process_owner())
    assert me is not None
    now = now or datetime.now(UTC)
    calls = Call.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        rows = connection.execute(
            select(calls.c.id, calls.c.owner, calls.c.started_at).where(calls.c.ended_at.is_(None))
        ).all()
        orphans = [
            (call_id, started)
            for call_id, owner_text, started in rows
            if _orphaned(_Owner.parse(owner_text), started, me, now - max_call_duration, is_alive)
        ]
        _close(connection, orphans)
    return _logged([call_id for call_id, _ in orphans], "processes that are gone")


def close_calls_of(engine: Engine, owners: Collection[str]) -> list[str]:
    """Close as orphans the open calls of ``owners``, processes known to be dead; their ids.

    The caller decides they are dead (a heartbeat that expired); this only closes.
    """
    if not owners:
        return []
    calls = Call.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        orphans = [
            (call_id, started)
            for call_id, started in connection.execute(
                select(calls.c.id, calls.c.started_at).where(
                    calls.c.ended_at.is_(None), calls.c.owner.in_(list(owners))
                )
            )
        ]
        _close(connection, orphans)
    return _logged([call_id for call_id, _ in orphans], "processes whose heartbeat stopped")


def _close(connection: Connection, orphans: Sequence[tuple[str, datetime]]) -> None:
    if not orphans:
        return
    calls = Call.__table__  # type: ignore[attr-defined]
    ended = _last_activity(connection, orphans)
    connection.execute(
        update(calls)
        .where(calls.c.id == bindparam("orphan"), calls.c.ended_at.is_(None))
        .values(ended_at=bindparam("ended"), outcome=Outcome.FAILED.value, end_reason=ORPHANED),
        [{"orphan": call_id, "ended": ended[call_id]} for call_id, _ in orphans],
    )


def _logged(ids: list[str], whose: str) -> list[str]:
    if ids:
        shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
        logger.warning(
            f"closed {len(ids)} orphaned call(s) left open by {whose} "
            f"(outcome failed, end reason {ORPHANED}): {shown}"
        )
    return ids


def _orphaned(
    owner: _Owner | None,
    started: datetime,
    me: _Owner,
    too_old: datetime,
    is_alive: Callable[[int], bool],
) -> bool:
    if owner == me:
        return False
    if _utc(started) < too_old:
        return True
    if owner is None or owner.host != me.host:
        return False
    return owner.pid == me.pid or not is_alive(owner.pid)


def _last_activity(
    connection: Connection, orphans: Sequence[tuple[str, datetime]]
) -> dict[str, datetime]:
    """Each orphan's last recorded moment: its latest segment, tool or turn, else its start."""
    last = {call_id: _utc(started) for call_id, started in orphans}
    ids = list(last)
    sources = [
        (TranscriptSegment.__table__, "ended_at"),  # type: ignore[attr-defined]
        (ToolInvocation.__table__, "ended_at"),  # type: ignore[attr-defined]
        (TurnMetric.__table__, "bot_started_at"),  # type: ignore[attr-defined]
    ]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for table, column in sources:
            query = (
                select(table.c.call_id, func.max(table.c[column]))
                .where(table.c.call_id.in_(chunk))
                .group_by(table.c.call_id)
            )
            for call_id, moment in connection.execute(query):
                if moment is not None:
                    last[call_id] = max(last[call_id], _utc(moment))
    return last


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
