"""``analytics_summary``: totals and series computed in SQL, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from framekit.analytics import analyze
from framekit.storage import get_call, make_engine, migrate
from framekit.storage.aggregates import analytics_summary
from framekit.storage.analyses import begin_analysis, save_analysis
from framekit.storage.database import MIGRATIONS_DIR

from ._records import ORDER_CALL, T0, call_records, write

ANGRY = {
    "said": [("user", "this is ridiculous, i want a real person", 1.0, 4.0)],
    "tools": [("transfer_to_human", {}, {"transferred_to": "+15550199"}, 5.0)],
    "latencies": [2.0],
    "ended": 30.0,
    "outcome": "transferred",
    "cause": "transferred",
}


@pytest.fixture
def engine(database_url: str, spool_dir: Path) -> Iterator[Engine]:
    """Three analysed calls on the 20th (09:00, 09:30, 11:00 UTC), one on the 21st, one
    ended call not analysed yet."""
    calls = [
        *call_records("a1", start=T0, **ORDER_CALL),  # type: ignore[arg-type]
        *call_records("a2", start=T0 + timedelta(minutes=30), **ANGRY),  # type: ignore[arg-type]
        *call_records("a3", start=T0 + timedelta(hours=2), **ORDER_CALL),  # type: ignore[arg-type]
        *call_records("a4", start=T0 + timedelta(days=1), **ANGRY),  # type: ignore[arg-type]
        *call_records("a5", start=T0 + timedelta(hours=1), **ORDER_CALL),  # type: ignore[arg-type]
    ]
    write(str(database_url), spool_dir, calls)
    engine = make_engine(database_url)
    for call_id in ("a1", "a2", "a3", "a4"):
        begin_analysis(engine, call_id)
        details = get_call(engine, call_id)
        assert details is not None
        save_analysis(engine, call_id, analyze(details).columns())
    yield engine
    engine.dispose()


def test_totals_count_outcomes_rates_handle_time_sentiment_latency_and_intents(
    engine: Engine,
) -> None:
    body = analytics_summary(engine, T0 - timedelta(days=1), T0 + timedelta(days=2))
    totals = body["totals"]

    assert totals["calls"] == 4  # a5 is not analysed yet
    assert totals["outcomes"] == {
        "resolved": 2,
        "transferred": 2,
        "unresolved": 0,
        "abandoned": 0,
        "failed": 0,
    }
    assert (totals["resolution_rate"], totals["transfer_rate"]) == (0.5, 0.5)
    assert totals["avg_handle_s"] == 25.0  # (20 + 30 + 20 + 30) / 4
    assert totals["sentiment"] == {"positive": 2, "neutral": 0, "negative": 2}
    # turns: 0.6, 0.9, 1.4 twice and 2.0 twice -> nearest rank of 8, read from the
    # calls' 5 % latency buckets: each within 2.5 % of the exact value
    assert totals["latency_ms"] == {"p50": near(900), "p95": near(2000), "p99": near(2000)}
    assert totals["intents"] == {"order_status": 2, "transfer_to_human": 2}


def test_the_series_has_every_bucket_of_the_period_in_utc(engine: Engine) -> None:
    body = analytics_summary(engine, T0, T0 + timedelta(hours=3), "hour")

    assert (body["since"], body["until"], body["bucket"]) == (
        "2026-11-20T09:00:00Z",
        "2026-11-20T12:00:00Z",
        "hour",
    )
    assert [(b["start"], b["calls"]) for b in body["series"]] == [
        ("2026-11-20T09:00:00Z", 2),
        ("2026-11-20T10:00:00Z", 0),
        ("2026-11-20T11:00:00Z", 1),
    ]
    nine = body["series"][0]
    assert nine["outcomes"]["transferred"] == 1
    assert nine["avg_handle_s"] == 25.0
    assert nine["latency_ms"] == {"p50": near(900), "p95": near(2000)}
    assert body["series"][1]["latency_ms"] == {"p50": None, "p95": None}


def test_days_and_an_empty_period(engine: Engine) -> None:
    days = analytics_summary(engine, T0 - timedelta(days=1), T0 + timedelta(days=2), "day")
    empty = analytics_summary(engine, T0 + timedelta(days=10), T0 + timedelta(days=11))

    assert [b["calls"] for b in days["series"]] == [0, 3, 1, 0]
    assert empty["totals"]["calls"] == 0
    assert empty["totals"]["resolution_rate"] is None
    assert empty["totals"]["latency_ms"] == {"p50": None, "p95": None, "p99": None}


def test_calls_analysed_before_the_buckets_existed_are_counted_by_the_migration(
    database_url: str, engine: Engine
) -> None:
    _undo_migrations_after(engine, "0006")  # later migrations' tables are not 0006's concern
    with engine.begin() as connection:  # the schema as migration 0006 found it
        connection.execute(text("ALTER TABLE call_analyses DROP COLUMN latency_buckets"))
        connection.execute(
            text("CREATE INDEX ix_turn_metrics_call_latency ON turn_metrics (call_id, latency_s)")
        )
        connection.execute(text("UPDATE alembic_version SET version_num = '0005'"))

    migrate(database_url)  # 0006 again: the column anew, the counts from the turns

    body = analytics_summary(engine, T0 - timedelta(days=1), T0 + timedelta(days=2))
    assert body["totals"]["latency_ms"] == {"p50": near(900), "p95": near(2000), "p99": near(2000)}


def _undo_migrations_after(engine: Engine, revision: str) -> None:
    """Alembic's own downgrades of every migration after ``revision``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def near(ms: float) -> Any:
    """A latency as read from the 5 % buckets: within 2.5 % of ``ms``, not exact."""
    return pytest.approx(ms, rel=0.025)


def test_bad_periods_are_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="until must be after since"):
        analytics_summary(engine, T0, T0)
    with pytest.raises(ValueError, match="at most 2000 hours"):
        analytics_summary(engine, T0, T0 + timedelta(days=100), "hour")
