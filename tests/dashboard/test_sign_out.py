"""Signing out revokes the session: a copy of the cookie is refused afterwards, by every
worker. Two servers share the calls database (SQLite, and PostgreSQL when
``FRAMEKIT_TEST_DATABASE_URL`` is set) or the real Redis (``FRAMEKIT_TEST_REDIS_URL``),
as the workers of ``framekit serve --workers 2`` do."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from framekit_contact_center.server import ContactCenterServer
from sqlalchemy import func, select

from dashboard._app import settings, signed_in_cookie
from framekit.servers.dashboard.revocations import MemoryRevocations
from framekit.storage import make_engine
from framekit.storage.database import migrate
from framekit.storage.models import SignedOutSession
from framekit.storage.signed_out import is_signed_out, sign_out
from shared_redis import REDIS_SKIP, redis_prefix, redis_url


@asynccontextmanager
async def _two_workers(
    tmp_path: Path, database_url: str, redis: str | None, prefix: str = "framekit:"
) -> AsyncIterator[tuple[TestClient[Any, Any], TestClient[Any, Any]]]:
    servers = [
        ContactCenterServer(
            settings(tmp_path / name, database_url, redis_url=redis), redis_prefix=prefix
        )
        for name in ("a", "b")
    ]
    async with (
        TestClient(TestServer(servers[0].app)) as a,
        TestClient(TestServer(servers[1].app)) as b,
    ):
        yield a, b


async def _sign_out(client: TestClient[Any, Any]) -> None:
    page = await client.get("/dashboard/live")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', await page.text())
    assert csrf is not None
    origin = {"Origin": f"http://{client.host}:{client.port}"}
    done = await client.post(
        "/dashboard/logout", data={"csrf": csrf.group(1)}, headers=origin, allow_redirects=False
    )
    assert done.status == 303


async def _copied_cookie_is_refused_after_sign_out(
    a: TestClient[Any, Any], b: TestClient[Any, Any]
) -> None:
    copied = {"Cookie": f"framekit_session={await signed_in_cookie(a)}"}
    a.session.cookie_jar.clear()
    other = {"Cookie": f"framekit_session={await signed_in_cookie(a)}"}  # a second sign-in
    for client in (a, b):
        assert (await client.get("/api/calls", headers=copied)).status == 200

    a.session.cookie_jar.clear()
    a.session.cookie_jar.update_cookies({"framekit_session": copied["Cookie"].split("=", 1)[1]})
    await _sign_out(a)
    a.session.cookie_jar.clear()

    for client in (a, b):
        assert (await client.get("/api/calls", headers=copied)).status == 401
        page = await client.get("/dashboard/calls", headers=copied, allow_redirects=False)
        assert page.status == 303
        assert page.headers["Location"].startswith("/dashboard/login")
        # Only the session signed out: the other one still reads.
        assert (await client.get("/api/calls", headers=other)).status == 200


async def test_without_redis_a_copied_cookie_is_refused_by_every_worker(
    tmp_path: Path, database_url: str
) -> None:
    async with _two_workers(tmp_path, database_url, None) as (a, b):
        await _copied_cookie_is_refused_after_sign_out(a, b)


async def test_with_redis_a_copied_cookie_is_refused_by_every_worker(tmp_path: Path) -> None:
    url = redis_url()
    if url is None:
        pytest.skip(REDIS_SKIP)
    database = f"sqlite:///{tmp_path / 'calls.db'}"
    async with redis_prefix(url) as prefix, _two_workers(tmp_path, database, url, prefix) as (a, b):
        await _copied_cookie_is_refused_after_sign_out(a, b)


def test_the_database_forgets_a_session_once_its_cookie_expired(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        sign_out(engine, "gone", 1)  # expired in 1970
        sign_out(engine, "held", 4_102_444_800)  # 2100
        sign_out(engine, "held", 4_102_444_800)  # twice is harmless
        assert (is_signed_out(engine, "gone"), is_signed_out(engine, "held")) == (False, True)
        with engine.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(SignedOutSession)).scalar()
        assert rows == 1  # the expired one went with the next sign-out
    finally:
        engine.dispose()


async def test_in_memory_a_session_is_forgotten_once_expired() -> None:
    now = [1000.0]
    revocations = MemoryRevocations(clock=lambda: now[0])
    await revocations.revoke("x", 1010)
    assert await revocations.revoked("x")
    now[0] = 1011
    await revocations.revoke("y", 2000)
    assert (await revocations.revoked("x"), await revocations.revoked("y")) == (False, True)
