"""``framekit call``: the real command, the real ``twilio`` client, the fake Twilio API.

The first test closes the loop: the command places the call through the fake API, then the
test plays Twilio's part with what the fake received (fetch the signed ``Url``, open the
``<Stream>`` of its answer) against a running contact-center server, and the callee hears the
bot. The others check what a person sees when the configuration or Twilio says no.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

pytest.importorskip("sqlmodel", reason="the serve app needs the 'db' extra")
pytest.importorskip("twilio", reason="framekit call needs the 'twilio' extra")

from aiohttp import web
from framekit_contact_center.server import ContactCenterServer
from framekit_contact_center.settings import Settings
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from contact_center._greeter import greeter
from framekit.cli import main
from framekit.servers.twilio import verify_stream_token
from framekit.telephony import TwilioCallControl, TwilioCallError
from framekit.testing.fakes.twilio_api import FakeTwilioAPI
from framekit.testing.twilio_caller import TwilioCallerSimulator

ACCOUNT = "AC" + "2e" * 16
TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"
OUR_NUMBER = "+15559870002"
CALLEE = "+15551230001"
VARIABLES = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_PHONE_NUMBER", "WEBHOOK_BASE_URL")


@pytest.fixture
async def api() -> AsyncIterator[FakeTwilioAPI]:
    async with FakeTwilioAPI(ACCOUNT, TWILIO_TOKEN) as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A configured caller in an empty directory (no ``.env`` read)."""
    monkeypatch.chdir(tmp_path)
    for name in os.environ:
        if name.startswith(("TWILIO_", "WEBHOOK_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    monkeypatch.setenv("TWILIO_PHONE_NUMBER", OUR_NUMBER)
    monkeypatch.setenv("WEBHOOK_BASE_URL", "https://bot.example.test")
    return monkeypatch


async def framekit(*argv: str) -> int:
    """``framekit ARGV`` in-process; on a thread, because the command runs its own loop."""
    return await asyncio.to_thread(main, list(argv))


@asynccontextmanager
async def serving(tmp_path: Path) -> AsyncIterator[tuple[ContactCenterServer, str]]:
    """``framekit serve``'s application on 127.0.0.1, its own WEBHOOK_BASE_URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_phone_number=OUR_NUMBER,
        webhook_base_url=base,
        api_token="test-api-token-0123456789",
        database_url=f"sqlite:///{tmp_path / 'calls.db'}",
        business_db_path=tmp_path / "shop.db",
        recordings_dir=tmp_path / "recordings",
    )
    server = ContactCenterServer(settings, bot=greeter)
    runner = web.AppRunner(server.app, handle_signals=False)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    try:
        yield server, base
    finally:
        await runner.cleanup()


async def twilio_fetches(url: str, form: dict[str, str]) -> str:
    """What Twilio does when the callee answers: POST the call's ``Url``, signed."""
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=form, headers={"X-Twilio-Signature": signature}) as response,
    ):
        assert response.status == 200, await response.text()
        return await response.text()


