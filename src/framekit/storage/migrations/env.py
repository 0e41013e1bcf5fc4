"""Alembic environment for framekit's call records.

:func:`framekit.storage.database.migrate` passes an open connection in
``config.attributes["connection"]``; the ``alembic`` command line (run from a
checkout with ``-x url=...``) gets a URL instead.
"""

from __future__ import annotations

from alembic import context

from framekit.storage.database import DEFAULT_DATABASE_URL, make_engine
from framekit.storage.models import metadata


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=metadata)  # type: ignore[arg-type]
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url", DEFAULT_DATABASE_URL)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


_main()
