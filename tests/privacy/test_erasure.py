"""Erasure of one caller: every row and file of theirs goes, no other caller's, through
the library (SQLite and PostgreSQL), `framekit erase` and `framekit retention` as
subprocesses, and a served DELETE /api/callers/{number}."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlmodel")

from sqlalchemy import Engine

from framekit.storage import make_engine
from framekit.storage.audit import caller_target, list_events
from framekit.storage.erasure import check_caller, erase_caller
from privacy._records import rows_by_call, seed_call
from storage.conftest import database_url, postgres_url, sqlite_url

__all__ = ["database_url", "postgres_url", "sqlite_url"]  # the fixtures

FRAMEKIT = Path(sys.executable).with_name("framekit")
ALICE, BOB = "+15550100", "+15550111"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _seed(engine: Engine, recordings: Path) -> dict[str, list[Path]]:
    recordings.mkdir(exist_ok=True)
    calls = {"a1": (ALICE, 1), "a2": (ALICE, 200), "b1": (BOB, 1), "b2": (BOB, 200)}
    return {
        call_id: seed_call(engine, call_id, age_days=age, caller=caller, recordings=recordings)
        for call_id, (caller, age) in calls.items()
    }


def test_erasure_removes_every_row_and_file_of_one_caller_only(
    engine: Engine, tmp_path: Path
) -> None:
    files = _seed(engine, tmp_path / "recordings")
    before = rows_by_call(engine)
    report = erase_caller(engine, ALICE, batch_size=1)
    after = rows_by_call(engine)
    for table, rows in after.items():
        assert rows == {k: v for k, v in before[table].items() if k.startswith("b")}, table
    assert [p.exists() for c in ("a1", "a2") for p in files[c]] == [False] * 4
    assert all(p.exists() for c in ("b1", "b2") for p in files[c])
    assert report.as_dict() == {
        "calls": 2,
        "rows": {
            "calls": 2,
            "transcript_segments": 4,
            "tool_invocations": 2,
            "turn_metrics": 2,
            "call_analyses": 2,
        },
        "files": {"deleted": 4},
        "complete": True,
    }
    assert erase_caller(engine, ALICE).as_dict()["calls"] == 0
    with pytest.raises(ValueError, match="not a caller number"):
        check_caller(" ")


def _framekit(
    *args: str, database: str, directory: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RETENTION_", "RECORDINGS_"))},
        "DATABASE_URL": database,
        "RECORDINGS_DIR": str(directory / "recordings"),
        **env,
    }
    return subprocess.run(
        [FRAMEKIT, *args],
        env=environ,
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.timeout(240)
def test_the_commands_erase_a_caller_and_apply_retention(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    files = _seed(engine, tmp_path / "recordings")
    days = {"RETENTION_RECORDINGS_DAYS": "30", "RETENTION_TRANSCRIPTS_DAYS": "30"}
    days |= {"RETENTION_ANALYTICS_DAYS": "30", "RETENTION_METADATA_DAYS": "100"}
    before = rows_by_call(engine)

    dry = _framekit("retention", "--dry-run", database=database_url, directory=tmp_path, **days)
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["calls"] == {"metadata": 2}
    assert rows_by_call(engine) == before
    assert all(p.exists() for paths in files.values() for p in paths)

    bad = _framekit(
        "retention",
        database=database_url,
        directory=tmp_path,
        RETENTION_METADATA_DAYS="10",
        RETENTION_RECORDINGS_DAYS="30",
    )
    assert bad.returncode == 2
    assert "RETENTION_METADATA_DAYS" in bad.stderr

    erased = _framekit("erase", "--caller", ALICE, database=database_url, directory=tmp_path)
    assert erased.returncode == 0, erased.stderr
    assert json.loads(erased.stdout)["calls"] == 2
    assert set(rows_by_call(engine)["calls"]) == {"b1", "b2"}

    run = _framekit("retention", database=database_url, directory=tmp_path, **days)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["files"] == {"deleted": 2}
    assert set(rows_by_call(engine)["calls"]) == {"b1"}
    assert [p.exists() for p in files["b2"]] == [False, False]
    assert all(p.exists() for p in files["b1"])

    events = list_events(engine)
    assert [(e.actor, e.action) for e in events] == [("cli", "retention_delete"), ("cli", "erase")]
    assert events[1].target == caller_target(ALICE)
    assert events[0].details["calls"] == {"metadata": 1}
