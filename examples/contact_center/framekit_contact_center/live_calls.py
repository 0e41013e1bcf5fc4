"""The calls running on every ``framekit serve`` process, kept in Redis (``REDIS_URL``).

Why: behind a load balancer each process knows only its own calls. Each publishes
them under a key of its own, ``<prefix>live-calls:<process id>``, a hash from
``CallSid`` to the stream and start time. A call's start or end is one ``HSET`` or
``HDEL`` (changes that come together go in one round trip), and every heartbeat
replaces the whole hash, which also repairs anything an outage lost: the cost stays
small at a thousand calls a process. The key expires ``ttl`` seconds after the last
write, so a process that dies without a goodbye drops out of the listing by
itself; a process that stops deletes its key. Reading everyone's calls is one
``SCAN`` over those keys and one ``HGETALL`` each.

Each write also renews ``<prefix>live-nodes:<process id>``, the process's heartbeat,
with the same ``ttl``, and names the process in the set ``<prefix>live-nodes``. Unlike
the calls' hash the key exists while the process runs, calls or none: a process in the
set whose heartbeat key expired stopped without a goodbye, and
:mod:`framekit_contact_center.dead_nodes` closes the calls it left open. A process that
stops deletes both.

A call whose webhook reached one process and whose stream another holds a place in
the first one's admission until its stream token expires. So each start also sets
``<prefix>live-call-started:<CallSid>`` (the life of a token), and each process, once
a heartbeat, looks up the calls it admitted whose stream has not come to it and frees
the places of those started elsewhere (:meth:`LiveCallRegistry.started_elsewhere`).

Unlike the stream tokens this is observability, so a Redis outage fails open: the
calls go on, the publisher logs the outage once and retries on the next heartbeat,
and only a reader gets :class:`LiveCallsUnavailable` (the API answers 503).

:class:`LiveCalls` is one process's side: it tracks the calls it runs and, with a
registry, publishes them at once on each start and end and every ``heartbeat``
seconds from a task it owns.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loguru import logger

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.asyncio.client import Pipeline
    from redis.typing import EncodableT, FieldT

    from framekit.servers.twilio.admission import AdmissionControl

__all__ = [
    "LiveCall",
    "LiveCallRegistry",
    "LiveCalls",
    "LiveCallsUnavailable",
    "node_key",
    "nodes_key",
]


_STARTED_MS = 30_000  # a call's "started" mark lives as long as its stream token


class LiveCallsUnavailable(Exception):
    """Redis did not answer; the live calls across processes are unknown."""


@dataclass(frozen=True, slots=True)
class LiveCall:
    """One running call, and the process that runs it."""

    call_sid: str
    stream_sid: str
    started_at: float
    """Unix time the stream started."""
    process: str

    def to_json(self) -> dict[str, str | float]:
        return {
            "call_sid": self.call_sid,
            "stream_sid": self.stream_sid,
            "started_at": self.started_at,
            "process": self.process,
        }


def node_key(prefix: str, process_id: str) -> str:
    """The Redis key that says the process ``process_id`` is alive (its heartbeat)."""
    return f"{prefix}live-nodes:{process_id}"


def nodes_key(prefix: str) -> str:
    """The Redis set of the processes that have sent heartbeats (and not said goodbye)."""
    return f"{prefix}live-nodes"


class LiveCallRegistry:
    """One process's calls published to Redis, and every process's calls read back.

    ``client`` belongs to the caller. ``ttl`` is how long a process's calls outlive
    its last heartbeat; heartbeats must come more often. ``timeout`` bounds each
    Redis round trip.
    """

    def __init__(
        self,
        client: Redis,
        process_id: str,
        *,
        prefix: str = "framekit:",
        ttl: float = 15.0,
        timeout: float = 1.0,
    ) -> None:
        self._client = client
        self.process_id = process_id
        self._base = f"{prefix}live-calls:"
        self.key = self._base + process_id
        self.node_key = node_key(prefix, process_id)
        self.nodes_key = nodes_key(prefix)
        self._started_base = f"{prefix}live-call-started:"
        self._ttl_ms = max(1, int(ttl * 1000))
        self._timeout = timeout
        from redis.exceptions import RedisError  # only a registry needs redis, not LiveCall

        self._errors = (RedisError, OSError, TimeoutError)

    async def publish(self, calls: Iterable[LiveCall]) -> None:
        """Replace this process's calls with ``calls`` and restart its ``ttl``."""
        calls = list(calls)
        mapping = _fields(calls)
        try:
            async with asyncio.timeout(self._timeout):
                async with self._client.pipeline(transaction=True) as pipe:
                    pipe.delete(self.key)
                    if mapping:
                        pipe.hset(self.key, mapping=mapping)
                        pipe.pexpire(self.key, self._ttl_ms)
                        self._mark_started(pipe, calls)
                    self._beat(pipe)
                    await pipe.execute()
        except self._errors as exc:
            raise LiveCallsUnavailable(f"redis: {type(exc).__name__}: {exc}") from exc

    async def update(self, started: Iterable[LiveCall], ended: Iterable[str]) -> None:
        """Add the ``started`` calls, remove the ``ended`` call SIDs, restart the ``ttl``."""
        started = list(started)
        mapping = _fields(started)
        gone = list(ended)
        try:
            async with asyncio.timeout(self._timeout):
                async with self._client.pipeline(transaction=True) as pipe:
                    if gone:
                        pipe.hdel(self.key, *gone)
                    if mapping:
                        pipe.hset(self.key, mapping=mapping)
                        self._mark_started(pipe, started)
                    pipe.pexpire(self.key, self._ttl_ms)
                    self._beat(pipe)
                    await pipe.execute()
        except self._errors as exc:
            raise LiveCallsUnavailable(f"redis: {type(exc).__name__}: {exc}") from exc

    async def withdraw(self) -> None:
        """Forget this process's calls and its heartbeat (it stops)."""
        try:
            async with asyncio.timeout(self._timeout):
                async with self._client.pipeline(transaction=True) as pipe:
                    pipe.delete(self.key, self.node_key)
                    pipe.srem(self.nodes_key, self.process_id)
                    await pipe.execute()
        except self._errors as exc:
            raise LiveCallsUnavailable(f"redis: {type(exc).__name__}: {exc}") from exc

    async def started_elsewhere(self, call_sids: Collection[str]) -> list[str]:
        """Those of ``call_sids`` whose stream started on some process (this one included)."""
        if not call_sids:
            return []
        sids = list(call_sids)
        try:
            async with asyncio.timeout(self._timeout):
                found = await self._client.mget([self._started_base + sid for sid in sids])
        except self._errors as exc:
            raise LiveCallsUnavailable(f"redis: {type(exc).__name__}: {exc}") from exc
        return [sid for sid, there in zip(sids, found, strict=True) if there is not None]

    def _mark_started(self, pipe: Pipeline, calls: list[LiveCall]) -> None:
        for call in calls:
            pipe.set(self._started_base + call.call_sid, self.process_id, px=_STARTED_MS)

    def _beat(self, pipe: Pipeline) -> None:
        pipe.set(self.node_key, b"1", px=self._ttl_ms)
        pipe.sadd(self.nodes_key, self.process_id)

    async def all(self) -> list[LiveCall]:
        """Every process's calls, oldest first."""
        try:
            async with asyncio.timeout(self._timeout):
                keys = [key async for key in self._client.scan_iter(match=self._base + "*")]
                async with self._client.pipeline(transaction=False) as pipe:
                    for key in keys:
                        pipe.hgetall(key)
                    contents = await pipe.execute()
        except self._errors as exc:
            raise LiveCallsUnavailable(f"redis: {type(exc).__name__}: {exc}") from exc
        calls: list[LiveCall] = []
        for key, fields in zip(keys, contents, strict=True):
            process = _text(key).removeprefix(self._base)
            for call_sid, value in fields.items():
                data = json.loads(value)
                calls.append(
                    LiveCall(_text(call_sid), data["stream_sid"], data["started_at"], process)
                )
        return sorted(calls, key=lambda call: call.started_at)


