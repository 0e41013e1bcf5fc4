"""Calls written as the recorder writes them (its records, through a real RecordWriter)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from framekit.storage import RecordWriter
from framekit.storage.records import (
    CallClosed,
    CallOpened,
    Record,
    SegmentRecord,
    ToolRecord,
    TurnRecord,
)

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def at(seconds: float, start: datetime = T0) -> datetime:
    return start + timedelta(seconds=seconds)


def call_records(
    call_id: str,
    *,
    start: datetime = T0,
    said: Sequence[tuple[str, str, float, float]] = (),
    tools: Sequence[tuple[str, dict[str, Any], Any, float]] = (),
    latencies: Sequence[float] = (),
    ended: float | None = 60.0,
    outcome: str = "resolved",
    cause: str = "caller_hung_up",
    truncated: Sequence[int] = (),
) -> list[Record]:
    """A call from ``start``: ``said`` (speaker, text, from, to seconds), ``tools``
    (name, arguments, result, at seconds), turn latencies; closed at ``ended`` seconds."""
    records: list[Record] = [CallOpened(call_id, start, caller="+15550100")]
    for seq, (speaker, text, began, finished) in enumerate(said, 1):
        records.append(
            SegmentRecord(
                call_id,
                seq,
                speaker,
                text,
                at(began, start),
                at(finished, start),
                truncated=seq in truncated,
            )
        )
    for seq, (name, arguments, result, when) in enumerate(tools, 1):
        error = result.pop("raised") if isinstance(result, dict) and "raised" in result else None
        records.append(
            ToolRecord(
                call_id,
                seq,
                name,
                arguments,
                None if error else result,
                error=error,
                started_at=at(when - 0.2, start),
                ended_at=at(when, start),
            )
        )
    for index, latency in enumerate(latencies):
        records.append(TurnRecord(call_id, index, latency))
    if ended is not None:
        records.append(CallClosed(call_id, at(ended, start), outcome, cause))
    return records


def write(database_url: str, spool: Path, records: Sequence[Record]) -> None:
    """Write ``records`` through a RecordWriter, as a server does, and wait for them."""
    writer = RecordWriter(database_url, spool_dir=spool).start()
    try:
        for record in records:
            writer.submit(record)
        assert writer.flush(10)
    finally:
        writer.close()


ORDER_CALL = {
    "said": [
        ("bot", "Thanks for calling Northwind, how can I help?", 0.5, 3.0),
        ("user", "hi, where is my order 4271? it's the third time I'm calling", 4.0, 8.0),
        ("bot", "Order 4271 shipped yesterday and arrives on Monday.", 9.0, 12.0),
        ("user", "oh perfect, thank you so much!", 13.0, 15.0),
        ("bot", "You're welcome. Goodbye!", 16.0, 17.0),
    ],
    "tools": [("order_status", {"order_number": "4271"}, {"status": "shipped"}, 8.6)],
    "latencies": [0.6, 0.9, 1.4],
    "ended": 20.0,
    "truncated": [3],
}
"""A resolved order call: 20 s, the caller 6 s, the bot 6.5 s heard, one barge-in."""
