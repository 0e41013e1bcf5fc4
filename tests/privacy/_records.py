"""Seeding call records of given ages, with recording files on disk, and reading every
table back: what the retention, erasure and audit tests compare."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from framekit.storage.models import (
    Call,
    CallAnalysis,
    ToolInvocation,
    TranscriptSegment,
    TurnMetric,
)

__all__ = ["NOW", "TABLES", "rows_by_call", "seed_call"]

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TABLES = {
    model.__tablename__: model.__table__  # type: ignore[union-attr]
    for model in (Call, TranscriptSegment, ToolInvocation, TurnMetric, CallAnalysis)
}


def seed_call(
    engine: Engine, call_id: str, *, age_days: float, caller: str, recordings: Path
) -> list[Path]:
    """One ended, analysed call started ``age_days`` before :data:`NOW`, with two
    segments, a tool, a turn metric and a recording per track on disk; its files."""
    started = NOW - timedelta(days=age_days)
    files = []
    for track in ("caller", "bot"):
        path = recordings / f"{call_id}-{track}.wav"
        path.write_bytes(b"RIFF" + call_id.encode())
        files.append(path)
    with engine.begin() as connection:
        connection.execute(
            insert(TABLES["calls"]).values(
                id=call_id,
                caller=caller,
                dialled="+15550199",
                direction="inbound",
                started_at=started,
                ended_at=started + timedelta(minutes=2),
                outcome="resolved",
                recordings={"caller": str(files[0]), "bot": str(files[1])},
            )
        )
        for seq, (speaker, text) in enumerate(
            [("user", "where is order 42"), ("bot", "on its way")]
        ):
            connection.execute(
                insert(TABLES["transcript_segments"]).values(
                    call_id=call_id,
                    seq=seq,
                    speaker=speaker,
                    text=text,
                    heard=True,
                    truncated=False,
                )
            )
        connection.execute(
            insert(TABLES["tool_invocations"]).values(
                call_id=call_id, seq=0, name="lookup_order", arguments={"order": "42"}, result="ok"
            )
        )
        connection.execute(
            insert(TABLES["turn_metrics"]).values(
                call_id=call_id, turn_index=0, latency_s=0.8, ttfb={"stt": 0.1}
            )
        )
        connection.execute(
            insert(TABLES["call_analyses"]).values(
                call_id=call_id,
                status="done",
                attempts=1,
                started_at=started,
                summary="asked about order 42",
                sentiment="positive",
                intents=["order_status"],
                details={"tools": ["lookup_order"]},
            )
        )
    return files


def rows_by_call(engine: Engine) -> dict[str, dict[str, Any]]:
    """Per table, per call id, what is left: row counts, and the analysis's and the
    call's columns that retention changes."""
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as connection:
        for name, table in TABLES.items():
            counts: dict[str, Any] = {}
            for row in connection.execute(select(table)).mappings():
                if name == "calls":
                    counts[row["id"]] = dict(row["recordings"] or {})
                elif name == "call_analyses":
                    counts[row["call_id"]] = (row["status"], row["summary"], row["sentiment"])
                else:
                    counts[row["call_id"]] = counts.get(row["call_id"], 0) + 1
            found[name] = counts
    return found
