"""Fixtures: a Twilio server on 127.0.0.1 running the test bot of ``helpers``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from framekit.pipeline import PipelineTask
from framekit.servers.twilio.server import TwilioServer, TwilioSettings
from framekit.transports.twilio import StartMessage, StreamLimits, TwilioMediaStreamTransport
from transports.twilio.helpers import AUTH_TOKEN, PUBLIC_BASE, LocalTwilio


@pytest.fixture
def settings() -> TwilioSettings:
    return TwilioSettings(
        webhook_base_url=PUBLIC_BASE,
        account_sid="AC" + "0" * 32,
        auth_token=AUTH_TOKEN,
        phone_number="+15550000000",
    )


@pytest.fixture
async def local_twilio(settings: TwilioSettings) -> AsyncIterator[LocalTwilio]:
    holder: list[LocalTwilio] = []
    statuses: list[dict[str, str]] = []

    def factory(transport: TwilioMediaStreamTransport, start: StartMessage) -> PipelineTask:
        return holder[0].factory(transport, start)

    server = TwilioServer(
        settings,
        factory,
        limits=StreamLimits(max_bad_messages=5, handshake_timeout=2.0),
        on_status=statuses.append,
    )
    runner = web.AppRunner(server.make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    local = LocalTwilio(server, f"http://{host}:{port}")
    local.statuses = statuses  # type: ignore[attr-defined]
    holder.append(local)
    try:
        yield local
    finally:
        await runner.cleanup()
