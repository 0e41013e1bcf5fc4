"""Post-call analytics through ``framekit serve``: the job analyses calls (ones left from
before the start, and a Twilio call as it ends), ``/api/calls/{id}`` shows them and
``/api/analytics`` aggregates them, behind the API token. SQLite, and PostgreSQL when
``FRAMEKIT_TEST_DATABASE_URL`` is set."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlmodel", reason="the serve app needs the 'db' extra")
pytest.importorskip("twilio", reason="the serve app needs the 'twilio' extra")

import aiohttp
from framekit_contact_center.server import ContactCenterServer
from framekit_contact_center.settings import Settings
from sqlmodel import Session, select

from analytics._records import ORDER_CALL, T0, call_records, write
from contact_center._greeter import greeter, tone
from contact_center._serving import listening
from framekit.audio import PCM16_16K
from framekit.servers.twilio import sign_stream_token
from framekit.storage import Call, make_engine
from framekit.storage.analyses import unanalysed_calls
from framekit.testing.twilio_caller import TwilioCallerSimulator
from storage.conftest import database_url, postgres_url, spool_dir, sqlite_url

__all__ = ["database_url", "postgres_url", "spool_dir", "sqlite_url"]  # fixtures

TOKEN = "test-api-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"
KEYS = {
    "status",
    "duration_s",
    "talk_s",
    "turns",
    "interruptions",
    "silence_s",
    "latency_ms",
    "tools",
    "outcome",
    "resolution",
    "intents",
    "sentiment",
    "summary",
}


def _settings(tmp_path: Path, database_url: str, *, analytics: bool = True) -> Settings:
    return Settings(
        analytics=analytics,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TWILIO_TOKEN,
        webhook_base_url="https://bot.example.test",
        api_token=TOKEN,
        database_url=database_url,
        business_db_path=tmp_path / "shop.db",
        recordings_dir=tmp_path / "recordings",
        spool_dir=tmp_path / "serve-spool",
    )


@asynccontextmanager
async def _serving(
    tmp_path: Path, database_url: str, *, analytics: bool = True
) -> AsyncIterator[str]:
    settings = _settings(tmp_path, database_url, analytics=analytics)
    server = ContactCenterServer(settings, bot=greeter)
    async with listening(server) as (host, port, _stop, _serving):
        yield f"http://{host}:{port}"


async def _get(base: str, path: str, status: int = 200, headers: Any = None) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.get(base + path, headers=AUTH if headers is None else headers) as response,
    ):
        assert response.status == status, await response.text()
        return await response.json()


async def _analysed(base: str, call_id: str, within: float = 15.0) -> dict[str, Any]:
    """The call's analytics once stored (null until then)."""
    async with asyncio.timeout(within):
        while True:
            body = await _get(base, f"/api/calls/{call_id}")
            if body["analytics"] is not None:
                return body["analytics"]  # type: ignore[no-any-return]
            await asyncio.sleep(0.1)


async def test_calls_that_ended_before_the_start_are_analysed_and_shown(
    tmp_path: Path, database_url: str, spool_dir: Path
) -> None:
    records = [
        *call_records("s1", **ORDER_CALL),  # type: ignore[arg-type]
        *call_records("s2", start=T0.replace(hour=13), **ORDER_CALL),  # type: ignore[arg-type]
    ]
    write(database_url, spool_dir, records)  # no server ran: nobody analysed them

    async with _serving(tmp_path, database_url) as base:
        analytics = await _analysed(base, "s1")
        await _analysed(base, "s2")
        since, until = "2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"
        hourly = await _get(base, f"/api/analytics?since={since}&until={until}&bucket=hour")
        daily = await _get(base, "/api/analytics?since=2026-11-19&until=2026-11-21")

    assert set(analytics) >= KEYS
    assert analytics["status"] == "done"
    assert (analytics["duration_s"], analytics["talk_s"]) == (20.0, {"caller": 6.0, "bot": 6.5})
    assert (analytics["turns"], analytics["interruptions"]) == (2, 1)
    assert analytics["latency_ms"] == {"p50": 900.0, "p95": 1400.0, "max": 1400.0}
    assert analytics["tools"] == [{"name": "order_status", "ok": True}]
    assert (analytics["outcome"], analytics["resolution"]) == ("resolved", "resolved")
    assert analytics["intents"] == ["order_status"]
    sentiment = analytics["sentiment"]
    assert (sentiment["start"], sentiment["end"]) == ("negative", "positive")
    assert [t["label"] for t in sentiment["turns"]] == ["negative", "positive"]
    assert analytics["summary"].startswith('Caller: "hi, where is my order 4271?')

    assert set(hourly) == {"since", "until", "bucket", "totals", "series"}
    assert hourly["totals"]["calls"] == 2
    assert hourly["totals"]["outcomes"]["resolved"] == 2
    assert hourly["totals"]["intents"] == {"order_status": 2}
    assert len(hourly["series"]) == 24
    assert [b["calls"] for b in hourly["series"] if b["calls"]] == [1, 1]
    assert set(hourly["series"][9]) == {
        "start",
        "calls",
        "outcomes",
        "avg_handle_s",
        "sentiment",
        "latency_ms",
    }
    assert [b["calls"] for b in daily["series"]] == [0, 2, 0]  # until's day is included


