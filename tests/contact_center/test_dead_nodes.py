"""The dead-node sweep's rules on the test Redis and a real database, with owners chosen.

One node sweeps a period (the lock), a node whose heartbeat expired is closed only
after the grace, a live node's calls, the sweeper's own and those of a process that
never sent a heartbeat (no ``REDIS_URL``) are never closed, and a Redis restored
with the heartbeats gone closes nothing once the nodes write them again. Real
processes killed for real are in ``tests/cluster``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("redis", reason="the sweep needs the 'redis' extra")
pytest.importorskip("sqlmodel", reason="the sweep needs the 'db' extra")

from framekit_contact_center.dead_nodes import DeadNodeSweep
from framekit_contact_center.live_calls import LiveCall, LiveCallRegistry, LiveCalls, node_key
from redis.asyncio import Redis
from sqlalchemy import Engine, text

from framekit.servers.twilio.admission import AdmissionControl
from framekit.storage import make_engine, migrate
from framekit.storage._apply import apply_records
from framekit.storage.records import CallOpened
from shared_redis import REDIS_SKIP, redis_prefix, redis_url

BEAT = 0.2
GRACE = 0.6


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    migrate(url)
    engine = make_engine(url)
    started = datetime.now(UTC)
    with engine.connect() as connection:
        apply_records(
            connection,
            [
                CallOpened("c-live", started, owner="host:1:live"),
                CallOpened("c-dead", started, owner="host:2:dead"),
                CallOpened("c-me", started, owner="host:3:me"),
                CallOpened("c-script", started, owner="host:5:no-redis"),
            ],
        )
    yield engine
    engine.dispose()


@pytest.fixture
async def redis() -> AsyncIterator[tuple[Redis, str]]:
    url = redis_url()
    if url is None:
        pytest.skip(REDIS_SKIP)
    async with redis_prefix(url) as prefix:
        client = Redis.from_url(url)
        try:
            yield client, prefix
        finally:
            await client.aclose()


def _open(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id FROM calls WHERE ended_at IS NULL"))
        return {call_id for (call_id,) in rows}


def _sweep(redis: tuple[Redis, str], engine: Engine, me: str) -> DeadNodeSweep:
    client, prefix = redis
    return DeadNodeSweep(client, engine, me, prefix=prefix, heartbeat=BEAT, grace=GRACE)


async def _beat(redis: tuple[Redis, str], owner: str) -> None:
    client, prefix = redis
    await LiveCallRegistry(client, owner, prefix=prefix, ttl=10).publish(())


async def _expire(redis: tuple[Redis, str], *owners: str) -> None:
    """The heartbeat keys of ``owners`` are gone (their life ran out)."""
    client, prefix = redis
    await client.delete(*[node_key(prefix, owner) for owner in owners])


async def test_one_node_sweeps_and_only_an_owner_silent_past_the_grace_is_closed(
    redis: tuple[Redis, str], engine: Engine
) -> None:
    for owner in ("host:1:live", "host:2:dead", "host:3:me"):
        await _beat(redis, owner)
    await _expire(redis, "host:2:dead")
    me, other = _sweep(redis, engine, "host:3:me"), _sweep(redis, engine, "host:4:other")
    assert await me.sweep() == []  # "dead" is a suspect now
    await asyncio.sleep(BEAT)  # the lock expires; still within the grace
    assert await other.sweep() == []
    assert _open(engine) == {"c-live", "c-dead", "c-me", "c-script"}
    await asyncio.sleep(GRACE)
    results = await asyncio.gather(me.sweep(), other.sweep())
    assert sorted(results) == [[], ["c-dead"]]  # one node held the lock
    assert _open(engine) == {"c-live", "c-me", "c-script"}
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT outcome, end_reason FROM calls WHERE id = 'c-dead'")
        ).one()
    assert tuple(row) == ("failed", "orphaned")


async def test_a_redis_restored_without_the_heartbeats_closes_nothing_once_nodes_beat(
    redis: tuple[Redis, str], engine: Engine
) -> None:
    client, prefix = redis
    sweep = _sweep(redis, engine, "host:3:me")
    await _beat(redis, "host:1:live")
    await _beat(redis, "host:2:dead")  # alive too, here
    await _expire(redis, "host:1:live", "host:2:dead")  # a snapshot restored later
    assert await sweep.sweep() == []  # both suspects
    await asyncio.sleep(BEAT)
    await _beat(redis, "host:1:live")  # the nodes write again within a heartbeat
    await _beat(redis, "host:2:dead")
    await asyncio.sleep(GRACE)
    assert await sweep.sweep() == []
    assert _open(engine) == {"c-live", "c-dead", "c-me", "c-script"}
    assert await client.hgetall(prefix + "dead-nodes:suspects") == {}


async def test_a_place_held_for_a_call_whose_stream_started_elsewhere_is_freed(
    redis: tuple[Redis, str],
) -> None:
    client, prefix = redis
    here = AdmissionControl(4)
    for call_sid in ("CA-elsewhere", "CA-late", "CA-here"):
        assert here.try_admit(call_sid)
    here.started("CA-here")
    other = LiveCallRegistry(client, "host:9:other", prefix=prefix)
    await other.update([LiveCall("CA-elsewhere", "MZ1", 1.0, "host:9:other")], [])
    live = LiveCalls(
        "host:3:me",
        LiveCallRegistry(client, "host:3:me", prefix=prefix),
        lambda: ["MZ-here"],
        heartbeat=BEAT,
        admission=here,
    )
    live.start()
    try:
        async with asyncio.timeout(5):
            while here.admitted != 2:  # noqa: ASYNC110 (a heartbeat's work)
                await asyncio.sleep(0.02)
    finally:
        await live.stop()
    assert sorted(here.pending) == ["CA-late"]  # its stream may still come here
