"""One process at a time for a periodic job (retention) across every server sharing a database.

Why the database and not Redis: the database is the one thing every ``framekit serve``
worker and host shares for sure. On PostgreSQL the lock is a session advisory lock
(``pg_try_advisory_lock``), held by one connection for the job's length and freed by
the server if that process dies. On SQLite, whose processes share a machine, it is an
exclusive ``flock`` on a file beside the database, freed by the kernel the same way.
A process that does not get the lock skips this round: another one is doing the work.
With ``wait=True`` it waits for the lock instead (:func:`~framekit.storage.migrate`:
every process must find the schema migrated before it goes on).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text

__all__ = ["job_lock"]


@contextlib.contextmanager
def job_lock(engine: Engine, name: str, *, wait: bool = False) -> Iterator[bool]:
    """Take the lock ``name`` on ``engine``'s database; yields whether it was taken.

    Without ``wait`` it only tries (never waits); with ``wait`` it waits as long as
    another process holds it, and yields True. Released when the block ends.
    """
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name, wait) as taken:
            yield taken
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield True  # a database of one process: nobody to exclude
        return
    with _file_lock(Path(f"{database}.{name}.lock"), wait) as taken:
        yield taken


@contextlib.contextmanager
def _advisory_lock(engine: Engine, name: str, wait: bool) -> Iterator[bool]:
    key = int.from_bytes(
        hashlib.sha256(f"framekit:{name}".encode()).digest()[:8], "big", signed=True
    )
    with engine.connect() as connection:
        if wait:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            taken = True
        else:
            query = text("SELECT pg_try_advisory_lock(:k)")
            taken = bool(connection.execute(query, {"k": key}).scalar())
        connection.commit()
        try:
            yield taken
        finally:
            if taken:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()


@contextlib.contextmanager
def _file_lock(path: Path, wait: bool) -> Iterator[bool]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
