"""The softphone and the dashboard's session: a signed-in user calls without the API token.

Over HTTP: which requests the signalling routes let through with a session cookie (a
read needs the session; a write also the dashboard's CSRF checks). In headless
Chromium: sign in from the page's own link, call with no token typed; a page of
another origin posting with the user's cookie is refused; signed out, refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from framekit.servers.dashboard import CSRF_HEADER, SESSION_COOKIE
from transports.webrtc.helpers import TOKEN, LocalWebRTC, microphone, wait_for

# Authorized, the offer's SDP is refused as bad (400): the routes let the request through.
NOT_SDP = {"type": "offer", "sdp": "v=0\r\nnot sdp\r\n"}


async def sign_in(
    http: aiohttp.ClientSession, base_url: str, next_path: str
) -> aiohttp.ClientResponse:
    """Post the dashboard's sign-in form as a browser does (its CSRF token, our origin)."""
    form = await (await http.get(f"{base_url}/dashboard/login")).text()
    match = re.search(r'name="csrf" value="([^"]+)"', form)
    assert match is not None
    return await http.post(
        f"{base_url}/dashboard/login",
        data={"token": TOKEN, "csrf": match.group(1), "next": next_path},
        headers={"Origin": base_url},
        allow_redirects=False,
    )


async def test_a_session_reads_and_writes_with_the_dashboards_csrf_checks(
    dashboard_webrtc: LocalWebRTC,
) -> None:
    base = dashboard_webrtc.base_url
    offer, config = f"{base}/webrtc/offer", f"{base}/webrtc/config"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        # Signed out: refused, with where to sign in and come back.
        refused = await http.get(config)
        assert refused.status == 401
        assert (await refused.json())["sign_in"] == "/dashboard/login?next=/call"
        signed = await sign_in(http, base, "/call")
        assert signed.status == 303
        assert signed.headers["Location"] == "/call"  # the sign-in comes back to the page
        read = await http.get(config)
        assert read.status == 200
        csrf = (await read.json())["csrf"]
        own = {"Origin": base, CSRF_HEADER: csrf}
        assert (await http.post(offer, json=NOT_SDP, headers=own)).status == 400
        # A write without the CSRF token, from another origin, or saying no origin: 403.
        for headers in (
            {"Origin": base},
            {"Origin": base, CSRF_HEADER: csrf[:-2] + "xx"},
            {"Origin": "http://evil.example", CSRF_HEADER: csrf},
            {CSRF_HEADER: csrf},
        ):
            response = await http.post(offer, json=NOT_SDP, headers=headers)
            assert response.status == 403, headers
        # A wrong token is refused even beside a valid session.
        wrong = {**own, "Authorization": "Bearer wrong"}
        assert (await http.post(offer, json=NOT_SDP, headers=wrong)).status == 401
        cookie = http.cookie_jar.filter_cookies(URL(base))[SESSION_COOKIE].value
        # Signed out: the cookie is gone, and a copy of it is refused too.
        await http.post(f"{base}/dashboard/logout", data={"csrf": csrf}, headers={"Origin": base})
        assert (await http.post(offer, json=NOT_SDP, headers=own)).status == 401
    async with aiohttp.ClientSession(cookies={SESSION_COOKIE: cookie}) as copy:
        assert (await copy.get(config)).status == 401
        assert (await copy.post(offer, json=NOT_SDP, headers=own)).status == 401
    assert not dashboard_webrtc.server.transports


async def test_the_token_alone_still_calls_beside_sessions(dashboard_webrtc: LocalWebRTC) -> None:
    async with aiohttp.ClientSession() as http:
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        response = await http.get(f"{dashboard_webrtc.base_url}/webrtc/config", headers=bearer)
        assert response.status == 200
        assert "csrf" not in await response.json()  # a token needs no CSRF token
        response = await http.post(
            f"{dashboard_webrtc.base_url}/webrtc/offer", json=NOT_SDP, headers=bearer
        )
        assert response.status == 400


