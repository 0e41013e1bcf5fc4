"""Headless Chromium as a caller: Debian's browser with a WAV file as its microphone.

Driven by Playwright with ``executable_path`` (never ``playwright install``). The
flags keep it on loopback and quiet (``../shared/transports.md``); the page's offer
keeps only its 127.0.0.1 candidates, and ``?raw=1`` turns the browser's echo
cancellation and gain control off, so the audio that arrives is the file's.
"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Page, Playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
LOOPBACK_OFFER = (
    "sdp => sdp.split('\\r\\n').filter(l => !l.startsWith('a=candidate:') "
    "|| l.includes(' 127.0.0.1 ')).join('\\r\\n')"
)
"""The page's offer filter: only the 127.0.0.1 candidates (Chromium gathers on every interface)."""
LOOPBACK_CANDIDATE = "line => line.includes(' 127.0.0.1 ')"
"""The same for the candidates the page trickles after its offer."""


async def keep_loopback(page: Page) -> None:
    """Make the page offer and trickle only its 127.0.0.1 candidates."""
    await page.evaluate(
        f"() => {{ window.framekit.offerFilter = {LOOPBACK_OFFER};"
        f" window.framekit.candidateFilter = {LOOPBACK_CANDIDATE}; }}"
    )


async def launch(playwright: Playwright, wav: Path) -> Browser:
    return await playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[*FLAGS, f"--use-file-for-fake-audio-capture={wav}%noloop"],
    )


async def call(browser: Browser, base_url: str, token: str) -> Page:
    """A new tab on ``/call`` that has dialled and is connected."""
    page = await new_tab(browser)
    await dial(page, base_url, token)
    return page


async def new_tab(browser: Browser) -> Page:
    """A tab of its own context (cookies, storage)."""
    # The page's CSP forbids eval, which Playwright's string predicates use.
    return await (await browser.new_context(bypass_csp=True)).new_page()


async def dial(page: Page, base_url: str, token: str, query: str = "") -> None:
    """Open ``/call?raw=1`` (and ``query``) in ``page``, dial, and wait until connected."""
    await page.goto(f"{base_url}/call?raw=1{query}")
    await keep_loopback(page)
    await page.fill("#token", token)
    await page.click("#call")
    await page.wait_for_function("window.framekit.state === 'connected'", timeout=15_000)
