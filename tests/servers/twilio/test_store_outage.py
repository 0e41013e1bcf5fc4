"""The voice webhook while the stream-token store is away: hold, retry, apologise, never 503.

A node whose store (Redis, shared by every node) cannot answer is healthy: a ``503``
would make a load balancer take it out of rotation past the outage and make Twilio
play its generic error. These tests post signed webhooks to a :class:`TwilioServer`
in-process, with a store that can be switched off and on, and read the TwiML a
caller would get (each test fails on the ``503`` of the old code).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("twilio", reason="the Twilio server needs the 'twilio' extra")

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from framekit.pipeline import PipelineTask
from framekit.servers.twilio import InMemoryTokenStore, TokenStoreUnavailable, verify_stream_token
from framekit.servers.twilio.admission import AdmissionControl
from framekit.servers.twilio.outage import StoreOutageAnswer
from framekit.servers.twilio.server import TwilioServer, TwilioSettings

AUTH_TOKEN = "outage-auth-token-0123456789abcdef"
SETTINGS = TwilioSettings("https://calls.example.test", "AC" + "0" * 32, AUTH_TOKEN)


class SwitchableStore(InMemoryTokenStore):
    """An in-memory store that raises :class:`TokenStoreUnavailable` while ``down``."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True

    async def issue(self, call_sid: str, expires_at: float) -> float:
        if self.down:
            raise TokenStoreUnavailable("test: the store is away")
        return await super().issue(call_sid, expires_at)

    async def first_use(self, token: str, expires_at: float) -> bool:
        if self.down:
            raise TokenStoreUnavailable("test: the store is away")
        return await super().first_use(token, expires_at)


def _no_calls(*_: object) -> PipelineTask:
    raise AssertionError("no stream is opened in these tests")


@pytest.fixture
async def store() -> SwitchableStore:
    return SwitchableStore()


@asynccontextmanager
async def _client(server: TwilioServer) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    client = TestClient(TestServer(server.make_app()))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def voice(
    client: TestClient[web.Request, web.Application], call_sid: str, path: str = "/twilio/voice"
) -> ET.Element:
    """Post the voice webhook as Twilio would (signed for ``path``); the TwiML answer."""
    form = {"CallSid": call_sid, "From": "+15551230000", "To": "+15550000000"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(SETTINGS.public_url(path), form)
    response = await client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status == 200, await response.text()
    return ET.fromstring(await response.text())


def _follow(twiml: ET.Element) -> str:
    """The path and query of the answer's ``<Redirect>``, as Twilio would post it next."""
    redirect = twiml.find("Redirect")
    assert redirect is not None, ET.tostring(twiml)
    assert redirect.text is not None
    assert redirect.get("method") == "POST"
    assert redirect.text.startswith(SETTINGS.public_url("/twilio/voice?attempt="))
    return redirect.text.removeprefix(SETTINGS.webhook_base_url)


async def test_the_call_is_held_and_connects_as_soon_as_the_store_is_back(
    store: SwitchableStore,
) -> None:
    server = TwilioServer(SETTINGS, _no_calls, token_store=store)
    async with _client(server) as client:
        first = await voice(client, "CA-held")
        assert [child.tag for child in first] == ["Say", "Pause", "Redirect"]
        assert [(child.text, child.get("length")) for child in first][:2] == [
            ("Please hold.", None),
            (None, "1"),
        ]
        retry = _follow(first)
        assert retry == "/twilio/voice?attempt=1"
        second = await voice(client, "CA-held", retry)
        assert [child.tag for child in second] == ["Pause", "Redirect"]  # said once
        store.down = False
        third = await voice(client, "CA-held", _follow(second))
        stream = third.find("./Connect/Stream")
        assert stream is not None, ET.tostring(third)
        [token] = parse_qs(urlsplit(stream.get("url", "")).query)["token"]
        assert verify_stream_token(AUTH_TOKEN, token) == "CA-held"
    assert (server.held_webhooks, server.apologised_calls) == (2, 0)


async def test_after_its_retries_the_caller_hears_an_apology_and_the_call_hangs_up(
    store: SwitchableStore,
) -> None:
    outage = StoreOutageAnswer(retries=2, apology="Sorry, call again later.")
    server = TwilioServer(SETTINGS, _no_calls, token_store=store, store_outage=outage)
    async with _client(server) as client:
        path = "/twilio/voice"
        for _ in range(2):
            path = _follow(await voice(client, "CA-sorry", path))
        last = await voice(client, "CA-sorry", path)
        assert [(child.tag, child.text) for child in last] == [
            ("Say", "Sorry, call again later."),
            ("Hangup", None),
        ]
        # A forged or garbled attempt number starts over rather than failing.
        again = await voice(client, "CA-sorry", "/twilio/voice?attempt=x")
        assert again.find("Redirect") is not None
    assert (server.held_webhooks, server.apologised_calls) == (3, 1)


async def test_a_held_call_holds_no_place_so_the_node_does_not_turn_busy(
    store: SwitchableStore,
) -> None:
    server = TwilioServer(
        SETTINGS, _no_calls, token_store=store, admission=AdmissionControl(capacity=1)
    )
    async with _client(server) as client:
        for call_sid in ("CA-one", "CA-two", "CA-three"):
            assert (await voice(client, call_sid)).find("Reject") is None  # not busy
        assert server.admission.admitted == 0
        store.down = False
        assert (await voice(client, "CA-one")).find("./Connect/Stream") is not None
        assert (await voice(client, "CA-two")).find("Reject") is not None  # now it is full


async def test_a_stream_is_refused_500_not_503_while_the_store_is_away(
    store: SwitchableStore,
) -> None:
    """Fail closed (a token that cannot be checked could be a replay elsewhere), with a
    status nginx neither retries on the other node (same store) nor counts as failed."""
    server = TwilioServer(SETTINGS, _no_calls, token_store=store)
    store.down = False
    async with _client(server) as client:
        stream = (await voice(client, "CA-stream")).find("./Connect/Stream")
        assert stream is not None
        store.down = True
        upgrade = {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        }
        query = urlsplit(stream.get("url", "")).query
        response = await client.get(f"/twilio/stream?{query}", headers=upgrade)
        assert response.status == 500
    assert server.refused_streams == 1
