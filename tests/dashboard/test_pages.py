"""The dashboard in a real browser (Debian's headless Chromium), served by ``framekit serve``.

One server for the module, over a database of 10,000 seeded calls (PostgreSQL when
``FRAMEKIT_TEST_DATABASE_URL`` is set, else SQLite), the newest two with both
recorded tracks; calls come in through Twilio's Media Streams protocol. Every page
fails its test on a console error or an uncaught exception. The pages' pictures are
taken into the test's temporary directory, and into ``FRAMEKIT_SCREENSHOTS`` when set
(``FRAMEKIT_SCREENSHOTS=docs/images`` renews the documentation's).
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.async_api", reason="the browser tests need the 'dev' extra")

import aiohttp
import psycopg
import pytest_asyncio
from aiohttp import web
from framekit_contact_center.seed_calls import seed_calls
from framekit_contact_center.server import ContactCenterServer
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from contact_center._greeter import greeter
from contact_center._serving import listening
from dashboard._app import AUTH, TOKEN, TWILIO_TOKEN, settings
from dashboard.conftest import PG_ENV, _admin_dsn, _schema_url
from framekit.analytics import analyze
from framekit.analytics.turn_model import head_scorer
from framekit.servers.twilio import sign_stream_token
from framekit.testing.twilio_caller import TwilioCallerSimulator

CHROMIUM = "/usr/bin/chromium"
_MISSING = "Failed to load resource: the server responded with a status of 404 (Not Found)"
_REFUSED = "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
CALLS = 10_000
DASH = "\u2013"  # the pager's "1-50 of ..." is an en dash
SCREENSHOTS_ENV = "FRAMEKIT_SCREENSHOTS"

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.timeout(180),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@dataclass(frozen=True)
class Seeded:
    database_url: str
    recordings: Path
    recorded: list[str]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """10,000 calls over 30 days, the newest two with recordings."""
    base = tmp_path_factory.mktemp("dashboard")
    schema = None
    if os.environ.get(PG_ENV):
        schema = f"framekit_dash_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(_admin_dsn(), autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        url = _schema_url(schema)
    else:
        url = f"sqlite:///{base / 'calls.db'}"
    report = seed_calls(
        url,
        calls=CALLS,
        recordings_dir=base / "recordings",
        recorded=2,
        analyze=partial(analyze, scorer=head_scorer()),  # what serve's job would store
    )
    try:
        yield Seeded(url, base / "recordings", report.recorded)
    finally:
        if schema is not None:
            with psycopg.connect(_admin_dsn(), autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def base_url(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    options = settings(tmp_path_factory.mktemp("serve"), seeded.database_url, seeded.recordings)
    server = ContactCenterServer(options, bot=greeter)
    async with listening(server) as (host, port, _, _):
        # Every seeded call is analysed already: the post-call job's first sweep finds
        # nothing to do.
        assert await asyncio.to_thread(server.analytics.worker.wait_idle, 30)
        yield f"http://{host}:{port}"


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Where the pages' pictures go."""
    wanted = os.environ.get(SCREENSHOTS_ENV)
    return [tmp_path_factory.mktemp("pictures"), *([Path(wanted)] if wanted else [])]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport={"width": 1280, "height": 860})
    yield context
    await context.close()


@pytest.fixture
def problems() -> list[str]:
    """The page's console errors and uncaught exceptions (a test clears those it caused)."""
    return []


@pytest_asyncio.fixture(loop_scope="module")
async def page(context: BrowserContext, problems: list[str]) -> AsyncIterator[Page]:
    """A page that fails the test on any console error or uncaught exception."""
    page = await context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    assert problems == [], f"the page logged errors: {problems}"


async def _total(base_url: str, query: str = "") -> int:
    """How many calls the API counts (the live-call test adds one to the seeded ones)."""
    url = f"{base_url}/api/calls?limit=1&{query}"
    async with aiohttp.ClientSession() as client, client.get(url, headers=AUTH) as response:
        assert response.status == 200
        total: int = (await response.json())["total"]
        return total