@asynccontextmanager
async def other_site(page: str) -> AsyncIterator[str]:
    """Another origin (127.0.0.1, another port) serving ``page``: its base URL."""
    app = web.Application()

    async def serve(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app.router.add_get("/", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def test_chromium_signed_in_calls_without_a_token(
    dashboard_webrtc: LocalWebRTC, tmp_path: Path
) -> None:
    pytest.importorskip("playwright", reason="browser calls need playwright")
    from playwright.async_api import async_playwright

    from transports.webrtc.browser import keep_loopback, launch

    local = dashboard_webrtc
    local.greeting = 1.0
    statuses: list[int] = []
    wav = microphone(tmp_path / "silent.wav", (20.0, 0))
    # Another origin's page posts an offer to the signalling with the user's cookie
    # (same site: the SameSite=Strict cookie goes along) and no CSRF token.
    forged = (
        "<script>fetch(%s, {method: 'POST', mode: 'no-cors', credentials: 'include',"
        " headers: {'Content-Type': 'text/plain'}, body: %s})"
        ".then(() => { document.title = 'sent'; });</script>"
    )
    async with async_playwright() as playwright:
        browser = await launch(playwright, wav)
        try:
            context = await browser.new_context(bypass_csp=True)
            page = await context.new_page()
            await page.goto(f"{local.base_url}/call?raw=1")
            await page.wait_for_function("window.framekit.ready")
            assert await page.is_visible("#sign-in")
            await page.click("#sign-in-link")
            await page.fill("input[name=token]", TOKEN)
            await page.click("button[type=submit]")
            await page.wait_for_url(f"{local.base_url}/call")
            await page.wait_for_function("window.framekit.ready")
            assert await page.evaluate("window.framekit.auth") == "session"
            assert not await page.is_visible("#token")
            await keep_loopback(page)
            await page.click("#call")
            await page.wait_for_function("window.framekit.state === 'connected'")
            await wait_for(lambda: bool(local.calls), within=5)
            await page.wait_for_function("window.framekit.audio.energeticWindows > 10")
            csrf = await page.evaluate("fetch('/webrtc/config').then(r => r.json())")
            await page.click("#hangup")
            await wait_for(lambda: not local.server.transports, within=10)

            local.responses.clear()
            target, body = f"{local.base_url}/webrtc/offer", json.dumps(NOT_SDP)
            async with other_site(forged % (json.dumps(target), json.dumps(body))) as evil:
                attacker = await context.new_page()
                await attacker.goto(evil)
                await attacker.wait_for_function("document.title === 'sent'")
            # 403, not 401: the cookie came along, and the CSRF checks refused it.
            assert local.responses == [("POST", "/webrtc/offer", 403)]

            # Signed out (the dashboard's button): the page offers the sign-in again,
            # and its session's CSRF token opens nothing any more.
            await page.goto(f"{local.base_url}/dashboard/live")
            await page.click("form.logout button")
            await page.goto(f"{local.base_url}/call?raw=1")
            await page.wait_for_function("window.framekit.ready")
            assert await page.is_visible("#sign-in")
            status = await page.evaluate(
                "(csrf) => fetch('/webrtc/offer', {method: 'POST', body: '{}',"
                " headers: {'X-CSRF-Token': csrf}}).then(r => r.status)",
                csrf["csrf"],
            )
            statuses.append(status)
        finally:
            await browser.close()
    assert statuses == [401]
    assert len(local.calls) == 1  # the signed-in call; the forged offer made none


async def test_serve_lets_the_dashboards_user_call(tmp_path: Path) -> None:
    """``framekit serve`` gives its dashboard's sessions to the signalling."""
    pytest.importorskip("sqlmodel", reason="the serve app needs the 'db' extra")
    from aiohttp.test_utils import TestClient, TestServer
    from framekit_contact_center.server import ContactCenterServer

    from dashboard._app import settings, signed_in_cookie

    server = ContactCenterServer(settings(tmp_path, f"sqlite:///{tmp_path / 'calls.db'}"))
    async with TestClient(TestServer(server.app)) as client:
        cookie = {"Cookie": f"{SESSION_COOKIE}={await signed_in_cookie(client)}"}
        config = await client.get("/webrtc/config", headers=cookie)
        assert config.status == 200
        own = {**cookie, "Origin": f"http://{client.host}:{client.port}"}
        csrf = {CSRF_HEADER: (await config.json())["csrf"]}
        assert (await client.post("/webrtc/offer", json=NOT_SDP, headers=own | csrf)).status == 400
        assert (await client.post("/webrtc/offer", json=NOT_SDP, headers=own)).status == 403
        client.session.cookie_jar.clear()
        assert (await client.post("/webrtc/offer", json=NOT_SDP)).status == 401
