"""Sign-in limits and sign-out in a real browser (Debian's headless Chromium).

A server of its own (not the 10,000 calls of ``test_pages.py``): these tests use up
the sign-in attempts of the loopback address, which the other pages' tests need.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

pytest.importorskip("playwright.async_api", reason="the browser tests need the 'dev' extra")

from framekit_contact_center.server import ContactCenterServer
from playwright.async_api import Browser, Page, async_playwright, expect

from contact_center._greeter import greeter
from contact_center._serving import listening
from dashboard._app import TOKEN, settings

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest_asyncio.fixture
async def base_url(tmp_path: Path) -> AsyncIterator[str]:
    server = ContactCenterServer(
        settings(tmp_path, f"sqlite:///{tmp_path / 'calls.db'}"), bot=greeter
    )
    async with listening(server) as (host, port, _, _):
        yield f"http://{host}:{port}"


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield launched
        await launched.close()


async def _try(page: Page, token: str) -> None:
    await page.get_by_label("API token").fill(token)
    await page.get_by_role("button", name="Sign in").click()


async def test_after_five_wrong_tokens_the_form_says_to_wait(
    base_url: str, browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(f"{base_url}/dashboard/login")
    for _ in range(5):
        await _try(page, "not-the-token-at-all")
        await expect(page.get_by_role("alert")).to_have_text("Wrong token.")
    async with page.expect_response(f"{base_url}/dashboard/login") as answered:
        await _try(page, TOKEN)
    response = await answered.value
    assert response.status == 429
    assert 0 < int(response.headers["retry-after"]) <= 300
    await expect(page.get_by_role("alert")).to_have_text(
        "Too many failed sign-ins. Try again in 5 minute(s)."
    )
    assert "framekit_session" not in {c["name"] for c in await page.context.cookies()}


async def test_a_cookie_copied_before_sign_out_opens_nothing_after(
    base_url: str, browser: Browser
) -> None:
    owner = await browser.new_context()
    page = await owner.new_page()
    await page.goto(f"{base_url}/dashboard/calls")
    await _try(page, TOKEN)
    await expect(page).to_have_url(f"{base_url}/dashboard/calls")
    [cookie] = [c for c in await owner.cookies() if c["name"] == "framekit_session"]

    thief = await browser.new_context()
    await thief.add_cookies([cookie])
    stolen = await thief.new_page()
    await stolen.goto(f"{base_url}/dashboard/calls")
    await expect(stolen).to_have_url(f"{base_url}/dashboard/calls")  # the copy works...

    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{base_url}/dashboard/login")

    await stolen.goto(f"{base_url}/dashboard/calls")  # ...until its owner signs out
    await expect(stolen).to_have_url(re.compile(r"/dashboard/login\?next=/dashboard/calls$"))
    status = await stolen.evaluate("fetch('/api/calls?limit=1').then(r => r.status)")
    assert status == 401
    await owner.close()
    await thief.close()