async def test_the_call_is_placed_and_the_callee_is_connected_to_the_running_server(
    api: FakeTwilioAPI,
    env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with serving(tmp_path) as (server, base):
        env.setenv("WEBHOOK_BASE_URL", base)
        assert await framekit("call", CALLEE, "--api-url", api.url) == 0

        (request,) = api.requests
        assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
        assert request.auth == (ACCOUNT, TWILIO_TOKEN)
        assert request.field("To") == CALLEE
        assert request.field("From") == OUR_NUMBER
        assert request.field("Url") == f"{base}/twilio/voice"
        assert request.field("StatusCallback") == f"{base}/twilio/status"
        assert request.fields("StatusCallbackEvent") == [
            "initiated",
            "ringing",
            "answered",
            "completed",
        ]
        assert request.field("Record") == "false"
        (sid,) = api.calls
        out, err = capsys.readouterr()
        assert out.splitlines()[0] == f"call {sid}: queued"
        assert f"to {CALLEE} from {OUR_NUMBER}" in out
        assert "should be https://" in err  # a local server: Twilio would need wss://

        # Twilio's part: the callee answers, Twilio fetches the Url, then opens the stream.
        api.answer(sid)
        form = {
            "AccountSid": ACCOUNT,
            "CallSid": sid,
            "From": OUR_NUMBER,
            "To": CALLEE,
            "Direction": "outbound-api",
            "CallStatus": "in-progress",
        }
        twiml = ET.fromstring(await twilio_fetches(str(request.field("Url")), form))
        stream = twiml.find("./Connect/Stream")
        assert stream is not None
        stream_url = stream.attrib["url"]
        assert stream_url.startswith(f"ws://127.0.0.1:{urlsplit(base).port}/twilio/stream?")
        (token,) = parse_qs(urlsplit(stream_url).query)["token"]
        assert verify_stream_token(TWILIO_TOKEN, token) == sid, "a token for this call only"
        parameters = {p.attrib["name"]: p.attrib["value"] for p in stream.iter("Parameter")}
        assert parameters == {"from": OUR_NUMBER, "to": CALLEE, "direction": "outbound-api"}

        async with TwilioCallerSimulator(
            stream_url, call_sid=sid, account_sid=ACCOUNT, custom_parameters=parameters
        ) as callee:
            await callee.wait_for_audio(0.25)  # the bot's greeting
            assert server.active_calls == 1
            await callee.hang_up()
        async with asyncio.timeout(10):
            await server.twilio.wait_until_idle()


async def test_from_and_record_are_what_twilio_is_asked_for(
    api: FakeTwilioAPI, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.delenv("TWILIO_PHONE_NUMBER")  # --from is enough
    argv = ("call", CALLEE, "--from", "+15550001111", "--record", "--no-check")
    assert await framekit(*argv, "--api-url", api.url) == 0
    (request,) = api.requests
    assert request.field("From") == "+15550001111"
    assert request.field("Record") == "true"
    assert request.field("Url") == "https://bot.example.test/twilio/voice"
    (call,) = api.calls.values()
    assert call.record
    out, err = capsys.readouterr()
    assert f"call {call.sid}: queued" in out
    assert "recorded by Twilio" in out
    assert err == ""


async def test_the_console_script_places_the_call(
    api: FakeTwilioAPI, env: pytest.MonkeyPatch
) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "framekit.cli.main",
        "call",
        CALLEE,
        "--no-check",
        "--api-url",
        api.url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await child.communicate()
    assert child.returncode == 0, err.decode()
    (sid,) = api.calls
    assert out.decode().startswith(f"call {sid}: queued\n")
    assert api.requests[0].field("To") == CALLEE


async def test_missing_and_malformed_settings_are_named_without_calling(
    api: FakeTwilioAPI, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in VARIABLES:
        env.delenv(name)
    assert await framekit("call", CALLEE, "--api-url", api.url) == 2
    err = capsys.readouterr().err
    assert err.startswith("framekit call: invalid configuration (4 problem(s))")
    for name in VARIABLES:
        assert f"{name}: is required by framekit call" in err
    assert "Traceback" not in err

    env.setenv("TWILIO_ACCOUNT_SID", "not-a-sid")
    env.setenv("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    env.setenv("WEBHOOK_BASE_URL", "bot.example.test")
    assert await framekit("call", CALLEE, "--api-url", api.url) == 2
    err = capsys.readouterr().err
    assert "TWILIO_ACCOUNT_SID: must be 'AC' followed by 32 hexadecimal digits" in err
    assert "WEBHOOK_BASE_URL: must start with http:// or https://" in err

    env.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    env.setenv("WEBHOOK_BASE_URL", "https://bot.example.test")
    assert await framekit("call", "555-1234", "--from", "me", "--api-url", api.url) == 2
    err = capsys.readouterr().err
    assert "NUMBER: must be a phone number in E.164 form" in err
    assert "--from: must be a phone number in E.164 form" in err
    assert api.requests == [], "nothing reached Twilio"


@pytest.mark.parametrize(
    ("number", "token", "code", "hint"),
    [
        ("+15005550001", TWILIO_TOKEN, 21211, "not a valid phone number"),
        ("+15005550003", TWILIO_TOKEN, 21215, "geo permissions"),
        (CALLEE, "wrong-token", 20003, "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"),
    ],
)
async def test_twilio_refusals_are_one_line_and_a_hint(
    api: FakeTwilioAPI,
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    number: str,
    token: str,
    code: int,
    hint: str,
) -> None:
    env.setenv("TWILIO_AUTH_TOKEN", token)
    assert await framekit("call", number, "--no-check", "--api-url", api.url) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith(f"framekit call: twilio: placing a call to {number} failed")
    assert f"code {code}" in lines[0]
    assert hint in lines[1]
    assert "Traceback" not in err
    assert api.calls == {}


async def test_unreachable_twilio_and_absent_server_are_reported(
    api: FakeTwilioAPI, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing listens at WEBHOOK_BASE_URL: the callee would hear an application error.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"https://127.0.0.1:{sock.getsockname()[1]}"
    env.setenv("WEBHOOK_BASE_URL", closed)
    assert await framekit("call", CALLEE, "--api-url", api.url) == 1
    err = capsys.readouterr().err
    assert f"framekit serve does not answer at {closed}/health" in err
    assert api.requests == []

    url = api.url
    await api.close()  # Twilio unreachable
    assert await framekit("call", CALLEE, "--no-check", "--api-url", url) == 1
    err = capsys.readouterr().err
    assert "Twilio was not reached" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("to", "from_", "code"),
    [
        ("+15005550001", OUR_NUMBER, 21211),
        ("not a number", OUR_NUMBER, 21211),
        ("+15005550002", OUR_NUMBER, 21214),
        ("+15005550003", OUR_NUMBER, 21215),
        ("+15005550004", OUR_NUMBER, 21216),
        (CALLEE, "+15005550001", 21212),
    ],
)
async def test_the_fake_api_refuses_twilios_magic_numbers(
    api: FakeTwilioAPI, to: str, from_: str, code: int
) -> None:
    async with TwilioCallControl(ACCOUNT, TWILIO_TOKEN, api_base_url=api.url) as control:
        with pytest.raises(TwilioCallError) as caught:
            await control.place_call(to, from_, "https://bot.example.test/twilio/voice")
    assert (caught.value.status, caught.value.code) == (400, code)
    assert api.calls == {}


async def test_a_draining_server_is_not_given_the_call(
    api: FakeTwilioAPI,
    env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with serving(tmp_path) as (server, base):
        env.setenv("WEBHOOK_BASE_URL", base)
        server.draining = True  # framekit serve got SIGTERM: it refuses new calls
        assert await framekit("call", CALLEE, "--api-url", api.url) == 1
    assert "is shutting down and would refuse the call" in capsys.readouterr().err
    assert api.requests == []
