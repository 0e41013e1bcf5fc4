"""``framekit serve`` with ``REDIS_URL``: several processes answer one number.

Two :class:`ContactCenterServer` apps (each its own database, as two machines would
have) share the test Redis (``FRAMEKIT_TEST_REDIS_URL``; skipped with the reason when
unset) under a key prefix of their own: a stream token used on one is refused on
the other, and ``/api/live-calls`` on either lists the calls of both. With Redis down,
``/health`` says so, streams are refused (500: fail closed, yet no balancer counts the
node as failed) and the live calls are unknown (503);
without ``REDIS_URL`` tokens stay in the process's memory and the live calls are the
process's own.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlmodel", reason="the serve app needs the 'db' extra")
pytest.importorskip("twilio", reason="the serve app needs the 'twilio' extra")
pytest.importorskip("redis", reason="REDIS_URL needs the 'redis' extra")

import aiohttp
from aiohttp.test_utils import TestClient, TestServer
from framekit_contact_center.live_calls import (
    LiveCall,
    LiveCallRegistry,
    LiveCalls,
    LiveCallsUnavailable,
)
from framekit_contact_center.server import ContactCenterServer
from framekit_contact_center.settings import Settings
from loguru import logger
from redis.asyncio import Redis
from twilio.request_validator import RequestValidator

from contact_center._greeter import greeter
from framekit.servers.twilio import InMemoryTokenStore, sign_stream_token
from framekit.servers.twilio.redis_token_store import RedisTokenStore
from framekit.testing.twilio_caller import TwilioCallerSimulator
from shared_redis import REDIS_SKIP, redis_prefix, redis_url

TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"
API_TOKEN = "test-api-token-0123456789"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def _settings(directory: Path, redis: str | None) -> Settings:
    directory.mkdir()
    return Settings(
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TWILIO_TOKEN,
        webhook_base_url="https://bot.example.test",
        api_token=API_TOKEN,
        database_url=f"sqlite:///{directory / 'calls.db'}",
        business_db_path=directory / "shop.db",
        recordings_dir=directory / "recordings",
        redis_url=redis,
    )


@asynccontextmanager
async def _app(server: ContactCenterServer) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(server.app)) as client:
        yield client


def _stream_url(client: TestClient[Any, Any], token: str) -> str:
    return str(client.make_url(f"/twilio/stream?token={token}")).replace("http", "ws", 1)


async def _refusal(url: str) -> int:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as error:
            await session.ws_connect(url)
    return error.value.status


def _call_sid() -> str:
    return "CA" + uuid.uuid4().hex


async def test_with_redis_url_a_token_opens_one_stream_across_two_servers(
    tmp_path: Path,
) -> None:
    url = redis_url()
    if url is None:
        pytest.skip(REDIS_SKIP)
    async with redis_prefix(url) as prefix:
        a = ContactCenterServer(_settings(tmp_path / "a", url), bot=greeter, redis_prefix=prefix)
        b = ContactCenterServer(_settings(tmp_path / "b", url), bot=greeter, redis_prefix=prefix)
        assert isinstance(a.twilio.token_store, RedisTokenStore)
        async with _app(a) as client_a, _app(b) as client_b:
            for client in (client_a, client_b):
                health = await client.get("/health")
                assert health.status == 200
                assert (await health.json())["redis"] == "ok"
            call_sid = _call_sid()
            token = sign_stream_token(TWILIO_TOKEN, call_sid)
            async with TwilioCallerSimulator(
                _stream_url(client_a, token), call_sid=call_sid
            ) as caller:
                await caller.wait_for_audio(0.1)
                assert await _refusal(_stream_url(client_b, token)) == 403
                assert (a.active_calls, b.active_calls) == (1, 0)
                await caller.hang_up()
            async with asyncio.timeout(10):
                await a.twilio.wait_until_idle()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_with_redis_down_health_is_degraded_and_streams_get_500(tmp_path: Path) -> None:
    down = f"redis://127.0.0.1:{_closed_port()}/0"
    server = ContactCenterServer(_settings(tmp_path / "a", down), bot=greeter)
    async with _app(server) as client:
        health = await client.get("/health")
        assert health.status == 503
        body = await health.json()
        assert (body["status"], body["database"]) == ("degraded", "ok")
        assert body["redis"] == "unreachable: ConnectionError"
        token = sign_stream_token(TWILIO_TOKEN, _call_sid())
        assert await _refusal(_stream_url(client, token)) == 500
        assert (await client.get("/health")).status == 503  # still serving


@pytest.mark.parametrize(
    ("retries", "heard", "counted"),
    [(5, "<Redirect", ("1.0", "0.0")), (0, "<Say>We are closed.</Say><Hangup/>", ("0.0", "1.0"))],
)
async def test_with_redis_down_the_voice_webhook_holds_the_call_and_metrics_count_it(
    tmp_path: Path, retries: int, heard: str, counted: tuple[str, str]
) -> None:
    down = f"redis://127.0.0.1:{_closed_port()}/0"
    settings = replace(
        _settings(tmp_path / "a", down),
        store_outage_retries=retries,
        store_outage_apology="We are closed.",
    )
    server = ContactCenterServer(settings, bot=greeter)
    form = {"CallSid": _call_sid(), "AccountSid": "AC" + "0" * 32, "From": "+15551230000"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(
        "https://bot.example.test/twilio/voice", form
    )
    async with _app(server) as client:
        answer = await client.post(
            "/twilio/voice", data=form, headers={"X-Twilio-Signature": signature}
        )
        assert answer.status == 200  # not 503: a balancer must not drop a healthy node
        assert heard in await answer.text()
        scraped = await (await client.get("/metrics")).text()
    assert f'framekit_store_outage_answers_total{{answer="hold"}} {counted[0]}' in scraped
    assert f'framekit_store_outage_answers_total{{answer="apology"}} {counted[1]}' in scraped


async def test_without_redis_url_tokens_stay_in_the_process(tmp_path: Path) -> None:
    server = ContactCenterServer(_settings(tmp_path / "a", None), bot=greeter)
    assert isinstance(server.twilio.token_store, InMemoryTokenStore)
    async with _app(server) as client:
        body = await (await client.get("/health")).json()
        assert body["status"] == "ok"
        assert "redis" not in body


async def _live(client: TestClient[Any, Any]) -> dict[str, Any]:
    response = await client.get("/api/live-calls", headers=AUTH)
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body


async def _until(check: Callable[[], Any], within: float = 5.0) -> None:
    """A bounded poll of state that another process (here: another app) publishes."""
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


def _caller(client: TestClient[Any, Any], call_sid: str) -> TwilioCallerSimulator:
    token = sign_stream_token(TWILIO_TOKEN, call_sid)
    return TwilioCallerSimulator(_stream_url(client, token), call_sid=call_sid)


async def test_live_calls_are_listed_across_processes_and_leave_when_they_end(
    tmp_path: Path,
) -> None:
    url = redis_url()
    if url is None:
        pytest.skip(REDIS_SKIP)
    async with redis_prefix(url) as prefix, AsyncExitStack() as stack:
        a = ContactCenterServer(_settings(tmp_path / "a", url), bot=greeter, redis_prefix=prefix)
        b = ContactCenterServer(_settings(tmp_path / "b", url), bot=greeter, redis_prefix=prefix)
        client_a = await stack.enter_async_context(_app(a))
        b_stack = AsyncExitStack()
        client_b = await b_stack.enter_async_context(_app(b))
        sid_a, sid_b = _call_sid(), _call_sid()
        caller_a = await stack.enter_async_context(_caller(client_a, sid_a))
        await b_stack.enter_async_context(_caller(client_b, sid_b))

        async def both_listed() -> bool:
            calls = (await _live(client_a))["calls"]
            return {(c["call_sid"], c["process"]) for c in calls} == {
                (sid_a, a.process_id),
                (sid_b, b.process_id),
            }

        await _until(both_listed)
        body = await _live(client_b)
        assert (body["scope"], body["process"]) == ("all processes", b.process_id)
        assert [c["call_sid"] for c in body["calls"]] in ([sid_a, sid_b], [sid_b, sid_a])

        await caller_a.hang_up()  # a call that ends leaves the listing at once

        async def only_b() -> bool:
            return [c["call_sid"] for c in (await _live(client_b))["calls"]] == [sid_b]

        await _until(only_b)
        await b_stack.aclose()  # B stops: its running call is cancelled, its key deleted

        async def none() -> bool:
            calls: list[Any] = (await _live(client_a))["calls"]
            return calls == []

        await _until(none)
        assert (await client_a.get("/api/live-calls")).status == 401  # behind the API token


async def test_the_calls_of_a_process_that_dies_expire_with_its_heartbeat(
    tmp_path: Path,
) -> None:
    url = redis_url()
    if url is None:
        pytest.skip(REDIS_SKIP)
    async with redis_prefix(url) as prefix:
        client = Redis.from_url(url)
        try:
            dead = LiveCallRegistry(client, "dead-host:1:abc", prefix=prefix, ttl=0.2)
            reader = LiveCallRegistry(client, "reader", prefix=prefix)
            call = LiveCall("CA1", "MZ1", time.time(), "dead-host:1:abc")
            await dead.publish([call])  # ... and no heartbeat after that
            assert await reader.all() == [call]

            async def gone() -> bool:
                return await reader.all() == []

            await _until(gone)
        finally:
            await client.aclose()


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level="WARNING")
    try:
        yield lines
    finally:
        logger.remove(sink)


async def test_with_redis_down_live_calls_are_unknown_and_calls_still_run_here(
    tmp_path: Path, warnings: list[str]
) -> None:
    down = f"redis://127.0.0.1:{_closed_port()}/0"
    server = ContactCenterServer(_settings(tmp_path / "a", down), bot=greeter)
    async with _app(server) as client:
        response = await client.get("/api/live-calls", headers=AUTH)
        assert response.status == 503

        async def logged() -> bool:
            return any("live calls: not published (redis: ConnectionError" in w for w in warnings)

        await _until(logged)


class _FlakyRegistry(LiveCallRegistry):
    """Fails its first ``failures`` writes, then records each write (no Redis)."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.writes: list[tuple[str, list[str], list[str]]] = []
        self.written = asyncio.Event()

    def _write(self, kind: str, calls: list[str], gone: list[str]) -> None:
        if self.failures:
            self.failures -= 1
            raise LiveCallsUnavailable("redis: ConnectionError: refused")
        self.writes.append((kind, calls, gone))
        self.written.set()

    async def publish(self, calls: Iterable[LiveCall]) -> None:
        self._write("full", [c.call_sid for c in calls], [])

    async def update(self, started: Iterable[LiveCall], ended: Iterable[str]) -> None:
        self._write("update", [c.call_sid for c in started], sorted(ended))

    async def withdraw(self) -> None:
        self._write("withdraw", [], [])


