"""What the recorder hands the writer: plain, JSON-ready records, one per future row or update.

Why plain dataclasses rather than the SQLModel rows: a record must be cheap to
make on the event loop, safe to pass to the writer thread, and able to survive
a round trip through the spool file as one JSON line. Each names the table it
ends in through ``kind``; :func:`record_to_json` and :func:`record_from_json`
are the spool's format.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

__all__ = [
    "CallClosed",
    "CallOpened",
    "Record",
    "SegmentRecord",
    "ToolRecord",
    "TurnRecord",
    "jsonable",
    "record_from_json",
    "record_to_json",
]


@dataclass(frozen=True, slots=True)
class CallOpened:
    """A call began: insert its row (nothing happens if it is there already)."""

    kind: ClassVar[str] = "call_opened"
    call_id: str
    started_at: datetime
    external_id: str | None = None
    caller: str | None = None
    dialled: str | None = None
    direction: str = "inbound"
    owner: str | None = None
    """The recording process, ``host:pid:token`` (see :mod:`framekit.storage.orphans`)."""


@dataclass(frozen=True, slots=True)
class CallClosed:
    """A call ended: set its end time, outcome and recordings (idempotent update)."""

    kind: ClassVar[str] = "call_closed"
    call_id: str
    ended_at: datetime
    outcome: str
    end_reason: str | None = None
    recordings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    """A transcript segment; ``(call_id, seq)`` makes a replay harmless."""

    kind: ClassVar[str] = "segment"
    call_id: str
    seq: int
    speaker: str
    text: str
    started_at: datetime | None = None
    ended_at: datetime | None = None
    heard: bool = True
    truncated: bool = False
    planned_text: str | None = None


@dataclass(frozen=True, slots=True)
class ToolRecord:
    """A tool invocation; ``(call_id, seq)`` makes a replay harmless."""

    kind: ClassVar[str] = "tool"
    call_id: str
    seq: int
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    error: str | None = None
    tool_call_id: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """The latency of one turn; ``(call_id, turn_index)`` makes a replay harmless."""

    kind: ClassVar[str] = "turn"
    call_id: str
    turn_index: int
    latency_s: float
    user_stopped_at: datetime | None = None
    bot_started_at: datetime | None = None
    ttfb: dict[str, float] = field(default_factory=dict)


Record = CallOpened | CallClosed | SegmentRecord | ToolRecord | TurnRecord

_KINDS: dict[str, type[Record]] = {
    cls.kind: cls for cls in (CallOpened, CallClosed, SegmentRecord, ToolRecord, TurnRecord)
}
_DATETIME_FIELDS: dict[str, frozenset[str]] = {
    kind: frozenset(f.name for f in dataclasses.fields(cls) if "datetime" in str(f.type) and f.init)
    for kind, cls in _KINDS.items()
}


def jsonable(value: Any) -> Any:
    """``value`` as JSON types (a tool result may hold dates, sets or objects: they become text)."""
    return json.loads(json.dumps(value, default=str))


def record_to_json(record: Record) -> str:
    """One line of the spool for ``record``."""
    data: dict[str, Any] = {"kind": record.kind}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        data[f.name] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps(data, separators=(",", ":"), default=str)


def record_from_json(line: str) -> Record:
    """The record written as ``line`` by :func:`record_to_json`."""
    data: dict[str, Any] = json.loads(line)
    kind = data.pop("kind")
    cls = _KINDS[kind]
    for name in _DATETIME_FIELDS[kind]:
        if data.get(name) is not None:
            data[name] = datetime.fromisoformat(data[name])
    return cls(**data)