async def _sign_in(page: Page, base_url: str, token: str = TOKEN) -> None:
    await page.goto(f"{base_url}/dashboard/calls")
    await page.get_by_label("API token").fill(token)
    await page.get_by_role("button", name="Sign in").click()


async def _signed_in(page: Page, base_url: str) -> Page:
    await _sign_in(page, base_url)
    await expect(page).to_have_url(f"{base_url}/dashboard/calls")
    return page


# --- signing in ------------------------------------------------------------------------


async def test_a_wrong_token_is_refused_and_the_session_cookie_is_strict(
    base_url: str, context: BrowserContext, page: Page, problems: list[str]
) -> None:
    await page.goto(f"{base_url}/dashboard/analytics")
    await expect(page).to_have_url(re.compile(r"/dashboard/login\?next=/dashboard/analytics"))
    await page.get_by_label("API token").fill("not-the-token-at-all")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong token.")
    assert "framekit_session" not in {c["name"] for c in await context.cookies()}
    assert problems == [_REFUSED]  # the sign-in page came back as a 401
    problems.clear()

    await page.get_by_label("API token").fill(TOKEN)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/dashboard/analytics(\?range=30)?$"))
    [session] = [c for c in await context.cookies() if c["name"] == "framekit_session"]
    assert (session["httpOnly"], session["sameSite"], session["path"]) == (True, "Strict", "/")
    assert await page.evaluate("document.cookie") == ""  # no script can read it

    # The pages read the API with the cookie; the API still takes the Bearer token.
    status = await page.evaluate("fetch('/api/calls?limit=1').then(r => r.status)")
    assert status == 200
    async with aiohttp.ClientSession() as client:
        async with client.get(f"{base_url}/api/calls?limit=1", headers=AUTH) as response:
            assert response.status == 200
        async with client.get(f"{base_url}/api/calls?limit=1") as response:
            assert response.status == 401

    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{base_url}/dashboard/login")
    assert "framekit_session" not in {c["name"] for c in await context.cookies()}
    assert await page.evaluate("fetch('/api/calls?limit=1').then(r => r.status)") == 401
    assert problems == [_REFUSED]
    problems.clear()


async def test_a_cross_origin_post_is_refused(
    base_url: str, context: BrowserContext, page: Page
) -> None:
    """Another site's form posting to the dashboard: no cookie travels, the origin is refused."""
    await _signed_in(page, base_url)
    evil = web.Application()

    async def form(request: web.Request) -> web.Response:
        html = (
            f'<form id="f" method="post" action="{base_url}/dashboard/logout">'
            '<input name="csrf" value="guess"></form>'
            "<script>document.getElementById('f').submit()</script>"
        )
        return web.Response(text=html, content_type="text/html")

    evil.router.add_get("/", form)
    runner = web.AppRunner(evil)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        attacker = await context.new_page()
        async with attacker.expect_response(f"{base_url}/dashboard/logout") as posted:
            await attacker.goto(f"http://localhost:{port}/")
        response = await posted.value
        assert response.status == 403
        await attacker.close()
    finally:
        await runner.cleanup()
    # Still signed in: the post changed nothing.
    await page.reload()
    await expect(page).to_have_url(f"{base_url}/dashboard/calls")

    async with aiohttp.ClientSession() as client:
        async with client.post(
            f"{base_url}/dashboard/login",
            data={"token": TOKEN, "csrf": "x"},
            headers={"Origin": "https://evil.example"},
            allow_redirects=False,
        ) as response:
            assert response.status == 403
        async with client.post(
            f"{base_url}/dashboard/login", data={"token": TOKEN}, allow_redirects=False
        ) as response:
            assert response.status == 403  # no Origin, no Referer


# --- the pages ---------------------------------------------------------------------------


