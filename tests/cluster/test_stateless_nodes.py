"""Stateless call nodes: two ``framekit serve`` processes behind nginx, and faults across them.

The cluster (``cluster.py``) starts once for the module: nginx running
``deploy/nginx/framekit.conf``, two node processes, a private ``redis-server`` and a
PostgreSQL schema. Calls are placed through nginx by ``tests/phone_network.py``
(signed webhook, TwiML, Media Stream at real-time pace; no code shared with the
server). Each node's bot speaks a steady tone, so the caller side can measure the
largest gap in the bot's audio while the other node is killed or Redis restarts.

Tests run in order: a killed node is started again by the test that killed it, and
the drain test, which stops a node for good, comes last.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("psycopg", reason="the cluster needs the 'db' extra")
pytest.importorskip("redis", reason="the cluster needs the 'redis' extra")
pytest.importorskip("twilio", reason="the serve app needs the 'twilio' extra")

from phone_network import PhoneCall, PhoneNetwork

from .cluster import (
    ACCOUNT,
    API_TOKEN,
    AUTH_TOKEN,
    HEARTBEAT,
    NGINX_FAIL_TIMEOUT,
    PUBLIC,
    UNREADY,
    Cluster,
    Node,
    get_json,
    metrics,
    running_cluster,
    shared_database,
)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(tmp_path_factory.mktemp("cluster"), shared_database()) as running:
        yield running


class AudioGaps:
    """The arrival times of a call's bot audio, sampled every 5 ms; the largest gap."""

    def __init__(self, call: PhoneCall) -> None:
        self.call = call
        self.arrivals: list[float] = []
        self._task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        seen = self.call.received_seconds
        while True:
            await asyncio.sleep(0.005)
            now = self.call.received_seconds
            if now > seen:
                seen = now
                self.arrivals.append(time.monotonic())

    def largest(self, since: float) -> float:
        """The longest wait between two arrivals after ``since`` (and until now)."""
        times = [since] + [t for t in self.arrivals if t > since] + [time.monotonic()]
        return max(b - a for a, b in itertools.pairwise(times))

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


@asynccontextmanager
async def phone(cluster: Cluster) -> AsyncIterator[PhoneNetwork]:
    async with PhoneNetwork(cluster.lb_url, PUBLIC, AUTH_TOKEN, ACCOUNT) as network:
        yield network


async def stream_node(cluster: Cluster, call_sid: str) -> str:
    """The node that runs the call (its stream), from ``/api/live-calls`` through nginx."""
    async with asyncio.timeout(10):
        while True:
            _, body = await asyncio.to_thread(
                get_json, cluster.lb_url + "/api/live-calls", API_TOKEN
            )
            for call in body.get("calls", []):
                if call["call_sid"] == call_sid:
                    return cluster.node_of_owner(call["process"])
            await asyncio.sleep(0.05)


async def calls_on_both(cluster: Cluster, network: PhoneNetwork) -> dict[str, list[PhoneCall]]:
    """Calls placed through nginx until each node runs at least one; by node."""
    by_node: dict[str, list[PhoneCall]] = {name: [] for name in cluster.nodes}
    for _ in range(8):
        call = await network.call()
        await call.wait_for_audio(0.2, timeout=10)
        by_node[await stream_node(cluster, call.call_sid)].append(call)
        if all(by_node.values()) and sum(map(len, by_node.values())) >= 4:
            return by_node
    raise AssertionError(f"nginx sent every call to one node: {by_node}")


async def admitted(node: Node) -> int:
    """The calls ``node`` counts against its capacity (running, or admitted at the webhook)."""
    _, ready = await asyncio.to_thread(get_json, node.url + "/health/ready")
    return int(ready["admitted_calls"])


async def closed_rows(
    cluster: Cluster, call_sids: list[str], within: float
) -> dict[str, dict[str, Any]]:
    """The rows of ``call_sids`` once all are closed (polled: another process writes them)."""
    async with asyncio.timeout(within):
        while True:
            rows = await asyncio.to_thread(cluster.calls, call_sids)
            if len(rows) == len(call_sids) and all(r["ended_at"] for r in rows.values()):
                return rows
            await asyncio.sleep(0.1)


