"""Single-use stream tokens across servers: in memory, in a real Redis, and with Redis down.

The Redis tests run against ``FRAMEKIT_TEST_REDIS_URL`` (skipped, with the reason,
when it is unset), each under a key prefix of its own that is deleted afterwards.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web
from loguru import logger

pytest.importorskip("redis", reason="the Redis token store needs the 'redis' extra")

from redis.asyncio import Redis

from framekit.servers.twilio import InMemoryTokenStore, TokenStore, sign_stream_token
from framekit.servers.twilio.redis_token_store import RedisTokenStore
from framekit.servers.twilio.server import TwilioServer, TwilioSettings
from framekit.testing.twilio_caller import TwilioCallerSimulator
from shared_redis import REDIS_SKIP, redis_prefix, redis_url
from transports.twilio.helpers import AUTH_TOKEN, LocalTwilio


@pytest.fixture
async def shared_prefix() -> AsyncIterator[tuple[str, str]]:
    """``(url, prefix)`` of the test Redis; the prefix's keys are deleted afterwards."""
    url = redis_url()
    if url is None:
        pytest.skip(REDIS_SKIP)
    async with redis_prefix(url) as prefix:
        yield url, prefix


@pytest.fixture
def errors() -> Iterator[list[str]]:
    """The ERROR lines logged during the test."""
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level="ERROR")
    try:
        yield lines
    finally:
        logger.remove(sink)


