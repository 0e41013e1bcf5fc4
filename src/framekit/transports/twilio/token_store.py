"""Where the stream endpoint remembers which stream tokens have been used.

Why a store: a stream token (:mod:`~framekit.transports.twilio.stream_token`) opens
one WebSocket. Checking that needs memory of the tokens already seen until they
expire. One process can keep that in a dict (:class:`InMemoryTokenStore`, the
default). Several processes behind a load balancer cannot: the ``/twilio/voice``
webhook may land on one machine and the WebSocket on another, and a replayed token
would open one stream per machine. They share a store instead
(:class:`~framekit.transports.twilio.redis_token_store.RedisTokenStore`).
"""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["InMemoryTokenStore", "TokenStore", "TokenStoreUnavailable"]


class TokenStoreUnavailable(Exception):
    """The store could not answer (its server is down or slow).

    The stream endpoint refuses the stream (503) rather than guess: an unchecked
    token is one that could be replayed.
    """


class TokenStore(Protocol):
    """Remembers used stream tokens until they expire; shared by every server that checks them."""

    async def first_use(self, token: str, expires_at: float) -> bool:
        """True the first time ``token`` (valid until the Unix time ``expires_at``) is seen.

        Raises :class:`TokenStoreUnavailable` when the answer is unknown.
        """
        ...


class InMemoryTokenStore:
    """The used tokens of this process only: enough for one ``framekit serve`` process."""

    _SWEEP_ABOVE = 1000

    def __init__(self) -> None:
        self._used: dict[str, float] = {}

    async def first_use(self, token: str, expires_at: float) -> bool:
        used = self._used
        if len(used) > self._SWEEP_ABOVE:
            now = time.time()
            for old, expires in list(used.items()):
                if expires < now:
                    del used[old]
        if token in used:
            return False
        used[token] = expires_at
        return True
