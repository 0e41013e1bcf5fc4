"""Where call records live: database URLs, engines, and the schema migration.

The embedded default is a SQLite file (``sqlite:///framekit.db``), so a fresh
install records calls with no server. ``DATABASE_URL`` points at PostgreSQL in
production; a plain ``postgresql://`` URL is taken to mean the psycopg 3 driver,
the one the ``db`` extra installs.

Why SQLite engines open a connection per use (``NullPool``): the writer talks to
the database from one thread, in batches, so pooling saves little; and a held
connection would keep writing into a database file that was moved or deleted,
reporting success for rows nobody will ever read.

Why every PostgreSQL connection carries socket and server timeouts: a server
that stops answering without closing the connection (a black-holed network, a
frozen host) would otherwise leave a query waiting forever, with only a connect
timeout set. :func:`make_engine` sets, unless the URL sets them itself:

=================================== ===========================================================
``connect_timeout`` 3 s             the whole connection set-up, handshake included
``keepalives`` idle 10 s, every     an idle pooled connection to a dead host is found
5 s, 3 probes                       within 25 s
``tcp_user_timeout`` 10 s           data sent but unacknowledged for 10 s breaks the
                                    connection (the kernel gives up instead of retrying
                                    for 15 minutes)
``statement_timeout`` 15 s          the server cancels a statement that runs longer
                                    (``options=-c statement_timeout=...``)
=================================== ===========================================================

and the pool waits at most ``pool_timeout`` (5 s) for a free connection and checks
a pooled one before use (``pool_pre_ping``). SQLite waits at most 5 s for a lock
(its busy timeout). None of these bounds a write whose packets are silently
dropped while something still acknowledges them (a proxy, a load balancer): the
record writer puts its own deadline on every write for that
(:mod:`framekit.storage.writer`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from framekit.storage._deps import require_db_extra

require_db_extra()

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from sqlalchemy import Engine, create_engine  # noqa: E402
from sqlalchemy.engine import URL, make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from framekit.storage.job_lock import job_lock  # noqa: E402

__all__ = [
    "CONNECT_TIMEOUT_S",
    "DEFAULT_DATABASE_URL",
    "MIGRATIONS_DIR",
    "POOL_TIMEOUT_S",
    "SQLITE_BUSY_TIMEOUT_S",
    "STATEMENT_TIMEOUT_S",
    "make_engine",
    "migrate",
    "normalize_url",
]

DEFAULT_DATABASE_URL = "sqlite:///framekit.db"
"""A SQLite file in the working directory: the embedded default."""

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
"""The Alembic scripts, shipped inside the package so an installed framekit can migrate."""

CONNECT_TIMEOUT_S = 3.0
"""Seconds to set up a PostgreSQL connection, handshake included."""
STATEMENT_TIMEOUT_S = 15.0
"""Seconds the server lets one statement run (``0``: no limit)."""
POOL_TIMEOUT_S = 5.0
"""Seconds to wait for a free pooled connection."""
SQLITE_BUSY_TIMEOUT_S = 5.0
"""Seconds SQLite waits for another connection's lock."""

_PG_SOCKET = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,  # milliseconds
}


def normalize_url(url: str) -> str:
    """``url`` with an explicit driver: ``postgresql://`` becomes ``postgresql+psycopg://``."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(
    url: str, *, statement_timeout: float = STATEMENT_TIMEOUT_S, **kwargs: Any
) -> Engine:
    """An engine for ``url`` with framekit's timeouts (see the module docstring).

    ``statement_timeout``: seconds the PostgreSQL server lets one statement run
    (``0``: no limit). ``kwargs`` go to :func:`sqlalchemy.create_engine` and win.
    """
    normalized = normalize_url(url)
    parsed = make_url(normalized)
    backend = parsed.get_backend_name()
    options: dict[str, Any] = {"pool_pre_ping": True}
    if backend == "sqlite":
        options["poolclass"] = NullPool
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    elif backend == "postgresql":
        options["pool_timeout"] = POOL_TIMEOUT_S
        options["connect_args"] = _postgres_connect_args(parsed, statement_timeout)
    options.update(kwargs)
    return create_engine(normalized, **options)


def _postgres_connect_args(url: URL, statement_timeout: float) -> dict[str, Any]:
    """The timeouts of the module docstring; a parameter the URL sets itself wins."""
    args: dict[str, Any] = {"connect_timeout": round(CONNECT_TIMEOUT_S), **_PG_SOCKET}
    args = {name: value for name, value in args.items() if name not in url.query}
    given = url.query.get("options", "")
    given = " ".join(given) if isinstance(given, tuple) else given
    if statement_timeout > 0 and "statement_timeout" not in given:
        setting = f"-c statement_timeout={round(statement_timeout * 1000)}"
        args["options"] = f"{given} {setting}".strip()
    return args


def migrate(database_url: str = DEFAULT_DATABASE_URL, revision: str = "head") -> None:
    """Bring the schema of ``database_url`` to ``revision`` (``framekit db upgrade``).

    Safe to run at every start: Alembic applies only the missing migrations. Safe
    to run from several processes at once (call nodes starting together on a fresh
    database): each waits for a lock held for the whole upgrade (a PostgreSQL
    advisory lock, or a ``flock`` on a file beside a SQLite database), so the first
    applies the migrations and the others find them applied. Without it, they all
    saw no ``alembic_version`` and all but one failed on ``CREATE TABLE``. Its
    statements, and the wait for the lock, have no server-side time limit
    (rewriting a large table may take long); the socket timeouts still apply.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = make_engine(database_url, statement_timeout=0)  # a migration may take long
    try:
        with job_lock(engine, "migrate", wait=True), engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