def _fields(calls: Iterable[LiveCall]) -> dict[FieldT, EncodableT]:
    return {
        call.call_sid: json.dumps({"stream_sid": call.stream_sid, "started_at": call.started_at})
        for call in calls
    }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class LiveCalls:
    """This process's running calls, published to ``registry`` when there is one.

    ``running()`` gives the stream SIDs the Twilio server still runs: a call whose
    end was not reported (a pipeline that failed) is dropped at the next heartbeat.
    ``admission``: the process's admission control, whose places held for calls that
    started on another process are freed once a heartbeat.
    """

    def __init__(
        self,
        process_id: str,
        registry: LiveCallRegistry | None,
        running: Callable[[], Collection[str]],
        *,
        heartbeat: float = 5.0,
        admission: AdmissionControl | None = None,
    ) -> None:
        self.process_id = process_id
        self.registry = registry
        self._running = running
        self._admission = admission
        self._heartbeat = heartbeat
        self._calls: dict[str, LiveCall] = {}
        self._started: dict[str, LiveCall] = {}  # since the last write, by streamSid
        self._ended: set[str] = set()  # call SIDs, since the last write
        self._changed = asyncio.Event()
        self._publisher: asyncio.Task[None] | None = None

    def started(self, call: LiveCall) -> None:
        self._calls[call.stream_sid] = call
        self._started[call.stream_sid] = call
        self._ended.discard(call.call_sid)
        self._changed.set()

    def ended(self, stream_sid: str) -> None:
        call = self._calls.pop(stream_sid, None)
        if call is not None:
            self._started.pop(stream_sid, None)
            self._ended.add(call.call_sid)
            self._changed.set()

    def here(self) -> list[LiveCall]:
        """This process's calls, oldest first."""
        running = self._running()
        for gone in [sid for sid in self._calls if sid not in running]:
            del self._calls[gone]
        return sorted(self._calls.values(), key=lambda call: call.started_at)

    async def everywhere(self) -> list[LiveCall]:
        """Every process's calls (this one's without a registry).

        Raises :class:`LiveCallsUnavailable` when the registry does not answer.
        """
        if self.registry is None:
            return self.here()
        return await self.registry.all()

    def start(self) -> None:
        """Start publishing (a task this object owns until :meth:`stop`)."""
        if self.registry is not None and self._publisher is None:
            self._publisher = asyncio.create_task(self._publish(self.registry))

    async def stop(self) -> None:
        """Stop publishing and remove this process's calls from the registry."""
        if self._publisher is None or self.registry is None:
            return
        self._publisher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._publisher
        self._publisher = None
        try:
            await self.registry.withdraw()
        except LiveCallsUnavailable as exc:
            logger.warning(f"live calls: could not withdraw this process's calls ({exc})")

    async def _free_places(self, registry: LiveCallRegistry) -> None:
        """Free the admission places of calls admitted here that started elsewhere."""
        if self._admission is None:
            return
        started = await registry.started_elsewhere(self._admission.pending)
        still = set(self._admission.pending)  # a stream may have come here meanwhile
        for call_sid in started:
            if call_sid in still:
                self._admission.ended(call_sid)

    async def _publish(self, registry: LiveCallRegistry) -> None:
        loop = asyncio.get_running_loop()
        failing = False
        full_at = loop.time()
        while True:
            self._changed.clear()
            started, self._started = self._started, {}
            ended, self._ended = self._ended, set()
            try:
                # After a failure the lost changes are in the next full write.
                if failing or loop.time() >= full_at:
                    full_at = loop.time() + self._heartbeat
                    await registry.publish(self.here())
                    await self._free_places(registry)
                else:
                    await registry.update(started.values(), ended)
                if failing:
                    logger.info("live calls: published again (redis answers)")
                failing = False
            except LiveCallsUnavailable as exc:
                if not failing:
                    logger.warning(
                        f"live calls: not published ({exc}); calls go on, retrying every "
                        f"{self._heartbeat:g} s"
                    )
                failing = True
            if failing:  # retry once a heartbeat, not on every call's start or end
                await asyncio.sleep(max(0.0, full_at - loop.time()))
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(full_at):
                    await self._changed.wait()
