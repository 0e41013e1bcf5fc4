"""Webhooks: signatures computed with the ``twilio`` package, TwiML, stream tokens."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from loguru import logger
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from framekit.frames import BotStoppedSpeakingFrame
from framekit.servers.twilio import verify_stream_token
from framekit.servers.twilio.server import TwilioSettings
from framekit.testing.twilio_caller import TwilioCallerSimulator
from transports.twilio.helpers import AUTH_TOKEN, PUBLIC_BASE, LocalTwilio

FORM = {
    "CallSid": "CA" + "1" * 32,
    "AccountSid": "AC" + "0" * 32,
    "From": "+15551230000",
    "To": "+15550000000",
    "Direction": "inbound",
    "CallStatus": "ringing",
}


def signature(path: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    signed: str = RequestValidator(token).compute_signature(PUBLIC_BASE + path, form)
    return signed


async def post(
    local: LocalTwilio, path: str, form: dict[str, str], headers: dict[str, str] | None = None
) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(local.base_url + path, data=form, headers=headers or {}) as response,
    ):
        return response.status, await response.text()


async def test_signed_voice_webhook_answers_with_a_media_stream(
    local_twilio: LocalTwilio,
) -> None:
    status, body = await post(
        local_twilio,
        "/twilio/voice",
        FORM,
        {"X-Twilio-Signature": signature("/twilio/voice", FORM)},
    )
    assert status == 200
    root = ET.fromstring(body)
    assert root.tag == "Response"
    stream = root.find("./Connect/Stream")
    assert stream is not None
    url = urlsplit(stream.attrib["url"])
    assert (url.scheme, url.netloc, url.path) == ("wss", "bot.example.test", "/twilio/stream")
    token = parse_qs(url.query)["token"][0]
    assert verify_stream_token(AUTH_TOKEN, token) == FORM["CallSid"]
    assert stream.attrib["statusCallback"] == PUBLIC_BASE + "/twilio/status"
    params = {p.attrib["name"]: p.attrib["value"] for p in stream.findall("Parameter")}
    assert params == {"from": "+15551230000", "to": "+15550000000", "direction": "inbound"}


async def test_the_twiml_stream_url_connects_a_call_end_to_end(local_twilio: LocalTwilio) -> None:
    """Webhook -> TwiML -> the stream URL in it (host swapped for 127.0.0.1) -> a live call."""
    form = {**FORM, "CallSid": "CA" + "2" * 32}
    _, body = await post(
        local_twilio,
        "/twilio/voice",
        form,
        {"X-Twilio-Signature": signature("/twilio/voice", form)},
    )
    stream = ET.fromstring(body).find("./Connect/Stream")
    assert stream is not None
    url = urlsplit(stream.attrib["url"])
    local_url = local_twilio.base_url.replace("http", "ws", 1) + f"{url.path}?{url.query}"
    params = {p.attrib["name"]: p.attrib["value"] for p in stream.findall("Parameter")}
    async with TwilioCallerSimulator(
        local_url, call_sid=form["CallSid"], custom_parameters={**params, "greeting": "0.2"}
    ) as caller:
        call = await local_twilio.wait_call(form["CallSid"])
        await caller.wait_for(lambda: bool(call.bot.seen.of(BotStoppedSpeakingFrame)))
        assert len(caller.received_audio) == 1600
        assert call.start.custom_parameters["from"] == "+15551230000"


@pytest.mark.parametrize(
    "headers",
    [
        {},  # unsigned
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},  # forged
        {"X-Twilio-Signature": signature("/twilio/voice", FORM, token="someone else's")},
        {"X-Twilio-Signature": signature("/twilio/other", FORM)},  # signed for another URL
        {"X-Twilio-Signature": signature("/twilio/voice", {**FORM, "From": "+1999"})},
    ],
    ids=["unsigned", "forged", "wrong-key", "wrong-url", "tampered-form"],
)
async def test_unsigned_or_forged_webhooks_are_refused(
    local_twilio: LocalTwilio, headers: dict[str, str]
) -> None:
    for path in ("/twilio/voice", "/twilio/status"):
        status, _ = await post(local_twilio, path, FORM, headers)
        assert status == 403
    assert local_twilio.statuses == []  # type: ignore[attr-defined]


async def test_signed_status_callback_reaches_the_hook(local_twilio: LocalTwilio) -> None:
    form = {**FORM, "CallStatus": "completed"}
    status, _ = await post(
        local_twilio,
        "/twilio/status",
        form,
        {"X-Twilio-Signature": signature("/twilio/status", form)},
    )
    assert status == 204
    assert local_twilio.statuses == [form]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "make_url",
    [
        lambda local: local.stream_url("CA9", ttl=30, now=time.time() - 60),  # expired
        lambda local: local.stream_url("CA9").replace("CA9.", "CA8.", 1),  # forged
        lambda local: local.base_url.replace("http", "ws", 1) + "/twilio/stream",  # none
    ],
    ids=["expired", "forged", "missing"],
)
async def test_stream_refuses_bad_tokens_before_the_upgrade(
    local_twilio: LocalTwilio, make_url: object
) -> None:
    url = make_url(local_twilio)  # type: ignore[operator]
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as error:
            await session.ws_connect(url)
    assert error.value.status == 403
    assert local_twilio.server.refused_streams == 1


async def test_a_token_is_bound_to_its_call(local_twilio: LocalTwilio) -> None:
    caller = TwilioCallerSimulator(local_twilio.stream_url("CA-issued"), call_sid="CA-other")
    await caller.connect()
    await caller.wait_closed()
    await caller.close()
    assert caller.close_code == 1008
    assert local_twilio.calls == {}


def test_settings_from_env_and_secrets_stay_out_of_repr() -> None:
    settings = TwilioSettings.from_env(
        {
            "WEBHOOK_BASE_URL": "https://abc.ngrok.app/bot/",
            "TWILIO_ACCOUNT_SID": "AC1",
            "TWILIO_AUTH_TOKEN": "s3cret",
            "TWILIO_PHONE_NUMBER": "+1555",
        }
    )
    assert settings.stream_url("t.1.x") == "wss://abc.ngrok.app/bot/twilio/stream?token=t.1.x"
    assert settings.public_url("/twilio/voice") == "https://abc.ngrok.app/bot/twilio/voice"
    assert "s3cret" not in repr(settings)
    with pytest.raises(ValueError, match="WEBHOOK_BASE_URL"):
        TwilioSettings.from_env({"TWILIO_AUTH_TOKEN": "x"})
    with pytest.raises(ValueError, match="TWILIO_AUTH_TOKEN"):
        TwilioSettings.from_env({"WEBHOOK_BASE_URL": "https://x"})


async def test_a_token_opens_one_stream_only(local_twilio: LocalTwilio) -> None:
    url = local_twilio.stream_url("CA-once")
    async with TwilioCallerSimulator(url, call_sid="CA-once") as caller:
        await local_twilio.wait_call("CA-once")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as error:
                await session.ws_connect(url)
        assert error.value.status == 403
        assert not caller.closed


@pytest.fixture
def server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """ERROR lines from loguru and from aiohttp's own loggers (its tracebacks go there)."""
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level="ERROR")
    caplog.set_level(logging.ERROR, logger="aiohttp")
    try:
        yield lines
    finally:
        logger.remove(sink)
        lines += [record.getMessage() for record in caplog.records if record.exc_info]


