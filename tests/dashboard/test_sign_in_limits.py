"""Failed sign-ins per client address: 5 in 5 minutes, then 429 with ``Retry-After``.

The count itself with a manual clock; then over HTTP through the serve app, in the
process without ``REDIS_URL`` and in the real Redis (``FRAMEKIT_TEST_REDIS_URL``) with
two servers sharing it, as two workers would, and with Redis down.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from framekit_contact_center.server import ContactCenterServer

from dashboard._app import TOKEN, settings, sign_in
from framekit.servers.dashboard.limits import MemorySignInLimits
from shared_redis import REDIS_SKIP, redis_prefix, redis_url

WRONG = "not-the-token-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_five_attempts_a_window_then_wait_until_it_ends() -> None:
    clock = Clock()
    limits = MemorySignInLimits(failures=5, window=300, clock=clock)
    for _ in range(5):
        assert await limits.attempt("10.0.0.1") is None
        clock.now += 10
    assert await limits.attempt("10.0.0.1") == pytest.approx(250)
    assert await limits.attempt("10.0.0.2") is None  # per address
    clock.now += 250
    assert await limits.attempt("10.0.0.1") is None  # a new window


async def test_a_success_starts_the_count_again() -> None:
    limits = MemorySignInLimits(failures=2, window=300, clock=Clock())
    assert await limits.attempt("a") is None
    assert await limits.attempt("a") is None
    await limits.succeeded("a")
    assert await limits.attempt("a") is None
    assert await limits.attempt("a") is None
    assert await limits.attempt("a") is not None


async def test_memory_is_bounded_by_forgetting_the_oldest_windows() -> None:
    clock = Clock()
    limits = MemorySignInLimits(failures=1, window=300, max_clients=100, clock=clock)
    for n in range(10_000):
        await limits.attempt(f"10.{n // 256}.{n % 256}.1")
        clock.now += 0.01
    assert len(limits) == 100
    assert await limits.attempt("10.39.15.1") is not None  # the newest is still counted
    assert await limits.attempt("10.0.0.1") is None  # the oldest was forgotten


async def _failures(client: TestClient[Any, Any], count: int) -> None:
    for _ in range(count):
        assert (await sign_in(client, WRONG)).status == 401


async def _refused(client: TestClient[Any, Any], token: str = WRONG) -> int:
    """The 429's Retry-After, in seconds."""
    response = await sign_in(client, token)
    assert response.status == 429
    assert "Too many failed sign-ins" in await response.text()
    assert "framekit_session" not in response.cookies
    return int(response.headers["Retry-After"])


async def test_the_sixth_failure_in_a_row_is_refused_even_with_the_right_token(
    tmp_path: Path,
) -> None:
    server = ContactCenterServer(settings(tmp_path, f"sqlite:///{tmp_path / 'calls.db'}"))
    async with TestClient(TestServer(server.app)) as client:
        await _failures(client, 4)
        assert (await sign_in(client)).status == 303  # the 5th try: right, and resets
        client.session.cookie_jar.clear()
        await _failures(client, 5)
        assert 0 < await _refused(client) <= 300
        assert 0 < await _refused(client, TOKEN) <= 300


async def test_with_redis_two_workers_share_the_count(tmp_path: Path) -> None:
    url = redis_url()
    if url is None:
        pytest.skip(REDIS_SKIP)
    database = f"sqlite:///{tmp_path / 'calls.db'}"
    async with redis_prefix(url) as prefix:
        a = ContactCenterServer(
            settings(tmp_path / "a", database, redis_url=url), redis_prefix=prefix
        )
        b = ContactCenterServer(
            settings(tmp_path / "b", database, redis_url=url), redis_prefix=prefix
        )
        async with TestClient(TestServer(a.app)) as one, TestClient(TestServer(b.app)) as two:
            await _failures(one, 3)
            await _failures(two, 2)
            assert 295 <= await _refused(one) <= 300
            assert 295 <= await _refused(two, TOKEN) <= 300

    async with redis_prefix(url) as prefix:  # a success on one worker clears the count
        a = ContactCenterServer(
            settings(tmp_path / "a", database, redis_url=url), redis_prefix=prefix
        )
        b = ContactCenterServer(
            settings(tmp_path / "b", database, redis_url=url), redis_prefix=prefix
        )
        async with TestClient(TestServer(a.app)) as one, TestClient(TestServer(b.app)) as two:
            await _failures(one, 4)
            assert (await sign_in(two)).status == 303
            two.session.cookie_jar.clear()
            await _failures(one, 5)
            await _refused(two)


async def test_with_redis_down_each_process_still_counts(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        down = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    database = f"sqlite:///{tmp_path / 'calls.db'}"
    server = ContactCenterServer(settings(tmp_path, database, redis_url=down))
    async with TestClient(TestServer(server.app)) as client:
        await _failures(client, 5)
        await _refused(client, TOKEN)
