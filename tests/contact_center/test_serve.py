"""``serve``: a Twilio call through the app is recorded (record and both tracks); shutdown drains.

The bot here is a light stand-in (a greeting tone, no models): what is under test is
the server's wiring around it (call record, two-track recorder, stream parameters)
and its shutdown, not the contact-center bot itself (see ``test_bot.py``).
"""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

pytest.importorskip("sqlmodel", reason="the serve app needs the 'db' extra")
pytest.importorskip("twilio", reason="the serve app needs the 'twilio' extra")

import aiohttp
from framekit_contact_center.data import BusinessStore
from framekit_contact_center.server import ContactCenterServer
from framekit_contact_center.settings import Settings
from sqlmodel import Session, select

from contact_center._greeter import greeter, tone
from contact_center._serving import listening
from framekit.audio import PCM16_16K
from framekit.intents import IntentEngine
from framekit.processors.dtmf import DTMFAggregator
from framekit.servers.twilio import sign_stream_token
from framekit.storage import Call, get_call, make_engine
from framekit.testing.twilio_caller import TwilioCallerSimulator

TOKEN = "test-api-token-0123456789"
TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"
PARAMS = {"from": "+15551230000", "to": "+15550000000", "direction": "inbound"}


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TWILIO_TOKEN,
        webhook_base_url="https://bot.example.test",
        api_token=TOKEN,
        database_url=f"sqlite:///{tmp_path / 'calls.db'}",
        business_db_path=tmp_path / "shop.db",
        recordings_dir=tmp_path / "recordings",
    )


@dataclass
class Running:
    server: ContactCenterServer
    base_url: str
    stop: asyncio.Event
    serving: asyncio.Task[None]
    database_url: str

    def caller(self, call_sid: str) -> TwilioCallerSimulator:
        token = sign_stream_token(TWILIO_TOKEN, call_sid)
        url = f"{self.base_url.replace('http', 'ws', 1)}/twilio/stream?token={token}"
        return TwilioCallerSimulator(url, call_sid=call_sid, custom_parameters=PARAMS)


@asynccontextmanager
async def _serving(tmp_path: Path, drain_timeout: float) -> AsyncIterator[Running]:
    settings = _settings(tmp_path)
    database_url = settings.database_url
    server = ContactCenterServer(settings, bot=greeter)
    async with listening(server, drain_timeout=drain_timeout) as (host, port, stop, serving):
        yield Running(server, f"http://{host}:{port}", stop, serving, database_url)