async def _post_raw(
    local: LocalTwilio, body: bytes, content_type: str, path: str = "/twilio/voice"
) -> tuple[int, str]:
    headers = {"Content-Type": content_type, "X-Twilio-Signature": "x"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(local.base_url + path, data=body, headers=headers) as response,
    ):
        return response.status, await response.text()


@pytest.mark.parametrize(
    ("body", "content_type", "says"),
    [
        (b"CallSid=CA1&From=\xff\xfe", "application/x-www-form-urlencoded", "not UTF-8"),
        (b"CallSid=CA1&From=%ff%fe", "application/x-www-form-urlencoded", "not UTF-8"),
        (b"CallSid=CA1", "application/x-www-form-urlencoded; charset=latin-1", "UTF-8"),
        (
            b'--b\r\nContent-Disposition: form-data; name="CallSid"\r\n\r\nCA1\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
            "form",
        ),
        (b'{"CallSid": "CA1"}', "application/json", "form"),
        (
            "&".join(f"f{i}=1" for i in range(500)).encode(),
            "application/x-www-form-urlencoded",
            "fields",
        ),
    ],
    ids=["raw-bytes", "percent-encoded", "latin-1", "multipart", "json", "too-many-fields"],
)
@pytest.mark.parametrize("path", ["/twilio/voice", "/twilio/status"])
async def test_a_body_that_is_not_a_utf8_form_is_a_400_without_a_traceback(
    local_twilio: LocalTwilio,
    server_errors: list[str],
    body: bytes,
    content_type: str,
    says: str,
    path: str,
) -> None:
    status, text = await _post_raw(local_twilio, body, content_type, path)
    assert status == 400
    assert says in text
    assert server_errors == []


