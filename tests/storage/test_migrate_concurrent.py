"""``migrate()`` run by several processes at once, as call nodes starting together do.

Each process imports framekit first, then all call :func:`migrate` at one agreed
instant, on a database nobody has migrated: a fresh PostgreSQL database of the
test's own (created and dropped here), and a fresh SQLite file. All must succeed
and leave the schema at the head revision, applied once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from framekit.storage import make_engine
from framekit.storage.database import MIGRATIONS_DIR

from .conftest import PG_ENV, PG_SKIP, admin_dsn, with_database

PROCESSES = 4
_AT_ONCE = """
import sys, time
from framekit.storage import migrate
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
migrate(sys.argv[1])
"""


def _head() -> str:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head


def _migrate_at_once(url: str) -> list[subprocess.CompletedProcess[str]]:
    """``PROCESSES`` interpreters that import framekit, then migrate ``url`` at one instant."""
    at = time.time() + 8.0  # every interpreter has imported sqlalchemy and alembic by then
    running = [
        subprocess.Popen(
            [sys.executable, "-c", _AT_ONCE, url, str(at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    done = []
    for process in running:
        out, err = process.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    assert time.time() > at, "an interpreter took longer than 8 s to import: not at once"
    return done


def _assert_migrated_once(url: str, done: list[subprocess.CompletedProcess[str]]) -> None:
    failures = [p.stderr[-2000:] for p in done if p.returncode != 0]
    assert not failures, f"{len(failures)} of {PROCESSES} failed:\n" + "\n".join(failures)
    engine = make_engine(url)
    try:
        assert {"calls", "transcript_segments", "alembic_version"} <= set(
            inspect(engine).get_table_names()
        )
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert [v for (v,) in versions] == [_head()]
    finally:
        engine.dispose()


@pytest.fixture
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the test server (not a schema: a fresh server's state)."""
    if not os.environ.get(PG_ENV):
        pytest.skip(PG_SKIP)
    name = f"framekit_migrate_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_dsn(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(os.environ[PG_ENV], name)
    finally:
        with psycopg.connect(admin_dsn(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.timeout(180)
def test_processes_migrating_a_fresh_postgres_at_once_all_succeed(
    fresh_postgres_database: str,
) -> None:
    done = _migrate_at_once(fresh_postgres_database)
    _assert_migrated_once(fresh_postgres_database, done)


@pytest.mark.timeout(180)
def test_processes_migrating_a_fresh_sqlite_file_at_once_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    done = _migrate_at_once(url)
    _assert_migrated_once(url, done)
