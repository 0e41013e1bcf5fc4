"""Sessions signed out before their cookie expires, so a copied cookie dies with them.

A session cookie carries its own expiry and signature (:mod:`.sessions`), so any
worker can check it with nothing shared; what no signature can say is that its
owner signed out. Signing out therefore records the cookie's session id until the
cookie would have expired, and every request's session is looked up here.

Which store: the list must be seen by every process that checks cookies, or a
cookie signed out on one worker still opens the pages of the next. In one process
:class:`MemoryRevocations` is enough; with ``--workers N`` or several hosts use one
that all of them read: Redis
(:class:`~framekit.servers.dashboard.redis_store.RedisRevocations`) or the
application's database (the contact center's ``DatabaseRevocations``, over
:mod:`framekit.storage.signed_out`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["MemoryRevocations", "RevocationUnavailable", "Revocations"]


class RevocationUnavailable(Exception):
    """A sign-out could not be recorded (the shared store failed): the session still holds."""


class Revocations(Protocol):
    """Session ids signed out before they expire."""

    async def revoke(self, session_id: str, expires: int) -> None:
        """Refuse ``session_id`` from now until ``expires`` (Unix time), when its cookie
        is refused anyway; :class:`RevocationUnavailable` when it cannot be recorded."""
        ...

    async def revoked(self, session_id: str) -> bool:
        """Whether ``session_id`` was signed out (True when the store cannot say: a
        session is refused rather than let through)."""
        ...


class MemoryRevocations:
    """Signed-out sessions in this process's memory: right for one process only.

    Each is forgotten once its cookie has expired (checked at each sign-out), so the
    list holds at most the sessions signed out in the last ``max_age`` seconds.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._until: dict[str, int] = {}

    async def revoke(self, session_id: str, expires: int) -> None:
        """See :meth:`Revocations.revoke`."""
        now = self._clock()
        self._until = {key: until for key, until in self._until.items() if until > now}
        self._until[session_id] = expires

    async def revoked(self, session_id: str) -> bool:
        """See :meth:`Revocations.revoked`."""
        return session_id in self._until
