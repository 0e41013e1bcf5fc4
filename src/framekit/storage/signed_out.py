"""Dashboard sessions signed out before their cookie expires, in the calls database.

Why the database: without Redis it is what every ``framekit serve`` worker and host
shares, so a cookie signed out on one is refused by all
(:mod:`framekit.servers.dashboard.revocations`). Each sign-out also deletes the rows
whose cookies have expired since: the table holds only the sessions signed out within
a cookie's lifetime. Checking one is a primary-key lookup.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select

from framekit.storage.models import SignedOutSession

__all__ = ["is_signed_out", "sign_out"]

_TABLE = SignedOutSession.__table__  # type: ignore[attr-defined]


def sign_out(engine: Engine, session_id: str, expires: int) -> None:
    """Record ``session_id`` as signed out until ``expires`` (Unix time); again is harmless."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            delete(_TABLE).where((_TABLE.c.expires_at <= now) | (_TABLE.c.session_id == session_id))
        )
        until = datetime.fromtimestamp(expires, UTC)
        connection.execute(insert(_TABLE).values(session_id=session_id, expires_at=until))


def is_signed_out(engine: Engine, session_id: str) -> bool:
    """Whether ``session_id`` was signed out (and its cookie has not expired yet)."""
    query = select(_TABLE.c.session_id).where(
        _TABLE.c.session_id == session_id, _TABLE.c.expires_at > datetime.now(UTC)
    )
    with engine.connect() as connection:
        return connection.execute(query).first() is not None
