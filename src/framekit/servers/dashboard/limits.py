"""How many wrong tokens a client may try at the sign-in form before it must wait.

The API token is long enough that guessing it is hopeless, but a form that answers
every guess at full speed invites trying, fills the logs, and spends CPU on
comparisons. So each client address gets ``failures`` sign-ins per ``window``
seconds; past them the form answers 429 with ``Retry-After`` until the window,
which starts at the client's first attempt, ends. A successful sign-in clears the
count.

Every attempt counts as it arrives, before the token is compared, and a success then
clears it: two guesses sent at once are two, whichever answers first. This module is
the in-process count (:class:`MemorySignInLimits`), right for one process; with
``--workers N`` or several hosts the count must be shared, which
:class:`~framekit.servers.dashboard.redis_store.RedisSignInLimits` does in Redis.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

__all__ = ["MemorySignInLimits", "SignInLimits"]


class SignInLimits(Protocol):
    """The count of sign-in attempts per client address."""

    async def attempt(self, client: str) -> float | None:
        """Count an attempt by ``client``: None when it may go on, else the seconds until
        it may try again."""
        ...

    async def succeeded(self, client: str) -> None:
        """``client`` signed in: its count starts again from nothing."""
        ...


class MemorySignInLimits:
    """Sign-in attempts counted in this process's memory.

    At most ``max_clients`` addresses are remembered (the oldest window is forgotten
    first), so a flood from many addresses costs bounded memory; an address forgotten
    that way starts again from nothing.
    """

    def __init__(
        self,
        *,
        failures: int = 5,
        window: float = 300.0,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failures < 1 or window <= 0 or max_clients < 1:
            raise ValueError("failures, window and max_clients must be positive")
        self.failures = failures
        self.window = window
        self._max_clients = max_clients
        self._clock = clock
        self._counts: OrderedDict[str, tuple[int, float]] = OrderedDict()
        """client: (attempts, when its window ends), oldest window first."""

    async def attempt(self, client: str) -> float | None:
        """See :meth:`SignInLimits.attempt`."""
        now = self._clock()
        count, until = self._counts.get(client, (0, now))
        if until <= now:
            self._counts.pop(client, None)
            count, until = 0, now + self.window
            while len(self._counts) >= self._max_clients:
                self._counts.popitem(last=False)
        self._counts[client] = (count + 1, until)
        return until - now if count + 1 > self.failures else None

    async def succeeded(self, client: str) -> None:
        """See :meth:`SignInLimits.succeeded`."""
        self._counts.pop(client, None)

    def __len__(self) -> int:
        """Addresses remembered now (expired ones included until they come back or are
        pushed out)."""
        return len(self._counts)