async def _refused(base_url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as session, session.get(base_url + "/health"):
            return False
    except aiohttp.ClientConnectionError:
        return True


async def _wait(predicate: Any, within: float = 5.0) -> None:
    """A bounded poll of server state that no event announces."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def test_a_call_is_recorded_with_its_twilio_ids_and_both_tracks(tmp_path: Path) -> None:
    async with _serving(tmp_path, drain_timeout=5.0) as running:
        call_sid = "CA" + "3" * 32
        async with running.caller(call_sid) as caller:
            await caller.wait_for_audio(0.25)
            await caller.send_pcm(tone(0.5, 3000), PCM16_16K)
            assert running.server.active_calls == 1
            await caller.hang_up()
        async with asyncio.timeout(10):
            await running.server.twilio.wait_until_idle()
    # serve() has returned: its writer wrote the last records.
    engine = make_engine(running.database_url)
    try:
        [call] = _calls_of(engine, call_sid)
    finally:
        engine.dispose()
    assert (call.caller, call.dialled, call.direction) == (
        "+15551230000",
        "+15550000000",
        "inbound",
    )
    assert call.ended_at is not None
    assert set(call.recordings) == {"caller", "bot"}
    loud = {}
    for track, location in call.recordings.items():
        path = Path(location)
        assert path.parent == tmp_path / "recordings"
        with wave.open(str(path)) as wav:
            assert wav.getframerate() == 8000
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        loud[track] = np.count_nonzero(np.abs(samples) > 1000) / 8000
    # The caller's 0.5 s tone and the bot's 0.3 s greeting (as heard) are on their tracks
    # A sine of amplitude A is above 1000 for 1 - 2/pi * asin(1000 / A) of the time:
    # 78 % of the caller's 0.5 s (A = 3000, 0.39 s), 92 % of the bot's 0.3 s (0.28 s).
    assert loud["caller"] > 0.35
    assert loud["bot"] > 0.25


def _calls_of(engine: Any, external_id: str) -> list[Call]:
    """The call records of a Twilio CallSid (the server picks its own call ids)."""
    with Session(engine) as session:
        ids = [c.id for c in session.exec(select(Call).where(Call.external_id == external_id))]
    details = [get_call(engine, call_id) for call_id in ids]
    return [d.call for d in details if d is not None]


async def test_shutdown_stops_listening_and_waits_for_a_call_that_ends(tmp_path: Path) -> None:
    call_sid = "CA" + "4" * 32
    async with (
        _serving(tmp_path, drain_timeout=30.0) as running,
        running.caller(call_sid) as caller,
    ):
        await caller.wait_for_audio(0.25)
        running.stop.set()
        await _wait(lambda: running.server.draining)
        assert await _refused(running.base_url)  # no new connections
        assert not running.serving.done()  # the call still runs
        assert running.server.active_calls == 1
        await caller.hang_up()
        async with asyncio.timeout(10):
            await running.serving  # long before the 30 s drain timeout
    engine = make_engine(running.database_url)
    try:
        [call] = _calls_of(engine, call_sid)
    finally:
        engine.dispose()
    assert call.ended_at is not None
    assert call.end_reason == "caller_hung_up"  # it ended by itself


async def test_shutdown_cancels_a_call_still_running_after_the_drain_timeout(
    tmp_path: Path,
) -> None:
    async with _serving(tmp_path, drain_timeout=0.3) as running:
        call_sid = "CA" + "5" * 32
        async with running.caller(call_sid) as caller:
            await caller.wait_for_audio(0.25)
            running.stop.set()
            async with asyncio.timeout(10):
                await running.serving
            await caller.wait_closed()
    engine = make_engine(running.database_url)
    try:
        [call] = _calls_of(engine, call_sid)
    finally:
        engine.dispose()
    assert (call.outcome, call.end_reason) == ("failed", "shutdown")


def test_the_serve_command_fails_at_start_naming_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from framekit_contact_center.cli import SERVE

    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "WEBHOOK_BASE_URL", "API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("API_TOKEN", "too short")
    parser = argparse.ArgumentParser()
    SERVE.configure(parser)
    assert SERVE.run(parser.parse_args(["--port", "0"])) == 2
    err = capsys.readouterr().err
    assert err.startswith("framekit serve: invalid configuration")
    assert "API_TOKEN: must be at least 16 characters" in err
    assert "too short" not in err
    monkeypatch.delenv("API_TOKEN")
    assert SERVE.run(parser.parse_args([])) == 2
    err = capsys.readouterr().err
    assert "API_TOKEN: is required by framekit serve" in err
    assert "TWILIO" not in err  # no phone line asked for: browser calls only


class _FakeEngine:
    """Stands in for the IntentEngine (which loads a model): the processor asks for state."""

    def new_state(self) -> object:
        return object()


class _NoSocket:
    """A media socket that is never read: the factory only builds the call."""

    async def receive(self) -> str | bytes | None:
        return None

    async def send(self, text: str) -> None:
        raise ConnectionResetError

    async def close(self, code: int = 1000, reason: str = "") -> None:
        return None


async def test_the_factory_builds_the_contact_center_bot_between_the_recorders(
    tmp_path: Path,
) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from framekit.intents.processor import IntentEngineProcessor
    from framekit.processors.call_flow import CallFlowProcessor
    from framekit.processors.language import LanguageFilter, NoticeVoice
    from framekit.processors.redaction import RedactionProcessor
    from framekit.processors.sensitive import SensitiveEntryGate, SpokenEntryStage
    from framekit.processors.stt.utterance import UtteranceSTTProcessor
    from framekit.processors.tts import TTSProcessor
    from framekit.processors.vad import TurnTextRelay, VADProcessor
    from framekit.storage import RecordPoint
    from framekit.telephony import TwilioCallControlProcessor
    from framekit.transports.twilio import StartMessage, TwilioMediaStreamTransport
    from framekit.transports.twilio.output import TwilioOutput
    from framekit.transports.twilio.transport import TwilioInput

    settings = _settings(tmp_path)
    server = ContactCenterServer(settings, engine=cast(IntentEngine, _FakeEngine()))
    start = StartMessage(
        "MZ" + "6" * 32, "CA" + "6" * 32, "AC" + "0" * 32, custom_parameters=PARAMS
    )
    async with TestClient(TestServer(server.app)):  # runs the app's start-up
        task = await server.build_call(TwilioMediaStreamTransport(_NoSocket()), start)
    stages = [type(p) for p in task.pipeline.processors()]
    assert stages[0] is TwilioInput
    # Keys and audio of a sensitive entry are swallowed before the caller's recording.
    assert stages[1] is SensitiveEntryGate
    assert stages[2].__name__ == "_CallerTap"
    # The record's points: the caller's words after speech-to-text, the bot's text and
    # the heard reports before the output; each between the two sides of its redaction.
    # A spoken entry's words stop right after speech-to-text, before the record's point.
    assert stages[3:19] == [
        VADProcessor,
        UtteranceSTTProcessor,
        SpokenEntryStage,
        TurnTextRelay,
        RedactionProcessor,
        RecordPoint,
        RedactionProcessor,
        LanguageFilter,
        NoticeVoice,
        DTMFAggregator,
        IntentEngineProcessor,
        CallFlowProcessor,
        TTSProcessor,
        RedactionProcessor,
        RecordPoint,
        RedactionProcessor,
    ]
    assert stages[19].__name__ == "_BotTap"
    assert stages[20:] == [TwilioOutput, TwilioCallControlProcessor]
    assert len(task.call_id) == 32  # the record's own id, not the CallSid
    # The shop was seeded on first use, for the tools.
    assert BusinessStore(tmp_path / "shop.db").order_numbers()


async def test_while_draining_new_calls_get_503_and_the_api_still_answers(tmp_path: Path) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    server = ContactCenterServer(_settings(tmp_path))
    async with TestClient(TestServer(server.app)) as client:
        server.draining = True
        assert (await client.post("/twilio/voice", data={"CallSid": "CA1"})).status == 503
        assert (await client.get("/twilio/stream?token=x")).status == 503
        health = await client.get("/health")
        assert health.status == 200
        assert (await health.json())["draining"] is True
        calls = await client.get("/api/calls", headers={"Authorization": f"Bearer {TOKEN}"})
        assert calls.status == 200
