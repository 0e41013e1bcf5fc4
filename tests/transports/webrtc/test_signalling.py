"""The offer endpoint's refusals, the ICE servers setting, and what the page is served with."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from framekit.servers.twilio.admission import AdmissionControl
from framekit.servers.webrtc import IceServer, WebRTCSettings, ice_servers
from framekit.tasks import live_framekit_tasks
from transports.webrtc.helpers import TOKEN, Caller, LocalWebRTC, wait_for


async def test_the_offer_needs_the_api_token(local_webrtc: LocalWebRTC) -> None:
    caller = Caller(local_webrtc.base_url, token="wrong")
    try:
        response = await caller.offer()
        assert response.status == 401
        assert not local_webrtc.server.transports
    finally:
        await caller.close()
    async with aiohttp.ClientSession() as http:
        response = await http.get(f"{local_webrtc.base_url}/webrtc/config")
        assert response.status == 401


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"type": "answer", "sdp": "v=0"}', b'{"type": "offer"}', b"[]"],
)
async def test_a_malformed_offer_is_a_400(local_webrtc: LocalWebRTC, body: bytes) -> None:
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            f"{local_webrtc.base_url}/webrtc/offer",
            data=body,
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status == 400


async def test_bad_sdp_and_an_offer_without_audio_are_refused(local_webrtc: LocalWebRTC) -> None:
    caller = Caller(local_webrtc.base_url)
    try:
        assert (await caller.offer("v=0\r\nnonsense\r\n")).status == 400
    finally:
        await caller.close()
    video_only = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        video_only.createDataChannel("framekit")
        await video_only.setLocalDescription(await video_only.createOffer())
        async with aiohttp.ClientSession() as http:
            response = await http.post(
                f"{local_webrtc.base_url}/webrtc/offer",
                json={"type": "offer", "sdp": video_only.localDescription.sdp},
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            assert response.status == 400
            assert "no audio" in (await response.json())["error"]
    finally:
        await video_only.close()
    assert not local_webrtc.server.transports
    assert local_webrtc.server.refused_offers == 2


async def test_an_offer_too_large_is_a_413(local_webrtc: LocalWebRTC) -> None:
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            f"{local_webrtc.base_url}/webrtc/offer",
            json={"type": "offer", "sdp": "a" * 70_000},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status == 413


async def test_calls_beyond_capacity_are_busy(local_webrtc: LocalWebRTC) -> None:
    local_webrtc.server.admission = AdmissionControl(1)
    first, second = Caller(local_webrtc.base_url), Caller(local_webrtc.base_url)
    try:
        await first.dial()
        await local_webrtc.wait_call(first.call_id)
        response = await second.offer()
        assert response.status == 503
        assert local_webrtc.server.admission.refused == 1
    finally:
        await first.close()
        await second.close()
    async with asyncio.timeout(5):
        await local_webrtc.server.wait_until_idle()
    assert local_webrtc.server.admission.admitted == 0
    assert not live_framekit_tasks()


async def test_a_call_that_never_connects_is_dropped(local_webrtc: LocalWebRTC) -> None:
    local_webrtc.server.connect_timeout = 0.5
    caller = Caller(local_webrtc.base_url)
    try:
        response = await caller.offer()  # answered, but the answer is never applied
        assert response.status == 200
        await wait_for(lambda: not local_webrtc.server.transports, within=3)
        assert not local_webrtc.calls  # no pipeline was built
    finally:
        await caller.close()


async def test_the_page_and_its_files_are_served(local_webrtc: LocalWebRTC) -> None:
    async with aiohttp.ClientSession() as http:
        page = await http.get(f"{local_webrtc.base_url}/call")
        assert page.status == 200
        assert page.headers["Content-Type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert '<script src="/call/static/call.js">' in await page.text()
        script = await http.get(f"{local_webrtc.base_url}/call/static/call.js")
        assert script.status == 200
        again = await http.get(
            f"{local_webrtc.base_url}/call/static/call.js",
            headers={"If-None-Match": script.headers["ETag"]},
        )
        assert again.status == 304
        missing = await http.get(f"{local_webrtc.base_url}/call/static/..%2Fserver.py")
        assert missing.status == 404


def test_ice_servers_from_urls_and_never_show_credentials() -> None:
    servers = ice_servers(
        "stun:stun.example.com:3478, turn:turn.example.com:3478?transport=udp", "bot", "s3cret"
    )
    assert servers == (
        IceServer(("stun:stun.example.com:3478",)),
        IceServer(("turn:turn.example.com:3478?transport=udp",), "bot", "s3cret"),
    )
    settings = WebRTCSettings(api_token=TOKEN, ice_servers=servers)
    assert "s3cret" not in repr(settings)
    assert TOKEN not in repr(settings)
    config = settings.rtc_configuration()
    assert [s.urls for s in config.iceServers or []] == [
        ["stun:stun.example.com:3478"],
        ["turn:turn.example.com:3478?transport=udp"],
    ]
    assert servers[1].to_json() == {
        "urls": ["turn:turn.example.com:3478?transport=udp"],
        "username": "bot",
        "credential": "s3cret",
    }
    assert ice_servers("") == ()
    # None by default: aiortc's own default (a public STUN server) is not used.
    assert WebRTCSettings(api_token=TOKEN).rtc_configuration().iceServers == []


@pytest.mark.parametrize(
    ("urls", "error"),
    [
        ("http://x", "must start with"),
        ("turn:x:3478", "needs a username"),
        (",".join(["stun:x"] * 9), "at most"),
    ],
)
def test_bad_ice_servers_are_refused_with_the_reason(urls: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        ice_servers(urls)
