"""TwilioCallControl with the real `twilio` client against the local fake of api.twilio.com."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import pytest

pytest.importorskip("twilio", reason="needs the 'twilio' extra: pip install 'framekit[twilio]'")

from framekit.telephony import (
    CallEndedError,
    TwilioCallControl,
    TwilioCallError,
    dial_twiml,
    place_outbound_call,
)
from framekit.testing.fakes.twilio_api import FakeTwilioAPI

ACCOUNT = "AC" + "1f" * 16
TOKEN = "s3cret-token"


@pytest.fixture
async def api() -> AsyncIterator[FakeTwilioAPI]:
    async with FakeTwilioAPI(ACCOUNT, TOKEN) as server:
        yield server


@pytest.fixture
async def control(api: FakeTwilioAPI) -> AsyncIterator[TwilioCallControl]:
    async with TwilioCallControl(ACCOUNT, TOKEN, api_base_url=api.url, timeout=5.0) as ctl:
        yield ctl


async def test_outbound_call_sends_the_form_fields_and_auth_twilio_expects(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    call = await control.place_call(
        "+15551230001",
        "+15559870002",
        "https://bot.example/twilio/voice",
        status_callback="https://bot.example/twilio/status",
        record=True,
    )

    (request,) = api.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    expected = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert request.auth == (ACCOUNT, TOKEN)
    assert sorted(request.form) == sorted(
        [
            ("To", "+15551230001"),
            ("From", "+15559870002"),
            ("Url", "https://bot.example/twilio/voice"),
            ("StatusCallback", "https://bot.example/twilio/status"),
            ("StatusCallbackEvent", "initiated"),
            ("StatusCallbackEvent", "ringing"),
            ("StatusCallbackEvent", "answered"),
            ("StatusCallbackEvent", "completed"),
            ("Record", "true"),
        ]
    )
    assert call.sid in api.calls
    assert call.sid.startswith("CA")
    assert (call.status, call.to, call.from_, call.direction) == (
        "queued",
        "+15551230001",
        "+15559870002",
        "outbound-api",
    )


async def test_outbound_call_with_inline_twiml_sends_twiml_not_url(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    twiml = "<Response><Say>Hello</Say></Response>"
    await control.place_call("+15551230001", "+15559870002", twiml)
    (request,) = api.requests
    assert request.field("Twiml") == twiml
    assert request.field("Url") is None
    assert request.field("Record") == "false"
    assert request.fields("StatusCallbackEvent") == []


async def test_instructions_must_be_twiml_or_a_url(control: TwilioCallControl) -> None:
    with pytest.raises(ValueError, match="TwiML"):
        await control.place_call("+15551230001", "+15559870002", "hello")


async def test_wrong_credentials_are_refused_as_twilio_does(api: FakeTwilioAPI) -> None:
    async with TwilioCallControl(ACCOUNT, "wrong", api_base_url=api.url) as bad:
        with pytest.raises(TwilioCallError) as caught:
            await bad.place_call("+15551230001", "+15559870002", "https://bot.example/v")
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert api.calls == {}


async def test_hang_up_a_live_call(api: FakeTwilioAPI, control: TwilioCallControl) -> None:
    sid = api.add_call(status="in-progress")
    assert await control.hang_up(sid) is True
    (request,) = api.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{sid}.json"
    assert request.form == (("Status", "completed"),)
    assert api.calls[sid].status == "completed"
    assert (await control.fetch(sid)).status == "completed"


async def test_hang_up_before_answer_cancels_the_call(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    call = await control.place_call("+15551230001", "+15559870002", "https://bot.example/v")
    assert await control.hang_up(call.sid) is True
    assert api.calls[call.sid].status == "canceled"


async def test_hang_up_after_the_caller_hung_up_is_not_an_error(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    ended = api.add_call()
    api.caller_hangs_up(ended)  # Twilio answers 400 / 21220
    gone = api.add_call()
    api.forget(gone)  # Twilio answers 404 / 20404
    assert await control.hang_up(ended) is False
    assert await control.hang_up(gone) is False
    assert len(api.requests) == 2


async def test_fetching_an_unknown_call_raises_with_twilios_code(
    control: TwilioCallControl,
) -> None:
    with pytest.raises(CallEndedError) as caught:
        await control.fetch("CA" + "0" * 31 + "9")
    assert (caught.value.status, caught.value.code) == (404, 20404)


async def test_transfer_updates_the_live_call_with_dial_twiml(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    await control.transfer(sid, "+15550001111", caller_id="+15559870002")
    (request,) = api.requests
    assert request.path.endswith(f"/Calls/{sid}.json")
    assert [key for key, _ in request.form] == ["Twiml"]
    root = ET.fromstring(request.field("Twiml") or "")
    assert root.tag == "Response"
    (dial,) = list(root)
    assert (dial.tag, dial.get("callerId")) == ("Dial", "+15559870002")
    (number,) = list(dial)
    assert (number.tag, number.text) == ("Number", "+15550001111")
    assert api.calls[sid].instructions == [("Twiml", request.field("Twiml"))]
    assert api.calls[sid].status == "in-progress"


async def test_transfer_of_an_ended_call_raises_call_ended(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    api.caller_hangs_up(sid)
    with pytest.raises(CallEndedError) as caught:
        await control.transfer(sid, "+15550001111")
    assert caught.value.code == 21220


@pytest.mark.parametrize(
    ("target", "tag", "text"),
    [
        ("sip:agent@pbx.example", "Sip", "sip:agent@pbx.example"),
        ("client:alice", "Client", "alice"),
        (" +15550001111 ", "Number", "+15550001111"),
    ],
)
def test_dial_twiml_targets(target: str, tag: str, text: str) -> None:
    (dial,) = list(ET.fromstring(dial_twiml(target)))
    (noun,) = list(dial)
    assert (dial.tag, noun.tag, noun.text) == ("Dial", tag, text)


def test_a_target_cannot_inject_twiml_verbs() -> None:
    (dial,) = list(ET.fromstring(dial_twiml("+1555</Number><Hangup/><Number>+1")))
    (number,) = list(dial)
    assert number.text == "+1555</Number><Hangup/><Number>+1"


def test_a_transfer_needs_a_target() -> None:
    with pytest.raises(ValueError, match="target"):
        dial_twiml("  ")


async def test_redirect_sends_a_url_or_twiml_to_the_live_call(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    await control.redirect(sid, "https://bot.example/hold")
    await control.redirect(sid, "<Response><Say>One moment</Say></Response>")
    assert [r.form for r in api.requests] == [
        (("Url", "https://bot.example/hold"),),
        (("Twiml", "<Response><Say>One moment</Say></Response>"),),
    ]
    assert api.calls[sid].instructions == [
        ("Url", "https://bot.example/hold"),
        ("Twiml", "<Response><Say>One moment</Say></Response>"),
    ]


async def test_start_recording_of_a_live_call(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    recording = await control.start_recording(sid, status_callback="https://bot.example/rec")
    (request,) = api.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{sid}/Recordings.json"
    assert dict(request.form) == {
        "RecordingChannels": "dual",
        "RecordingStatusCallback": "https://bot.example/rec",
    }
    assert recording.sid.startswith("RE")
    assert recording.call_sid == sid
    assert (recording.status, recording.channels) == ("in-progress", 2)
    assert [r.sid for r in api.calls[sid].recordings] == [recording.sid]


async def test_recording_a_call_that_is_not_live_fails(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call(status="ringing")
    with pytest.raises(CallEndedError):
        await control.start_recording(sid)


async def test_network_failure_is_a_call_error_without_a_twilio_code(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    await api.close()
    with pytest.raises(TwilioCallError) as caught:
        await control.hang_up(sid)
    assert not isinstance(caught.value, CallEndedError)
    assert (caught.value.status, caught.value.code) == (None, None)


async def test_place_outbound_call_reads_the_server_configuration(api: FakeTwilioAPI) -> None:
    env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_PHONE_NUMBER": "+15559870002",
        "WEBHOOK_BASE_URL": "https://bot.example/",
    }
    call = await place_outbound_call("+15551230001", environ=env, api_base_url=api.url)
    (request,) = api.requests
    assert request.field("Url") == "https://bot.example/twilio/voice"
    assert request.field("StatusCallback") == "https://bot.example/twilio/status"
    assert request.field("From") == "+15559870002"
    assert api.calls[call.sid].to == "+15551230001"


async def test_place_outbound_call_names_missing_configuration() -> None:
    with pytest.raises(ValueError, match="TWILIO_PHONE_NUMBER and WEBHOOK_BASE_URL"):
        await place_outbound_call("+15551230001", environ={})
    with pytest.raises(ValueError, match="TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"):
        await place_outbound_call(
            "+15551230001",
            environ={"TWILIO_PHONE_NUMBER": "+1555", "WEBHOOK_BASE_URL": "https://b.example"},
        )
