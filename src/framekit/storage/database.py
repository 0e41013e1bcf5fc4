"""Where call records live: database URLs, engines, and the schema migration.

The embedded default is a SQLite file (``sqlite:///framekit.db``), so a fresh
install records calls with no server. ``DATABASE_URL`` points at PostgreSQL in
production; a plain ``postgresql://`` URL is taken to mean the psycopg 3 driver,
the one the ``db`` extra installs.

Why SQLite engines open a connection per use (``NullPool``): the writer talks to
the database from one thread, in batches, so pooling saves little; and a held
connection would keep writing into a database file that was moved or deleted,
reporting success for rows nobody will ever read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from framekit.storage._deps import require_db_extra

require_db_extra()

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from sqlalchemy import Engine, create_engine  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

__all__ = ["DEFAULT_DATABASE_URL", "MIGRATIONS_DIR", "make_engine", "migrate", "normalize_url"]

DEFAULT_DATABASE_URL = "sqlite:///framekit.db"
"""A SQLite file in the working directory: the embedded default."""

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
"""The Alembic scripts, shipped inside the package so an installed framekit can migrate."""

_CONNECT_TIMEOUT_S = 3


def normalize_url(url: str) -> str:
    """``url`` with an explicit driver: ``postgresql://`` becomes ``postgresql+psycopg://``."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with framekit's settings (see the module docstring).

    PostgreSQL connections give up after a few seconds, so an unreachable server
    shows up as an error the writer can act on instead of a hang.
    """
    normalized = normalize_url(url)
    backend = make_url(normalized).get_backend_name()
    options: dict[str, Any] = {"pool_pre_ping": True}
    if backend == "sqlite":
        options["poolclass"] = NullPool
    elif backend == "postgresql":
        options["connect_args"] = {"connect_timeout": _CONNECT_TIMEOUT_S}
    options.update(kwargs)
    return create_engine(normalized, **options)


def migrate(database_url: str = DEFAULT_DATABASE_URL, revision: str = "head") -> None:
    """Bring the schema of ``database_url`` to ``revision`` (``framekit db upgrade``).

    Safe to run at every start: Alembic applies only the missing migrations.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
