"""Fixtures: a WebRTC server on 127.0.0.1 running the scripted test bot, and loopback ICE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aioice.ice
import pytest
from aiohttp import web

from framekit.servers.dashboard import Dashboard
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
    async with _listening(local, local.server.make_app()):
        yield local


@pytest.fixture
async def dashboard_webrtc() -> AsyncIterator[LocalWebRTC]:
    """The same, with the dashboard's sign-in beside it: a signed-in user calls without
    the token (as in ``framekit serve``)."""
    local = LocalWebRTC()
    local.dashboard = Dashboard(TOKEN)
    local.server = WebRTCServer(
        WebRTCSettings(api_token=TOKEN), local.factory, sessions=local.dashboard
    )
    app = local.server.make_app()
    local.dashboard.add_routes(app)
    async with _listening(local, app):
        yield local


@asynccontextmanager
async def _listening(local: LocalWebRTC, app: web.Application) -> AsyncIterator[None]:
    async def note(request: web.Request, response: web.StreamResponse) -> None:
        local.responses.append((request.method, request.path, response.status))

    app.on_response_prepare.append(note)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    local.base_url = f"http://{host}:{port}"
    try:
        yield
    finally:
        await runner.cleanup()
