"""Trickle ICE over HTTP: an offer without candidates, and the candidates after it.

An aiortc peer (which gathers before it offers) posts its offer with the candidate
lines taken out and sends them with ``PATCH``; headless Chromium on ``/call`` does
it as a browser does, and ``?trickle=0`` still posts one whole offer. The refusals
of the ``PATCH`` route are checked over HTTP.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiortc import RTCSessionDescription

from framekit.servers.dashboard import CSRF_HEADER
from framekit.servers.webrtc.trickle import MAX_CANDIDATES
from framekit.tasks import live_framekit_tasks
from transports.webrtc.helpers import (
    TOKEN,
    Caller,
    LocalWebRTC,
    loud_runs,
    microphone,
    wait_for,
)

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def split_candidates(sdp: str) -> tuple[str, list[dict[str, Any]]]:
    """The SDP without its candidate lines, and those candidates as a browser sends them."""
    kept, candidates, mid, index = [], [], None, -1
    for line in sdp.split("\r\n"):
        if line.startswith("m="):
            index += 1
        elif line.startswith("a=mid:"):
            mid = line.removeprefix("a=mid:")
        if line.startswith("a=candidate:"):
            candidates.append({"candidate": line[2:], "sdpMid": mid, "sdpMLineIndex": index})
        elif line != "a=end-of-candidates":
            kept.append(line)
    return "\r\n".join(kept), candidates


async def test_an_offer_without_candidates_connects_with_trickled_ones(
    local_webrtc: LocalWebRTC,
) -> None:
    caller = Caller(local_webrtc.base_url)
    try:
        await caller.pc.setLocalDescription(await caller.pc.createOffer())
        bare, candidates = split_candidates(caller.pc.localDescription.sdp)
        assert candidates
        response = await caller.offer(bare)
        assert response.status == 200
        answer = await response.json()
        location = response.headers["Location"]
        assert location == f"/webrtc/calls/{answer['call_id']}"
        transport = local_webrtc.server.transports[answer["call_id"]]
        async with aiohttp.ClientSession(local_webrtc.base_url, headers=AUTH) as http:
            for candidate in candidates:  # one at a time, as they are found
                patched = await http.patch(location, json={"candidates": [candidate]})
                assert patched.status == 204
            assert (await http.patch(location, json={"end": True})).status == 204
        assert transport.trickled == len(candidates)
        await caller.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        call = await local_webrtc.wait_call(answer["call_id"])
        await wait_for(lambda: len(caller.heard.loud_since(0)) >= 10, within=5)  # the greeting
        caller.send({"type": "hangup"})
        async with asyncio.timeout(5):
            await local_webrtc.server.wait_until_idle()
    finally:
        await caller.close()
    assert call.transport.closed
    assert not live_framekit_tasks()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b'{"candidates": "x"}', 400),
        (b'{"candidates": [{"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"}]}', 400),
        (b'{"candidates": [{"candidate": "rm -rf /", "sdpMid": "0"}]}', 400),
        (b'{"candidates": [{"candidate": "", "sdpMid": "0"}], "end": 1}', 400),
        (json.dumps({"candidates": [{"candidate": "x" * 40_000}]}).encode(), 413),
    ],
)
async def test_bad_candidates_are_refused(
    local_webrtc: LocalWebRTC, body: bytes, status: int
) -> None:
    caller = Caller(local_webrtc.base_url)
    try:
        response = await caller.offer()
        location = response.headers["Location"]
        async with aiohttp.ClientSession(local_webrtc.base_url, headers=AUTH) as http:
            assert (await http.patch(location, data=body)).status == status
    finally:
        await caller.close()


async def test_candidates_need_a_live_call_the_token_and_a_bound(
    local_webrtc: LocalWebRTC,
) -> None:
    line = "candidate:{} 1 udp 2122260223 127.0.0.1 {} typ host"
    local_webrtc.server.connect_timeout = 3.0  # the call never connects: dropped after this
    caller = Caller(local_webrtc.base_url)
    try:
        response = await caller.offer()
        location = response.headers["Location"]
        call_id = (await response.json())["call_id"]
        async with aiohttp.ClientSession(local_webrtc.base_url) as http:
            one = {"candidates": [{"candidate": line.format(1, 9), "sdpMid": "0"}]}
            assert (await http.patch(location, json=one)).status == 401
            assert (await http.patch("/webrtc/calls/nope", json=one, headers=AUTH)).status == 404
            many = [
                {"candidate": line.format(n, 10_000 + n), "sdpMid": "0"}
                for n in range(MAX_CANDIDATES)
            ]
            patched = await http.patch(location, json={"candidates": many}, headers=AUTH)
            assert patched.status == 204
            assert (await http.patch(location, json=one, headers=AUTH)).status == 400
            assert local_webrtc.server.transports[call_id].trickled == MAX_CANDIDATES
    finally:
        await caller.close()
    async with asyncio.timeout(local_webrtc.server.connect_timeout + 5):
        await local_webrtc.server.wait_until_idle()
    async with aiohttp.ClientSession(local_webrtc.base_url) as http:
        assert (await http.patch(location, json={"end": True}, headers=AUTH)).status == 404


async def test_a_session_trickles_with_its_csrf_token(dashboard_webrtc: LocalWebRTC) -> None:
    from transports.webrtc.test_session_auth import sign_in

    base = dashboard_webrtc.base_url
    caller = Caller(base)
    try:
        location = (await caller.offer()).headers["Location"]
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            await sign_in(http, base, "/call")
            csrf = (await (await http.get(f"{base}/webrtc/config")).json())["csrf"]
            end = {"end": True}
            refused = await http.patch(base + location, json=end, headers={"Origin": base})
            assert refused.status == 403
            own = {"Origin": base, CSRF_HEADER: csrf}
            assert (await http.patch(base + location, json=end, headers=own)).status == 204
    finally:
        await caller.close()


async def test_chromium_trickles_and_the_whole_offer_still_works(
    local_webrtc: LocalWebRTC, tmp_path: Path
) -> None:
    pytest.importorskip("playwright", reason="browser calls need playwright")
    from playwright.async_api import Request, async_playwright

    from transports.webrtc.browser import dial, launch, new_tab

    local_webrtc.greeting = 1.0
    wav = microphone(tmp_path / "silent.wav", (20.0, 0))
    sent: dict[str, list[str]] = {"trickle": [], "whole": []}
    found: dict[str, Any] = {}
    async with async_playwright() as playwright:
        browser = await launch(playwright, wav)
        try:
            for mode, query in (("trickle", ""), ("whole", "&trickle=0")):
                seen = sent[mode]

                def note(request: Request, seen: list[str] = seen) -> None:
                    if "/webrtc/" in request.url and request.method != "GET":
                        seen.append(f"{request.method} {request.post_data or ''}")

                local_webrtc.calls.clear()
                page = await new_tab(browser)
                page.on("request", note)
                await dial(page, local_webrtc.base_url, TOKEN, query)
                await wait_for(lambda: bool(local_webrtc.calls), within=5)
                bot_call = next(iter(local_webrtc.calls.values()))
                # The whole 1 s greeting, then quiet: no start of it lost while connecting.
                await page.wait_for_function(
                    "window.framekit.audio.energeticWindows > 40 && window.framekit.audio"
                    ".levels.slice(-10).every(([, level]) => level < 0.02)"
                )
                runs = loud_runs(await page.evaluate("window.framekit.audio.levels"), 0.15)
                found[mode] = {
                    "greeting_ms": runs[-1][1] - runs[0][0],
                    "trickled_server": bot_call.transport.trickled,
                    "trickled_page": await page.evaluate("window.framekit.trickled"),
                    "timing": await page.evaluate("window.framekit.timing"),
                }
                await page.click("#hangup")
                async with asyncio.timeout(10):
                    await local_webrtc.server.wait_until_idle()
        finally:
            await browser.close()
    click_to_connected = {
        mode: {
            step: round(f["timing"][step] - f["timing"]["clicked"])
            for step in ("gathered", "answered", "connected")
        }
        for mode, f in found.items()
    }
    greetings = {mode: f["greeting_ms"] for mode, f in found.items()}
    print(json.dumps({"click_to_ms": click_to_connected, "greeting_ms": greetings}))
    assert all(800 < heard < 1600 for heard in greetings.values())
    offers = {
        mode: [r for r in requests if r.startswith("POST")] for mode, requests in sent.items()
    }
    patches = {
        mode: [r for r in requests if r.startswith("PATCH")] for mode, requests in sent.items()
    }
    # Trickle: the offer went without candidates; they followed, and the server took them.
    assert len(offers["trickle"]) == 1
    assert "a=candidate" not in offers["trickle"][0]
    assert patches["trickle"]
    assert found["trickle"]["trickled_server"] >= 1
    assert found["trickle"]["trickled_page"] == found["trickle"]["trickled_server"]
    # The whole offer: candidates inside, nothing after.
    assert "a=candidate" in offers["whole"][0]
    assert not patches["whole"]
    assert found["whole"]["trickled_server"] == 0
    assert not live_framekit_tasks()