@asynccontextmanager
async def _server(settings: TwilioSettings, store: TokenStore) -> AsyncIterator[LocalTwilio]:
    """A Twilio server on 127.0.0.1 with its own aiohttp app, checking tokens in ``store``."""
    holder: list[LocalTwilio] = []
    server = TwilioServer(
        settings, lambda transport, start: holder[0].factory(transport, start), token_store=store
    )
    runner = web.AppRunner(server.make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    holder.append(LocalTwilio(server, f"http://{host}:{port}"))
    try:
        yield holder[0]
    finally:
        await runner.cleanup()


async def _handshake_status(url: str) -> int:
    """The HTTP status of a WebSocket attempt that the server refuses."""
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as error:
            await session.ws_connect(url)
    return error.value.status


async def test_in_memory_store_accepts_a_token_once_and_forgets_expired_ones() -> None:
    store = InMemoryTokenStore()
    later = time.time() + 30
    assert await store.first_use("CA1.1.a", later)
    assert not await store.first_use("CA1.1.a", later)
    for n in range(1001):
        await store.first_use(f"CA{n}.1.old", time.time() - 1)
    assert await store.first_use("CA2.1.b", later)  # the sweep runs past 1000 tokens
    assert not await store.first_use("CA1.1.a", later)  # not expired: still remembered
    assert await store.first_use("CA5.1.old", later)  # expired: forgotten


async def test_in_memory_store_issues_one_token_per_call_while_it_lives() -> None:
    store = InMemoryTokenStore()
    first = time.time() + 30
    assert await store.issue("CA1", first) == first
    assert await store.issue("CA1", first + 5) == first  # a replay: the same expiry
    assert await store.issue("CA2", first + 5) == first + 5  # another call
    expired = time.time() - 1
    assert await store.issue("CA3", expired) == expired
    assert await store.issue("CA3", first) == first  # the first one expired: a new one


async def test_redis_issues_one_token_per_call_across_stores(
    shared_prefix: tuple[str, str],
) -> None:
    """The voice webhook replayed on another server gets the first server's token."""
    url, prefix = shared_prefix
    client = Redis.from_url(url)
    stores = [RedisTokenStore(client, prefix=prefix, clock_skew=60.0) for _ in range(2)]
    try:
        first = float(int(time.time() + 30))
        answers = await asyncio.gather(
            *(stores[n % 2].issue("CA-replayed", first + n) for n in range(20))
        )
        assert len(set(answers)) == 1  # one expiry, so one token, for all 20
        assert answers[0] in {first + n for n in range(20)}
        key = stores[0].issued_key("CA-replayed")
        assert key.startswith(prefix)
        assert 60_000 < await client.pttl(key) <= 91_000 + 20_000  # its token's life + skew
        assert await stores[1].issue("CA-other", first) == first
    finally:
        await client.aclose()


async def test_a_token_opens_one_stream_across_two_servers_sharing_redis(
    settings: TwilioSettings, shared_prefix: tuple[str, str]
) -> None:
    """The webhook's token is used on server A; replayed on server B it is refused (403)."""
    url, prefix = shared_prefix
    store_a = RedisTokenStore.from_url(url, prefix=prefix)
    store_b = RedisTokenStore.from_url(url, prefix=prefix)
    try:
        async with _server(settings, store_a) as a, _server(settings, store_b) as b:
            call_sid = "CA" + "7" * 32
            token = sign_stream_token(AUTH_TOKEN, call_sid)
            path = f"/twilio/stream?token={token}"
            url_a = a.base_url.replace("http", "ws", 1) + path
            url_b = b.base_url.replace("http", "ws", 1) + path
            async with TwilioCallerSimulator(url_a, call_sid=call_sid) as caller:
                await a.wait_call(call_sid)
                assert await _handshake_status(url_b) == 403
                assert await _handshake_status(url_a) == 403
                assert not caller.closed
            assert (a.server.refused_streams, b.server.refused_streams) == (1, 1)
            assert b.calls == {}
            # A second call's fresh token still opens its stream on B.
            other = "CA" + "8" * 32
            fresh = b.base_url.replace("http", "ws", 1) + (
                f"/twilio/stream?token={sign_stream_token(AUTH_TOKEN, other)}"
            )
            async with TwilioCallerSimulator(fresh, call_sid=other):
                await b.wait_call(other)
    finally:
        await store_a.close()
        await store_b.close()


async def test_concurrent_first_uses_on_two_stores_let_exactly_one_through(
    shared_prefix: tuple[str, str],
) -> None:
    url, prefix = shared_prefix
    # What is tested is SET NX's atomicity, not the latency bound: each store opens 20
    # connections at once, which on a busy 2-core machine can take past the 1 s default
    # (a CI run: TokenStoreUnavailable, TimeoutError). The pool's waits have their own test.
    stores = [RedisTokenStore.from_url(url, prefix=prefix, timeout=10.0) for _ in range(2)]
    try:
        token = sign_stream_token(AUTH_TOKEN, "CA-race")
        expires = float(token.split(".")[1])
        answers = await asyncio.gather(
            *(stores[n % 2].first_use(token, expires) for n in range(40))
        )
        assert answers.count(True) == 1
    finally:
        for store in stores:
            await store.close()


async def test_a_burst_of_calls_past_the_pool_size_waits_for_connections(
    shared_prefix: tuple[str, str],
) -> None:
    """300 streams at once on a 50-connection pool all get their answer: the pool makes
    a command wait for a free connection (redis-py's default pool would raise "Too many
    connections" past 100). The long timeout keeps a loaded test machine out of it."""
    url, prefix = shared_prefix
    store = RedisTokenStore.from_url(url, prefix=prefix, timeout=10.0)
    try:
        tokens = [sign_stream_token(AUTH_TOKEN, f"CA-burst{n}") for n in range(300)]
        answers = await asyncio.gather(
            *(store.first_use(token, float(token.split(".")[1])) for token in tokens)
        )
        assert answers == [True] * 300
    finally:
        await store.close()


async def test_a_used_token_key_lives_until_the_token_expires_plus_the_clock_skew(
    shared_prefix: tuple[str, str],
) -> None:
    url, prefix = shared_prefix
    client = Redis.from_url(url)
    store = RedisTokenStore(client, prefix=prefix, clock_skew=60.0)
    try:
        token = sign_stream_token(AUTH_TOKEN, "CA-ttl", ttl=30)
        assert await store.first_use(token, float(token.split(".")[1]))
        key = store.key(token)
        assert key.startswith(prefix)
        assert token not in key  # the store holds a hash, not the credential
        left_ms = await client.pttl(key)
        assert 60_000 < left_ms <= 91_000  # 30 s (less the second the token rounds off) + 60 s
    finally:
        await client.aclose()  # the caller's client: the store leaves it open
        await store.close()


async def test_redis_forgets_a_token_once_it_expires(shared_prefix: tuple[str, str]) -> None:
    """Memory stays bounded: the key of an expired token goes (Redis expires it, no sweep)."""
    url, prefix = shared_prefix
    client = Redis.from_url(url)
    store = RedisTokenStore(client, prefix=prefix, clock_skew=0.0)
    try:
        assert await store.first_use("CA-gone.1.x", time.time() + 0.05)
        assert not await store.first_use("CA-gone.1.x", time.time() + 0.05)
        async with asyncio.timeout(5):
            while await client.exists(store.key("CA-gone.1.x")):  # noqa: ASYNC110
                await asyncio.sleep(0.02)
    finally:
        await client.aclose()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_redis_unreachable_refuses_the_stream_with_500_and_logs_why(
    settings: TwilioSettings, errors: list[str]
) -> None:
    store = RedisTokenStore.from_url(f"redis://127.0.0.1:{_closed_port()}/0", timeout=0.5)
    try:
        async with _server(settings, store) as local:
            for n in range(2):  # the server goes on answering after the first failure
                assert await _handshake_status(local.stream_url(f"CA-down{n}")) == 500
            assert local.server.refused_streams == 2
            assert local.calls == {}
    finally:
        await store.close()
    assert len(errors) == 2
    assert "CA-down0 refused: the token store is unavailable (redis: ConnectionError" in errors[0]


async def test_a_redis_that_does_not_answer_refuses_within_the_timeout(
    settings: TwilioSettings, errors: list[str]
) -> None:
    """A hung Redis (accepts, never replies) costs the stream ``timeout`` seconds, then 500."""
    release = asyncio.Event()
    held: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await release.wait()

    mute = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = mute.sockets[0].getsockname()[1]
    store = RedisTokenStore.from_url(f"redis://127.0.0.1:{port}/0", timeout=0.3)
    try:
        async with _server(settings, store) as local:
            assert await _handshake_status(local.stream_url("CA-hung")) == 500
    finally:
        release.set()
        for writer in held:
            writer.close()
        mute.close()
        await mute.wait_closed()
        await store.close()
    assert "CA-hung refused: the token store is unavailable (redis: " in errors[0]


async def test_redis_unreachable_holds_the_voice_webhook_for_a_retry(
    settings: TwilioSettings, errors: list[str]
) -> None:
    """No token is issued that could not be checked for replays; the call is held and
    retried (200 and TwiML, not 503: tests/servers/twilio/test_store_outage.py)."""
    from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

    store = RedisTokenStore.from_url(f"redis://127.0.0.1:{_closed_port()}/0", timeout=0.5)
    form = {"CallSid": "CA-nowebhook", "From": "+15551230000"}
    signed = RequestValidator(AUTH_TOKEN).compute_signature(
        settings.public_url("/twilio/voice"), form
    )
    try:
        async with (
            _server(settings, store) as local,
            aiohttp.ClientSession() as session,
            session.post(
                local.base_url + "/twilio/voice", data=form, headers={"X-Twilio-Signature": signed}
            ) as response,
        ):
            assert response.status == 200
            assert "<Redirect" in await response.text()
    finally:
        await store.close()
    assert len(errors) == 1
    assert "CA-nowebhook: no stream token issued, the token store is unavailable" in errors[0]
    assert "held for a retry (1 of 5)" in errors[0]