async def test_calls_through_nginx_land_on_both_nodes_webhook_and_stream_apart(
    cluster: Cluster,
) -> None:
    start = len(cluster.access_log())
    async with phone(cluster) as network:
        by_node = await calls_on_both(cluster, network)
        calls = [call for node_calls in by_node.values() for call in node_calls]
        streams = {call.call_sid: node for node, cs in by_node.items() for call in cs}
        # A webhook node frees the place of a call whose stream went elsewhere within a
        # heartbeat (not the token's 30 s): then each node counts just its own calls.
        for name, node in cluster.nodes.items():
            async with asyncio.timeout(3 * HEARTBEAT + 2):  # another process: polled
                while await admitted(node) != len(by_node[name]):  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
            scraped = await asyncio.to_thread(metrics, node.url)  # what an autoscaler reads
            assert scraped["framekit_active_calls"] == len(by_node[name])
            assert scraped["framekit_call_capacity"] == 8
            assert scraped["framekit_free_call_slots"] == 8 - len(by_node[name])
        for call in calls:
            assert call.closed_at is None  # still talking
            await call.hang_up()
    log = cluster.access_log()[start:]
    webhooks = [
        cluster.node_of_port(int(line[4].split(", ")[-1].rsplit(":", 1)[1]))
        for line in log
        if line[1:3] == ["POST", "/twilio/voice"]
    ]
    placed = [call.call_sid for call in network.calls]
    assert len(webhooks) == len(placed)
    apart = [sid for sid, hook in zip(placed, webhooks, strict=True) if hook != streams[sid]]
    assert apart, "no call had its webhook and its stream on different nodes"
    rows = await closed_rows(cluster, placed, within=15)
    for sid in placed:
        assert rows[sid]["outcome"] != "failed", rows[sid]
        assert cluster.node_of_owner(rows[sid]["owner"]) == streams[sid]


async def test_redis_restarted_during_calls_the_calls_go_on_and_new_calls_work(
    cluster: Cluster,
) -> None:
    async with phone(cluster) as network:
        by_node = await calls_on_both(cluster, network)
        calls = [call for node_calls in by_node.values() for call in node_calls]
        gaps = [AudioGaps(call) for call in calls]
        stopped = time.monotonic()
        await asyncio.to_thread(cluster.stop_redis)
        await asyncio.sleep(2.0)  # two heartbeats without Redis
        await asyncio.to_thread(cluster.start_redis)  # empty: no persistence
        # Longer than a key's life plus the grace: a false close would have happened.
        await asyncio.sleep(8.0)
        largest = max(gap.largest(stopped) for gap in gaps)
        for gap in gaps:
            await gap.stop()
        rows = await asyncio.to_thread(cluster.calls, [c.call_sid for c in calls])
        assert all(row["ended_at"] is None for row in rows.values()), rows
        assert all(call.closed_at is None for call in calls)
        print(f"largest gap in the bot's audio across a Redis restart: {largest * 1000:.0f} ms")
        assert largest < 2.0
        after = await network.call()  # a new stream token in the new Redis
        await after.wait_for_audio(0.5, timeout=10)
        for call in network.calls:
            await call.hang_up()
    placed = [call.call_sid for call in network.calls]
    rows = await closed_rows(cluster, placed, within=15)
    assert all(row["outcome"] != "failed" for row in rows.values()), rows