async def test_a_twilio_call_is_analysed_when_it_ends(tmp_path: Path, database_url: str) -> None:
    call_sid = "CA" + "7" * 32
    async with _serving(tmp_path, database_url) as base:
        token = sign_stream_token(TWILIO_TOKEN, call_sid)
        url = f"{base.replace('http', 'ws', 1)}/twilio/stream?token={token}"
        async with TwilioCallerSimulator(url, call_sid=call_sid) as caller:
            await caller.wait_for_audio(0.25)
            await caller.send_pcm(tone(0.3, 3000), PCM16_16K)
            await caller.hang_up()
        engine = make_engine(database_url)
        try:
            async with asyncio.timeout(10):
                while not (ids := _ids_of(engine, call_sid)):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        finally:
            engine.dispose()
        analytics = await _analysed(base, ids[0])

    assert analytics["status"] == "done"
    assert analytics["resolution"] == "abandoned"  # the caller said no word
    assert analytics["duration_s"] > 0
    assert analytics["turns"] == 0


async def test_with_analytics_off_calls_wait_for_a_process_with_them_on(
    tmp_path: Path, database_url: str
) -> None:
    """``ANALYTICS=off`` leaves a call unanalysed; the next start with it on catches up."""
    call_sid = "CA" + "8" * 32
    engine = make_engine(database_url)
    try:
        async with _serving(tmp_path, database_url, analytics=False) as base:
            token = sign_stream_token(TWILIO_TOKEN, call_sid)
            url = f"{base.replace('http', 'ws', 1)}/twilio/stream?token={token}"
            async with TwilioCallerSimulator(url, call_sid=call_sid) as caller:
                await caller.wait_for_audio(0.25)
                await caller.hang_up()
            async with asyncio.timeout(10):
                while not (ended := _ended(engine, call_sid)):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            await asyncio.sleep(1.5)  # an analysis job would have finished by now
            assert (await _get(base, f"/api/calls/{ended[0]}"))["analytics"] is None
        assert unanalysed_calls(engine) == ended

        async with _serving(tmp_path, database_url) as base:
            analytics = await _analysed(base, ended[0])
    finally:
        engine.dispose()
    assert (analytics["status"], analytics["resolution"]) == ("done", "abandoned")


def _ended(engine: Any, call_sid: str) -> list[str]:
    with Session(engine) as session:
        calls = select(Call).where(Call.external_id == call_sid, Call.ended_at.is_not(None))  # type: ignore[union-attr]
        return [c.id for c in session.exec(calls)]


def _ids_of(engine: Any, call_sid: str) -> list[str]:
    with Session(engine) as session:
        return [c.id for c in session.exec(select(Call).where(Call.external_id == call_sid))]


async def test_analytics_need_the_token_and_refuse_bad_parameters(
    tmp_path: Path, sqlite_url: str
) -> None:
    async with _serving(tmp_path, sqlite_url) as base:
        refused = await _get(base, "/api/analytics", status=401, headers={})
        wrong = await _get(base, "/api/analytics", 401, {"Authorization": "Bearer nope"})
        bucket = await _get(base, "/api/analytics?bucket=week", status=400)
        date = await _get(base, "/api/analytics?since=yesterday", status=400)
        backwards = await _get(base, "/api/analytics?since=2026-11-20&until=2026-11-19", 400)
        too_many = await _get(
            base, "/api/analytics?since=2020-01-01&until=2026-01-01&bucket=hour", 400
        )
        default = await _get(base, "/api/analytics")

    assert "token" in refused["error"]
    assert "token" in wrong["error"]
    assert "bucket" in bucket["error"]
    assert "since" in date["error"]
    assert "until must be after since" in backwards["error"]
    assert "at most 2000 hours" in too_many["error"]
    assert (default["bucket"], len(default["series"])) == ("day", 31)  # the last 30 days
    assert default["totals"]["calls"] == 0
