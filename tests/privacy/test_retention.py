"""Retention deletes exactly what is expired, files included, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlmodel")

from sqlalchemy import Engine

from framekit.storage import make_engine
from framekit.storage.job_lock import job_lock
from framekit.storage.retention import RetentionPolicy, apply_retention
from privacy._records import NOW, rows_by_call, seed_call
from storage.conftest import database_url, postgres_url, sqlite_url

__all__ = ["database_url", "postgres_url", "sqlite_url"]  # the fixtures

POLICY = RetentionPolicy(
    recordings_days=30, transcripts_days=60, analytics_days=90, metadata_days=365
)
AGES = {"fresh": 1, "r": 31, "rt": 61, "rta": 91, "gone": 366, "gone2": 400}
"""Call id -> age in days: each one past one more limit."""


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def seeded(engine: Engine, tmp_path: Path) -> dict[str, list[Path]]:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    return {
        call_id: seed_call(engine, call_id, age_days=age, caller="+15550100", recordings=recordings)
        for call_id, age in AGES.items()
    }


def test_the_policy_refuses_metadata_kept_shorter_than_another_kind() -> None:
    with pytest.raises(ValueError, match="shorter than recordings retention \\(forever\\)"):
        RetentionPolicy(metadata_days=30)
    with pytest.raises(ValueError, match="transcripts retention \\(90 days\\)"):
        RetentionPolicy(
            recordings_days=10, transcripts_days=90, analytics_days=10, metadata_days=30
        )
    with pytest.raises(ValueError, match="at least 1 day"):
        RetentionPolicy(recordings_days=0)
    assert not RetentionPolicy().active


def test_retention_deletes_each_kind_past_its_age_and_nothing_else(
    engine: Engine, seeded: dict[str, list[Path]]
) -> None:
    before = rows_by_call(engine)
    report = apply_retention(engine, POLICY, now=NOW, batch_size=2)

    after = rows_by_call(engine)
    assert set(after["calls"]) == {"fresh", "r", "rt", "rta"}
    assert after["calls"]["fresh"] == before["calls"]["fresh"]
    assert after["calls"]["r"] == after["calls"]["rt"] == after["calls"]["rta"] == {}
    assert after["transcript_segments"] == {"fresh": 2, "r": 2}
    assert after["tool_invocations"] == {"fresh": 1, "r": 1}
    assert after["turn_metrics"] == {"fresh": 1, "r": 1, "rt": 1}
    assert (
        after["call_analyses"]["fresh"]
        == after["call_analyses"]["rt"]
        == (
            "done",
            "asked about order 42",
            "positive",
        )
    )
    assert after["call_analyses"]["rta"] == ("expired", None, None)
    on_disk = {call_id: [p.exists() for p in files] for call_id, files in seeded.items()}
    assert on_disk == {call_id: [call_id == "fresh"] * 2 for call_id in AGES}
    assert report.calls == {"metadata": 2, "recordings": 3, "transcripts": 2, "analytics": 1}
    assert report.files == {"deleted": 10}
    assert report.rows["calls"] == 2

    again = apply_retention(engine, POLICY, now=NOW)
    assert (again.calls, again.rows, again.files) == ({}, {}, {})
    assert rows_by_call(engine) == after


def test_a_dry_run_counts_the_same_and_deletes_nothing(
    engine: Engine, seeded: dict[str, list[Path]]
) -> None:
    before = rows_by_call(engine)
    dry = apply_retention(engine, POLICY, now=NOW, dry_run=True)
    assert rows_by_call(engine) == before
    assert all(path.exists() for files in seeded.values() for path in files)
    real = apply_retention(engine, POLICY, now=NOW)
    assert (dry.calls, dry.files) == (real.calls, real.files)
    assert dry.rows == real.rows


def test_a_run_cut_short_is_finished_by_the_next(
    engine: Engine, seeded: dict[str, list[Path]]
) -> None:
    gone = seeded["gone"][0]
    calls = 0

    def crash_on_second(location: str) -> None:
        nonlocal calls
        calls += 1
        Path(location).unlink(missing_ok=True)
        if calls == 2:
            raise KeyboardInterrupt  # the process dies mid-batch: the batch rolls back

    with pytest.raises(KeyboardInterrupt):
        apply_retention(engine, POLICY, now=NOW, delete_recording=crash_on_second, batch_size=1)
    assert not gone.exists()
    assert "gone" in rows_by_call(engine)["calls"]  # its rows were not committed
    apply_retention(engine, POLICY, now=NOW)
    assert set(rows_by_call(engine)["calls"]) == {"fresh", "r", "rt", "rta"}


def test_a_file_that_cannot_be_deleted_keeps_its_call_for_the_next_run(
    engine: Engine, seeded: dict[str, list[Path]]
) -> None:
    def refuse(location: str) -> None:
        raise OSError("store down")

    report = apply_retention(
        engine, RetentionPolicy(recordings_days=30), now=NOW, delete_recording=refuse
    )
    assert report.files == {"failed": 10}
    assert rows_by_call(engine)["calls"]["r"] != {}


def test_one_process_at_a_time_holds_the_retention_lock(engine: Engine) -> None:
    with job_lock(engine, "retention") as first, job_lock(engine, "retention") as second:
        assert (first, second) == (True, False)
    with job_lock(engine, "retention") as again:
        assert again
