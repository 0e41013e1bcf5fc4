"""The dashboard's sign-in counts and signed-out sessions in Redis, shared by every worker.

Why Redis: with ``framekit serve --workers N`` (or several hosts) a client's guesses
reach any process, and a cookie signed out on one is presented to another. Both
lists live under ``prefix`` and expire on their own (the count with its window, a
signed-out session with its cookie), so Redis holds nothing stale.

The count is ``SET key 0 EX window NX`` then ``INCR`` in one transaction: the window
starts with the first attempt and every attempt, concurrent ones too, is counted
once. When Redis fails, the count falls back to this process's
(:class:`~framekit.servers.dashboard.limits.MemorySignInLimits`, logged): sign-in
stays limited and possible. A signed-out session's check fails closed instead: while
Redis does not answer, no session cookie is accepted (the API token still is).
"""

from __future__ import annotations

import hashlib

try:
    from redis.asyncio import Redis
    from redis.exceptions import RedisError
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "framekit.servers.dashboard.redis_store needs redis: pip install 'framekit[redis]'"
    ) from exc

from loguru import logger

from framekit.servers.dashboard.limits import MemorySignInLimits
from framekit.servers.dashboard.revocations import RevocationUnavailable

__all__ = ["RedisRevocations", "RedisSignInLimits"]


class RedisSignInLimits:
    """Sign-in attempts per client address counted in Redis (see the module docstring).

    ``client`` is shared with the caller, who closes it; ``prefix`` starts every key.
    A client address is kept as a hash of it.
    """

    def __init__(
        self, client: Redis, *, prefix: str = "framekit:", failures: int = 5, window: float = 300.0
    ) -> None:
        self._redis = client
        self._prefix = f"{prefix}dashboard:sign-in:"
        self.failures = failures
        self.window = window
        self._local = MemorySignInLimits(failures=failures, window=window)

    async def attempt(self, client: str) -> float | None:
        """See :class:`~framekit.servers.dashboard.limits.SignInLimits`."""
        key = self._key(client)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(key, 0, ex=max(1, round(self.window)), nx=True)
                pipe.incr(key)
                pipe.pttl(key)
                _, count, left_ms = await pipe.execute()
        except RedisError as exc:
            logger.warning(f"dashboard: sign-in counts in this process: {type(exc).__name__}")
            return await self._local.attempt(client)
        if int(count) <= self.failures:
            return None
        return max(int(left_ms), 1) / 1000

    async def succeeded(self, client: str) -> None:
        """See :class:`~framekit.servers.dashboard.limits.SignInLimits`."""
        await self._local.succeeded(client)
        try:
            await self._redis.delete(self._key(client))
        except RedisError as exc:
            logger.warning(f"dashboard: sign-in count not cleared: {type(exc).__name__}")

    def _key(self, client: str) -> str:
        return self._prefix + hashlib.sha256(client.encode()).hexdigest()[:32]


class RedisRevocations:
    """Signed-out session ids in Redis, each until its cookie expires.

    ``client`` is shared with the caller, who closes it; ``prefix`` starts every key.
    """

    def __init__(self, client: Redis, *, prefix: str = "framekit:") -> None:
        self._redis = client
        self._prefix = f"{prefix}dashboard:signed-out:"

    async def revoke(self, session_id: str, expires: int) -> None:
        """See :class:`~framekit.servers.dashboard.revocations.Revocations`."""
        try:
            await self._redis.set(self._prefix + session_id, 1, exat=expires)
        except RedisError as exc:
            raise RevocationUnavailable(f"Redis failed: {type(exc).__name__}") from exc

    async def revoked(self, session_id: str) -> bool:
        """See :class:`~framekit.servers.dashboard.revocations.Revocations`: True while
        Redis does not answer."""
        try:
            return bool(await self._redis.exists(self._prefix + session_id))
        except RedisError as exc:
            logger.warning(f"dashboard: sessions refused, Redis failed: {type(exc).__name__}")
            return True