async def test_a_node_killed_mid_call_has_its_calls_failed_by_the_other_and_theirs_go_on(
    cluster: Cluster,
) -> None:
    async with phone(cluster) as network:
        by_node = await calls_on_both(cluster, network)
        survivors, victims = by_node["a"], by_node["b"]
        gaps = [AudioGaps(call) for call in survivors]
        await asyncio.sleep(1.0)
        killed = time.monotonic()
        process = cluster.nodes["b"].process
        assert process is not None
        process.send_signal(signal.SIGKILL)
        rows = await closed_rows(cluster, [c.call_sid for c in victims], within=20)
        failed_after = time.monotonic() - killed
        await asyncio.sleep(2.0)  # the survivors go on past the sweep
        largest = max(gap.largest(killed) for gap in gaps)
        for gap in gaps:
            await gap.stop()
        for row in rows.values():
            assert (row["outcome"], row["end_reason"]) == ("failed", "orphaned")
        survivor_rows = await asyncio.to_thread(cluster.calls, [c.call_sid for c in survivors])
        assert all(row["ended_at"] is None for row in survivor_rows.values())  # no false close
        assert all(call.closed_at is None for call in survivors)
        print(
            f"killed node's calls failed after {failed_after:.1f} s; largest gap on the "
            f"surviving node's calls: {largest * 1000:.0f} ms"
        )
        assert largest < 2.0
        assert failed_after < 12.0
        # A new call goes to the surviving node while the dead one is out.
        after = await network.call()
        await after.wait_for_audio(0.5, timeout=10)
        assert await stream_node(cluster, after.call_sid) == "a"
        for call in network.calls:
            await call.hang_up()
    survivors_closed = await closed_rows(cluster, [c.call_sid for c in survivors], within=15)
    assert all(row["outcome"] != "failed" for row in survivors_closed.values())
    await asyncio.to_thread(cluster.wait_ready, cluster.start_node("b"))
    # nginx passes over a node that refused a connection for fail_timeout (5 s in
    # deploy/nginx/framekit.conf): the next test needs "b" back in the rotation.
    await asyncio.sleep(NGINX_FAIL_TIMEOUT + 0.5)


async def test_sigterm_turns_readiness_off_then_drains_and_new_calls_go_to_the_other_node(
    cluster: Cluster,
) -> None:
    node = cluster.nodes["a"]
    async with phone(cluster) as network:
        by_node = await calls_on_both(cluster, network)
        while len(by_node["b"]) < 2:  # so that least_conn would pick "a" next
            call = await network.call()
            await call.wait_for_audio(0.2, timeout=10)
            by_node[await stream_node(cluster, call.call_sid)].append(call)
        draining, *others = by_node["a"]
        for call in others + by_node["b"][2:]:
            await call.hang_up()
        assert node.process is not None
        node.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(5):  # another process: polled
            while (await asyncio.to_thread(get_json, node.url + "/health/ready"))[0] != 503:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        start = len(cluster.access_log())
        # Still listening, not ready: "a" answers the webhook 503, nginx takes it to "b".
        after = await network.call()
        await after.wait_for_audio(0.3, timeout=10)
        assert await stream_node(cluster, after.call_sid) == "b"
        [webhook] = [line for line in cluster.access_log()[start:] if line[2] == "/twilio/voice"]
        tried = [cluster.node_of_port(int(a.rsplit(":", 1)[1])) for a in webhook[4].split(", ")]
        assert (webhook[3], tried) == ("200", ["a", "b"])
        await asyncio.sleep(UNREADY)  # now "a" has closed its port: refused, then "b"
        later = await network.call()
        await later.wait_for_audio(0.3, timeout=10)
        assert await stream_node(cluster, later.call_sid) == "b"
        assert node.process.poll() is None  # the running call holds the drain
        assert draining.closed_at is None
        await draining.hang_up()
        status = await asyncio.to_thread(node.process.wait, 15)
        assert status == 0
    rows = await closed_rows(cluster, [c.call_sid for c in network.calls], within=15)
    assert all(row["outcome"] != "failed" for row in rows.values()), rows


def test_the_nginx_file_in_deploy_is_what_ran(cluster: Cluster) -> None:
    """The test rewrote only the upstream servers and the listen address."""
    ran = (cluster.directory / "nginx" / "framekit.conf").read_text()
    shipped = (Path(__file__).resolve().parents[2] / "deploy/nginx/framekit.conf").read_text()
    keep = [line for line in shipped.splitlines() if "server node-" not in line]
    assert [line for line in keep if "listen" not in line] == [
        line
        for line in ran.splitlines()
        if "server 127.0.0.1:" not in line and "listen" not in line
    ]