async def test_a_body_over_the_limit_is_a_413(local_twilio: LocalTwilio) -> None:
    body = b"CallSid=CA1&Pad=" + b"x" * (64 * 1024)
    status, _ = await _post_raw(local_twilio, body, "application/x-www-form-urlencoded")
    assert status == 413

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
        for _ in range(80):
            yield b"x" * 1024

    async with (
        aiohttp.ClientSession() as session,
        session.post(local_twilio.base_url + "/twilio/voice", data=chunked()) as response,
    ):
        assert response.status == 413


async def test_a_body_that_trickles_in_is_cut_off_after_the_body_timeout(
    local_twilio: LocalTwilio,
) -> None:
    local_twilio.server.body_timeout = 0.5
    host, port = urlsplit(local_twilio.base_url).netloc.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /twilio/voice HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\nCallSid=CA"
    )
    started = time.monotonic()

    async def trickle() -> None:
        with contextlib.suppress(ConnectionError):
            while True:
                await asyncio.sleep(0.1)
                writer.write(b"1")
                await writer.drain()

    trickling = asyncio.create_task(trickle())
    try:
        answer = await asyncio.wait_for(reader.read(), 5)  # until the server closes
    finally:
        trickling.cancel()
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"Connection: close" in answer
    assert time.monotonic() - started < 0.5 + 1.0  # closed at the timeout, no lingering


async def test_a_plain_get_does_not_spend_the_stream_token(local_twilio: LocalTwilio) -> None:
    url = local_twilio.stream_url("CA-plain-get")
    async with aiohttp.ClientSession() as session:
        async with session.get(url.replace("ws", "http", 1)) as response:
            assert response.status == 426
            assert response.headers["Upgrade"] == "websocket"
        # Not an upgrade either: a broken handshake (no Sec-WebSocket-Key).
        headers = {"Upgrade": "websocket", "Connection": "Upgrade"}
        async with session.get(url.replace("ws", "http", 1), headers=headers) as response:
            assert response.status == 426
    async with TwilioCallerSimulator(url, call_sid="CA-plain-get") as caller:
        await local_twilio.wait_call("CA-plain-get")  # the token still opens its stream
        assert not caller.closed


async def test_a_replayed_voice_webhook_gets_the_same_token_and_opens_one_stream(
    local_twilio: LocalTwilio,
) -> None:
    form = {**FORM, "CallSid": "CA" + "7" * 32}
    headers = {"X-Twilio-Signature": signature("/twilio/voice", form)}
    urls = []
    for _ in range(5):
        status, body = await post(local_twilio, "/twilio/voice", form, headers)
        assert status == 200
        stream = ET.fromstring(body).find("./Connect/Stream")
        assert stream is not None
        urls.append(stream.attrib["url"])
    assert len(set(urls)) == 1  # no new token per replay
    other = {**FORM, "CallSid": "CA" + "8" * 32}
    _, body = await post(
        local_twilio,
        "/twilio/voice",
        other,
        {"X-Twilio-Signature": signature("/twilio/voice", other)},
    )
    assert urls[0] not in body  # another call, its own token
    url = urlsplit(urls[0])
    local_url = local_twilio.base_url.replace("http", "ws", 1) + f"{url.path}?{url.query}"
    async with TwilioCallerSimulator(local_url, call_sid=form["CallSid"]) as caller:
        await local_twilio.wait_call(form["CallSid"])
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as error:
                await session.ws_connect(local_url)
        assert error.value.status == 403
        assert not caller.closed
