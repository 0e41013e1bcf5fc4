"""Databases for the dashboard tests: a SQLite file always, PostgreSQL when configured.

PostgreSQL runs against ``FRAMEKIT_TEST_DATABASE_URL`` in a schema of the test's own,
dropped afterwards (the server is shared by parallel runs).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlmodel", reason="the dashboard tests need the 'db' extra")
pytest.importorskip("twilio", reason="the serve app needs the 'twilio' extra")

import psycopg
from sqlalchemy.engine import make_url

PG_ENV = "FRAMEKIT_TEST_DATABASE_URL"


def _admin_dsn() -> str:
    url = make_url(os.environ[PG_ENV]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _schema_url(schema: str) -> str:
    url = make_url(os.environ[PG_ENV]).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty schema of the test's own on the test server."""
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL to test against (.ci/run sets it)")
    schema = f"framekit_dash_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _schema_url(schema)
    finally:
        with psycopg.connect(_admin_dsn(), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes it runs on SQLite, then on PostgreSQL (or skips that one)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'calls.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
