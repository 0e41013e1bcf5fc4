"""Calls of a ``framekit serve`` that died, closed by one that lives, within seconds.

Why: a call node killed with SIGKILL (or its machine lost) never closes its calls;
on its own host the next server to start closes them (:mod:`framekit.storage.orphans`),
but behind a load balancer no server may ever start there again, and the age rule
waits two hours. Every node renews a heartbeat key in Redis while it runs
(``live-nodes:<owner>``) and names itself in the set ``live-nodes``
(:mod:`framekit_contact_center.live_calls`), so every ``heartbeat`` seconds each node
tries a sweep:

1. it takes the sweep's lock (``SET NX`` with a life of one heartbeat): one node
   sweeps a period, the others skip it;
2. a node of the set whose heartbeat key is missing becomes a *suspect*, stamped with
   Redis's clock in a hash; a suspect whose key is back is cleared;
3. a suspect still missing ``grace`` seconds later is dead: its open calls are closed
   as orphans (outcome ``failed``, end reason ``orphaned``) and it leaves the set.

Only nodes that sent heartbeats are ever judged: a process writing to the same
database without ``REDIS_URL`` (another ``framekit serve``, a script) never is, and its
calls are left to the older rules (:mod:`framekit.storage.orphans`). The database is
read only when a node is dead.

Why the grace, on top of the key's own life: a key missing may also mean that Redis
restarted empty. The set went with it, and every live node writes its key and its
name again within one heartbeat of Redis coming back
(:class:`~framekit_contact_center.live_calls.LiveCalls` retries every heartbeat); a
grace of a few heartbeats covers the moments between. A node that died while Redis
was away is not in the new set: its calls wait for the older rules. A live node cut
off from Redis alone for longer than the key's life and the grace would have its calls
closed early; each such call's own close, written when it ends, overwrites the
orphan's (a close is an update).

A Redis that does not answer skips the sweep (logged once); the database's errors
likewise: the next period tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from loguru import logger
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from framekit.storage.orphans import close_calls_of
from framekit_contact_center.live_calls import node_key, nodes_key

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["DeadNodeSweep"]


class DeadNodeSweep:
    """Closes the open calls of nodes whose heartbeat stopped (see the module docstring).

    ``me`` is this node's owner (never swept). ``heartbeat`` is how often the nodes
    renew their keys and how often this tries a sweep; ``grace`` defaults to three
    heartbeats. ``client`` belongs to the caller.
    """

    def __init__(
        self,
        client: Redis,
        engine: Engine,
        me: str,
        *,
        prefix: str = "framekit:",
        heartbeat: float = 5.0,
        grace: float | None = None,
        timeout: float = 1.0,
    ) -> None:
        self._client = client
        self._engine = engine
        self._me = me
        self._prefix = prefix
        self._lock = f"{prefix}dead-nodes:lock"
        self._suspects = f"{prefix}dead-nodes:suspects"
        self._nodes = nodes_key(prefix)
        self._heartbeat = heartbeat
        self._grace = 3 * heartbeat if grace is None else grace
        self._timeout = timeout
        self._task: asyncio.Task[None] | None = None
        from redis.exceptions import RedisError

        self._errors = (RedisError, OSError, TimeoutError, SQLAlchemyError)

    def start(self) -> None:
        """Sweep every heartbeat from a task this object owns until :meth:`stop`."""
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        failing = False
        while True:
            try:
                await self.sweep()
                failing = False
            except self._errors as exc:
                if not failing:
                    logger.warning(f"dead nodes: sweep skipped ({type(exc).__name__}: {exc})")
                failing = True
            await asyncio.sleep(self._heartbeat)

    async def sweep(self) -> list[str]:
        """One sweep, if this node holds the lock: the ids of the calls it closed."""
        lock_ms = max(1, int(self._heartbeat * 900))  # expires before the next period
        async with asyncio.timeout(self._timeout):
            if not await self._client.set(self._lock, self._me, nx=True, px=lock_ms):
                return []
        dead = await self._dead()
        if not dead:
            return []
        ids = await asyncio.to_thread(close_calls_of, self._engine, dead)
        async with asyncio.timeout(self._timeout):
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.srem(self._nodes, *dead)
                pipe.hdel(self._suspects, *dead)
                await pipe.execute()
        return ids

    async def _dead(self) -> list[str]:
        """The nodes missing for ``grace`` seconds; suspects the newly missing."""
        async with asyncio.timeout(self._timeout):
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.smembers(self._nodes)
                pipe.hgetall(self._suspects)
                pipe.time()
                members, suspects_raw, (seconds, micros) = await pipe.execute()
            now = seconds + micros / 1e6
            owners = sorted({_text(member) for member in members} - {self._me})
            async with self._client.pipeline(transaction=False) as pipe:
                for owner in owners:
                    pipe.exists(node_key(self._prefix, owner))
                present = await pipe.execute()
            suspects = {_text(k): float(v) for k, v in suspects_raw.items()}
            missing = [owner for owner, there in zip(owners, present, strict=True) if not there]
            back = [owner for owner in suspects if owner not in missing]
            new = {owner: now for owner in missing if owner not in suspects}
            async with self._client.pipeline(transaction=False) as pipe:
                if back:
                    pipe.hdel(self._suspects, *back)
                if new:
                    pipe.hset(self._suspects, mapping=new)  # type: ignore[arg-type]
                pipe.pexpire(self._suspects, int((self._grace + 10 * self._heartbeat) * 1000))
                await pipe.execute()
        grace = self._grace
        return [o for o in missing if o in suspects and now - suspects[o] >= grace]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
