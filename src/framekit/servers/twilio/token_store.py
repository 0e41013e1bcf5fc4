"""Where the stream endpoint remembers which stream tokens have been used.

Why a store: a stream token (:mod:`~framekit.servers.twilio.stream_token`) opens
one WebSocket. Checking that needs memory of the tokens already seen until they
expire. One process can keep that in a dict (:class:`InMemoryTokenStore`, the
default). Several processes behind a load balancer cannot: the ``/twilio/voice``
webhook may land on one machine and the WebSocket on another, and a replayed token
would open one stream per machine. They share a store instead
(:class:`~framekit.servers.twilio.redis_token_store.RedisTokenStore`).

The store also remembers, per ``CallSid``, the token the voice webhook issued
(:meth:`TokenStore.issue`): a signed webhook replayed within the token's life is
answered with that same token, already spent or about to be, instead of a new one.
A signature covers the URL and the form, not the time, so without this memory one
captured webhook would mint a stream token at every replay.
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

    async def issue(self, call_sid: str, expires_at: float) -> float:
        """The expiry of the stream token issued for ``call_sid``: ``expires_at`` the first
        time, the first one's while it lives (the webhook then answers with the same token).

        Raises :class:`TokenStoreUnavailable` when the answer is unknown.
        """
        ...


class InMemoryTokenStore:
    """The used tokens of this process only: enough for one ``framekit serve`` process."""

    _SWEEP_ABOVE = 1000

    def __init__(self) -> None:
        self._used: dict[str, float] = {}
        self._issued: dict[str, float] = {}

    async def first_use(self, token: str, expires_at: float) -> bool:
        used = self._used
        _sweep(used)
        if token in used:
            return False
        used[token] = expires_at
        return True

    async def issue(self, call_sid: str, expires_at: float) -> float:
        issued = self._issued
        _sweep(issued)
        earlier = issued.get(call_sid)
        if earlier is not None and earlier >= time.time():
            return earlier
        issued[call_sid] = expires_at
        return expires_at


def _sweep(expiries: dict[str, float]) -> None:
    """Forget the expired entries once there are many (amortized: not on every call)."""
    if len(expiries) > InMemoryTokenStore._SWEEP_ABOVE:
        now = time.time()
        for old, expires in list(expiries.items()):
            if expires < now:
                del expiries[old]