async def test_every_page_renders_with_ten_thousand_calls(
    base_url: str, page: Page, pictures: list[Path]
) -> None:
    await _signed_in(page, base_url)
    total = await _total(base_url)
    assert total >= CALLS
    await expect(page.locator("#page-info")).to_have_text(f"1{DASH}50 of {total:,}")
    await expect(page.locator("#calls-rows tr")).to_have_count(50)
    await _picture(page, "calls", pictures)

    await page.get_by_role("button", name="Older →").click()
    await expect(page.locator("#page-info")).to_have_text(f"51{DASH}100 of {total:,}")
    await expect(page).to_have_url(re.compile(r"offset=50"))

    await page.goto(f"{base_url}/dashboard/calls")
    await page.locator("#calls-rows a").first.click()  # recorded and analysed
    await expect(page).to_have_url(re.compile(r"/dashboard/calls/[0-9a-f]{32}$"))
    await expect(page.locator("#transcript li").first).to_be_visible()
    await expect(page.locator("#call-title")).to_contain_text("Call from +1555")
    await expect(page.locator("audio")).to_have_count(2)
    await expect(page.locator("#summary")).not_to_have_text("No analytics yet.")
    await expect(page.locator("#analytics-facts dt").first).to_be_visible()
    caller_lines = await page.locator("#transcript li.user").count()
    await expect(page.locator("#transcript li.user .badge")).to_have_count(caller_lines)
    await _picture(page, "call", pictures)

    await page.get_by_role("link", name="Analytics").click()
    await expect(page.locator("#analytics-status")).not_to_have_text("Loading…")
    await expect(page.locator("#charts svg")).to_have_count(5)
    await expect(page.locator("#kpis .kpi").first).to_contain_text(re.compile(r"[1-9]"))
    await _picture(page, "analytics", pictures)

    await page.get_by_role("link", name="Live calls").click()
    await expect(page.locator("#live-empty")).to_be_visible()
    await expect(page.locator("#live-count")).to_have_text("0")


async def test_pages_without_analytics_say_so(
    base_url: str, page: Page, problems: list[str]
) -> None:
    """Before the analytics exist (an app without them, a call not analysed yet)."""
    await _signed_in(page, base_url)
    await page.route("**/api/analytics?*", lambda route: route.fulfill(status=404, json={}))
    await page.get_by_role("link", name="Analytics").click()
    await expect(page.locator("#charts")).to_have_text("No analytics yet.")

    async def no_analysis(route: Any) -> None:
        response = await route.fetch()
        await route.fulfill(response=response, json={**await response.json(), "analytics": None})

    await page.route(re.compile(r"/api/calls/[0-9a-f]{32}$"), no_analysis)
    await page.goto(f"{base_url}/dashboard/calls")
    await page.locator("#calls-rows a").first.click()
    await expect(page.locator("#transcript li").first).to_be_visible()
    await expect(page.locator("#summary")).to_have_text("No analytics yet.")
    await expect(page.locator("#transcript .badge")).to_have_count(0)
    assert problems == [_MISSING]  # the 404 of the analytics route
    problems.clear()


async def test_search_and_filters_agree_with_the_api(base_url: str, page: Page) -> None:
    await _signed_in(page, base_url)
    query = "q=real+person&outcome=transferred&from=2000-01-01&to=2100-01-01"
    expected = await _total(base_url, query)
    assert 0 < expected < CALLS
    await page.get_by_label("Outcome").select_option("transferred")
    await page.get_by_label("From").fill("2000-01-01")
    await page.get_by_label("To").fill("2100-01-01")
    await page.get_by_label("Search").fill("real person")
    await page.get_by_role("button", name="Apply").click()
    await expect(page.locator("#calls-status")).to_have_text(f"{expected:,} calls")
    outcomes = await page.locator("#calls-rows .badge").all_inner_texts()
    assert outcomes
    assert set(outcomes) == {"transferred"}
    # The filters live in the address: a reload keeps them.
    await page.reload()
    await expect(page.get_by_label("Search")).to_have_value("real person")
    await expect(page.locator("#calls-status")).to_have_text(f"{expected:,} calls")

    await page.get_by_role("button", name="Clear").click()
    await expect(page.locator("#calls-status")).to_have_text(f"{await _total(base_url):,} calls")


