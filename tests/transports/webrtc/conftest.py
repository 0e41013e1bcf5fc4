"""Fixtures: a WebRTC server on 127.0.0.1 running the scripted test bot, and loopback ICE."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aioice.ice
import pytest
from aiohttp import web

from framekit.servers.webrtc import WebRTCServer, WebRTCSettings
from transports.webrtc.helpers import TOKEN, LocalWebRTC


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """aioice leaves 127.0.0.1 out of its candidates; here it is the only one."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


@pytest.fixture
async def local_webrtc() -> AsyncIterator[LocalWebRTC]:
    local = LocalWebRTC()
    local.server = WebRTCServer(WebRTCSettings(api_token=TOKEN), local.factory)
    runner = web.AppRunner(local.server.make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    local.base_url = f"http://{host}:{port}"
    try:
        yield local
    finally:
        await runner.cleanup()
