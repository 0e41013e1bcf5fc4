"""Used stream tokens in Redis, so several servers behind one phone number share them.

Why Redis: the first-use check must be atomic across machines. ``SET key 1 NX PX ttl``
is: exactly one of any number of concurrent callers creates the key, and Redis drops
it once no server would accept the token anyway. The key is a hash of the token (a
token is a short-lived credential; the store need not hold it), under a prefix so
several deployments or test runs can share one Redis. The token issued per
``CallSid`` (:meth:`RedisTokenStore.issue`) is a second key, ``SET NX`` too, holding
the token's expiry for as long.

An outage fails closed: :meth:`RedisTokenStore.first_use` raises
:class:`~framekit.servers.twilio.token_store.TokenStoreUnavailable` within
``timeout`` seconds, and the stream endpoint answers 503. See ``docs/twilio.md``.

The connection pool (:func:`redis_client`) blocks for a free connection rather than
fail: redis-py's default pool raises ``Too many connections`` past 100 commands in
flight, which a burst of calls starting together would reach.
"""

from __future__ import annotations

import asyncio
import hashlib
import time

try:
    from redis.asyncio import BlockingConnectionPool, Redis
    from redis.exceptions import RedisError
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "framekit.servers.twilio.redis_token_store needs redis: pip install 'framekit[redis]'"
    ) from exc

from framekit.servers.twilio.token_store import TokenStoreUnavailable

__all__ = ["RedisTokenStore", "redis_client"]


def redis_client(url: str, *, timeout: float = 1.0, max_connections: int = 50) -> Redis:
    """A client to ``url`` (``redis://`` or ``rediss://``) that owns its connection pool.

    At most ``max_connections`` connections; a command past them waits for a free one
    (up to ``timeout``) instead of failing. Connecting and each reply are bounded by
    ``timeout`` too. Connects lazily: building it needs no Redis.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
    )
    return Redis.from_pool(pool)


class RedisTokenStore:
    """Used stream tokens in Redis (``redis>=5``, asyncio client).

    ``client`` is shared with the caller, who closes it; :meth:`from_url` makes one
    that :meth:`close` closes. ``prefix`` starts every key. ``clock_skew`` seconds are
    added to each key's life, because the server that checks a token may run a clock
    behind the one that issued it. ``timeout`` bounds each call to Redis.
    """

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = "framekit:",
        clock_skew: float = 60.0,
        timeout: float = 1.0,
    ) -> None:
        self._client = client
        self._prefix = f"{prefix}twilio:stream-token:"
        self._issued_prefix = f"{prefix}twilio:call-token:"
        self._skew = clock_skew
        self._timeout = timeout
        self._owns_client = False

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = "framekit:", timeout: float = 1.0
    ) -> RedisTokenStore:
        """A store with its own :func:`redis_client` to ``url``, closed by :meth:`close`."""
        client = redis_client(url, timeout=timeout)
        store = cls(client, prefix=prefix, timeout=timeout)
        store._owns_client = True
        return store

    def key(self, token: str) -> str:
        """The Redis key that marks ``token`` used."""
        return self._prefix + hashlib.sha256(token.encode()).hexdigest()

    async def first_use(self, token: str, expires_at: float) -> bool:
        ttl_ms = max(1, int((expires_at - time.time() + self._skew) * 1000))
        try:
            async with asyncio.timeout(self._timeout):
                created = await self._client.set(self.key(token), b"1", nx=True, px=ttl_ms)
        except (RedisError, OSError, TimeoutError) as exc:
            raise TokenStoreUnavailable(f"redis: {type(exc).__name__}: {exc}") from exc
        return bool(created)

    def issued_key(self, call_sid: str) -> str:
        """The Redis key that holds the expiry of the token issued for ``call_sid``."""
        return self._issued_prefix + hashlib.sha256(call_sid.encode()).hexdigest()

    async def issue(self, call_sid: str, expires_at: float) -> float:
        key = self.issued_key(call_sid)
        ttl_ms = max(1, int((expires_at - time.time() + self._skew) * 1000))
        try:
            async with asyncio.timeout(self._timeout):
                # Two steps, not SET NX GET (Redis 7 only): a key that expires in between
                # belongs to a token no server accepts any more, so a new one is right.
                if await self._client.set(key, str(int(expires_at)), nx=True, px=ttl_ms):
                    return expires_at
                earlier = await self._client.get(key)
        except (RedisError, OSError, TimeoutError) as exc:
            raise TokenStoreUnavailable(f"redis: {type(exc).__name__}: {exc}") from exc
        try:
            return float(int(earlier)) if earlier is not None else expires_at
        except ValueError:
            return expires_at  # not ours: a new token rather than a crash

    async def ping(self) -> None:
        """Return when Redis answers; raise :class:`TokenStoreUnavailable` otherwise."""
        try:
            async with asyncio.timeout(self._timeout):
                await self._client.ping()
        except (RedisError, OSError, TimeoutError) as exc:
            raise TokenStoreUnavailable(f"redis: {type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        """Close the connection pool if :meth:`from_url` made it."""
        if self._owns_client:
            await self._client.aclose()
