"""Signed-out dashboard sessions in the calls database, for every worker to read.

The rows and their queries are :mod:`framekit.storage.signed_out`; this adapter runs
them off the event loop and turns a database failure into the dashboard's terms: a
sign-out that cannot be recorded is
:class:`~framekit.servers.dashboard.revocations.RevocationUnavailable`, and a check
that cannot be made refuses the session (fails closed). Why here and not in the
dashboard package: the dashboard reads no call records (its import contract), the
application wires the two.
"""

from __future__ import annotations

import asyncio

from loguru import logger
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from framekit.servers.dashboard.revocations import RevocationUnavailable
from framekit.storage.signed_out import is_signed_out, sign_out

__all__ = ["DatabaseRevocations"]


class DatabaseRevocations:
    """Signed-out sessions in ``engine``'s database (migrated to revision 0007 or later)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def revoke(self, session_id: str, expires: int) -> None:
        """See :class:`~framekit.servers.dashboard.revocations.Revocations`."""
        try:
            await asyncio.to_thread(sign_out, self._engine, session_id, expires)
        except (SQLAlchemyError, OSError) as exc:
            raise RevocationUnavailable(f"the database failed: {type(exc).__name__}") from exc

    async def revoked(self, session_id: str) -> bool:
        """See :class:`~framekit.servers.dashboard.revocations.Revocations`."""
        try:
            return await asyncio.to_thread(is_signed_out, self._engine, session_id)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning(f"dashboard: sessions refused, database failed: {type(exc).__name__}")
            return True
