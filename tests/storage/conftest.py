"""Databases for the storage tests: a fresh SQLite file always, PostgreSQL when configured.

PostgreSQL tests run against ``FRAMEKIT_TEST_DATABASE_URL`` (``.ci/run`` sets it to
the machine's server), each in a schema of its own that is dropped afterwards, and
skip with the reason when the variable is unset.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip(
    "sqlmodel", reason="storage tests need the 'db' extra: pip install 'framekit[db]'"
)
pytest.importorskip(
    "psycopg", reason="storage tests need the 'db' extra: pip install 'framekit[db]'"
)

import psycopg
from sqlalchemy.engine import make_url

from framekit.storage import migrate

PG_ENV = "FRAMEKIT_TEST_DATABASE_URL"
PG_SKIP = f"{PG_ENV} is not set: no PostgreSQL to test against (.ci/run sets it)"


def admin_dsn() -> str:
    """The libpq form of the test server's URL (psycopg wants no driver name)."""
    url = make_url(os.environ[PG_ENV]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    """``url`` pointed at another database of the same server."""
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite file in its own directory."""
    directory = tmp_path / "db"
    directory.mkdir()
    url = f"sqlite:///{directory / 'calls.db'}"
    migrate(url)
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A migrated fresh schema on the test server (``search_path`` points at it)."""
    if not os.environ.get(PG_ENV):
        pytest.skip(PG_SKIP)
    schema = f"framekit_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_dsn(), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(os.environ[PG_ENV]).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    try:
        migrate(rendered)
        yield rendered
    finally:
        with psycopg.connect(admin_dsn(), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test that takes it runs on SQLite, then on PostgreSQL (or skips that one)."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def spool_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "spool"
    directory.mkdir()
    return directory
