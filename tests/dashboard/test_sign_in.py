"""Signing in over HTTP: a session from one worker is good on another; the forms' rules."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from framekit_contact_center.server import ContactCenterServer

from dashboard._app import TOKEN, settings, signed_in_cookie


async def test_a_session_from_one_worker_is_good_on_another(tmp_path: Path) -> None:
    """``--workers N`` runs processes that share no memory: the cookie carries its session."""
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    first = ContactCenterServer(settings(tmp_path / "a", url))
    second = ContactCenterServer(settings(tmp_path / "b", url))
    async with TestClient(TestServer(first.app)) as a, TestClient(TestServer(second.app)) as b:
        cookie = await signed_in_cookie(a)
        headers = {"Cookie": f"framekit_session={cookie}"}
        assert (await b.get("/api/calls", headers=headers)).status == 200
        assert (await b.get("/dashboard/calls", headers=headers)).status == 200
        # The cookie reads; it never writes, and it is not a Bearer token.
        bearer = {"Authorization": f"Bearer {cookie}"}
        assert (await b.get("/api/calls", headers=bearer)).status == 401


async def test_the_next_page_stays_on_the_dashboard(tmp_path: Path) -> None:
    server = ContactCenterServer(settings(tmp_path, f"sqlite:///{tmp_path / 'calls.db'}"))
    async with TestClient(TestServer(server.app)) as client:
        for target in ("https://evil.example/", "//evil.example/x", "/api/calls", "/\\evil"):
            page = await client.get("/dashboard/login", params={"next": target})
            assert 'name="next" value="/dashboard/calls"' in await page.text(), target


async def test_sign_out_needs_the_pages_csrf_token(tmp_path: Path) -> None:
    server = ContactCenterServer(settings(tmp_path, f"sqlite:///{tmp_path / 'calls.db'}"))
    async with TestClient(TestServer(server.app)) as client:
        await signed_in_cookie(client)
        origin = {"Origin": f"http://{client.host}:{client.port}"}
        refused = await client.post("/dashboard/logout", data={"csrf": "x"}, headers=origin)
        assert refused.status == 403
        page = await client.get("/dashboard/live")
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', await page.text())
        assert csrf is not None
        done = await client.post(
            "/dashboard/logout", data={"csrf": csrf.group(1)}, headers=origin, allow_redirects=False
        )
        assert done.status == 303
        assert done.cookies["framekit_session"].value == ""


async def test_the_public_origin_may_post_the_forms(tmp_path: Path) -> None:
    """Behind a proxy the browser's origin is WEBHOOK_BASE_URL's, not the Host it reaches."""
    server = ContactCenterServer(settings(tmp_path, f"sqlite:///{tmp_path / 'calls.db'}"))
    async with TestClient(TestServer(server.app)) as client:
        form_page = await client.get("/dashboard/login")
        match = re.search(r'name="csrf" value="([^"]+)"', await form_page.text())
        assert match is not None
        for origin, status in (("https://bot.example.test", 303), ("https://other.test", 403)):
            response = await client.post(
                "/dashboard/login",
                data={"token": TOKEN, "csrf": match.group(1)},
                headers={"Origin": origin},
                allow_redirects=False,
            )
            assert response.status == status, origin