async def _written(registry: _FlakyRegistry, count: int) -> None:
    async with asyncio.timeout(5):
        while len(registry.writes) < count:
            registry.written.clear()
            await registry.written.wait()


async def test_the_publisher_sends_changes_then_repairs_an_outage_with_a_full_write(
    warnings: list[str],
) -> None:
    running: set[str] = set()
    registry = _FlakyRegistry(failures=0)
    live = LiveCalls("p1", registry, lambda: running, heartbeat=60.0)
    live.start()
    try:
        await _written(registry, 1)
        running.add("MZ1")
        live.started(LiveCall("CA1", "MZ1", 1.0, "p1"))
        await _written(registry, 2)
        live.ended("MZ1")
        await _written(registry, 3)
        assert registry.writes == [
            ("full", [], []),  # at start: the whole (empty) hash
            ("update", ["CA1"], []),  # then one HSET per start ...
            ("update", [], ["CA1"]),  # ... and one HDEL per end
        ]
    finally:
        await live.stop()

    registry = _FlakyRegistry(failures=2)
    live = LiveCalls("p1", registry, lambda: running, heartbeat=0.05)
    live.start()
    try:
        running.add("MZ2")
        live.started(LiveCall("CA2", "MZ2", 2.0, "p1"))  # lost in the outage
        await _written(registry, 1)
        assert registry.writes[0] == ("full", ["CA2"], [])  # repaired in one full write
    finally:
        await live.stop()
    outage = [w for w in warnings if "live calls: not published" in w]
    assert len(outage) == 1  # once per outage, not once per retry


async def test_without_redis_url_the_live_calls_are_this_process_s(tmp_path: Path) -> None:
    server = ContactCenterServer(_settings(tmp_path / "a", None), bot=greeter)
    async with _app(server) as client:
        call_sid = _call_sid()
        async with _caller(client, call_sid) as caller:
            await caller.wait_for_audio(0.1)
            body = await _live(client)
            assert body["scope"] == "process"
            assert [(c["call_sid"], c["process"]) for c in body["calls"]] == [
                (call_sid, server.process_id)
            ]
            await caller.hang_up()
        async with asyncio.timeout(10):
            await server.twilio.wait_until_idle()
        assert (await _live(client))["calls"] == []
