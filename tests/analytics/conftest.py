"""The storage tests' databases for the analytics tests: a migrated SQLite file always,
a fresh PostgreSQL schema when ``FRAMEKIT_TEST_DATABASE_URL`` is set."""

from __future__ import annotations

from storage.conftest import database_url, postgres_url, spool_dir, sqlite_url

__all__ = ["database_url", "postgres_url", "spool_dir", "sqlite_url"]