async def test_the_keyboard_reaches_search_filters_and_rows(base_url: str, page: Page) -> None:
    await _signed_in(page, base_url)
    await expect(page.locator("#calls-rows tr")).to_have_count(50)
    await page.locator("body").focus()
    reached: list[str] = []
    for _ in range(40):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            "(() => { const e = document.activeElement;"
            " return e.id || (e.closest('#calls-rows') ? 'row' : e.textContent.trim()); })()"
        )
        reached.append(focused)
        if focused == "row":
            break
    for wanted in ("q", "outcome", "from", "to", "row"):
        assert wanted in reached, f"Tab never reached {wanted}: {reached}"
    assert reached.index("q") < reached.index("row")
    href = await page.evaluate("document.activeElement.getAttribute('href')")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{base_url}{href}")
    # On the call page a transcript line is a button: Tab reaches it, Enter plays it.
    first_line = page.locator("#transcript button").first
    await first_line.focus()
    await expect(first_line).to_be_focused()


async def test_a_transcript_line_seeks_its_track(base_url: str, page: Page) -> None:
    await _signed_in(page, base_url)
    # The newest call was seeded with both tracks.
    await page.locator("#calls-rows a").first.click()
    caller = page.locator('audio[data-track="caller"]')
    await expect(caller).to_have_count(1)
    async with asyncio.timeout(5):  # the track's length known (a string wait_for_function is eval)
        while await caller.evaluate("audio => audio.readyState") < 1:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    line = page.locator("#transcript li.user button").first
    await expect(line).to_be_visible()
    shown = await line.locator(".at").inner_text()
    await line.click()
    at = await caller.evaluate("audio => audio.currentTime")
    minutes, seconds = shown.split(":")
    assert abs(at - (int(minutes) * 60 + int(seconds))) <= 0.6
    await expect(page.locator("#transcript li.user").first).to_have_class(re.compile("playing"))
    bot = page.locator('audio[data-track="bot"]')
    assert await bot.evaluate("audio => audio.currentTime") == 0


async def test_live_calls_update_without_a_reload(
    base_url: str, page: Page, pictures: list[Path]
) -> None:
    await _signed_in(page, base_url)
    await page.goto(f"{base_url}/dashboard/live")
    await expect(page.locator("#live-empty")).to_be_visible()
    await page.evaluate("window.sameDocument = true")
    call_sid = "CA" + uuid.uuid4().hex
    token = sign_stream_token(TWILIO_TOKEN, call_sid)
    url = f"{base_url.replace('http', 'ws', 1)}/twilio/stream?token={token}"
    parameters = {"from": "+15551230000", "to": "+15550000000", "direction": "inbound"}
    async with TwilioCallerSimulator(url, call_sid=call_sid, custom_parameters=parameters) as call:
        await call.wait_for_audio(0.2)
        row = page.locator(f'tr[data-call-sid="{call_sid}"]')
        await expect(row).to_be_visible(timeout=5000)
        await expect(page.locator("#live-count")).to_have_text("1")
        await _picture(page, "live", pictures)
        await call.hang_up()
    await expect(row).to_have_count(0, timeout=5000)
    assert await page.evaluate("window.sameDocument") is True


async def test_dark_mode_follows_the_system(
    base_url: str, browser: Browser, pictures: list[Path]
) -> None:
    context = await browser.new_context(
        viewport={"width": 1280, "height": 860}, color_scheme="dark"
    )
    try:
        page = await context.new_page()
        await _signed_in(page, base_url)
        await expect(page.locator("#calls-rows tr")).to_have_count(50)
        background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(15, 18, 22)"
        await _picture(page, "calls-dark", pictures)
    finally:
        await context.close()


async def _picture(page: Page, name: str, where: list[Path]) -> None:
    await asyncio.sleep(0.1)  # the last layout pass
    picture = await page.screenshot(full_page=False)
    assert picture.startswith(b"\x89PNG")
    for directory in where:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"dashboard-{name}.png").write_bytes(picture)
