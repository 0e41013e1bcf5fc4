"""Webhooks: signatures computed with the ``twilio`` package, TwiML, stream tokens."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from framekit.frames import BotStoppedSpeakingFrame
from framekit.testing.twilio_caller import TwilioCallerSimulator
from framekit.transports.twilio import verify_stream_token
from framekit.transports.twilio.server import TwilioSettings
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
