"""framekit serve: the retention schedule runs on its own (a short RETENTION_INTERVAL),
a recording played through the API is audited, DELETE /api/callers/{number} erases a
caller behind the token, and GET /api/audit shows all three: on SQLite, and on
PostgreSQL when ``FRAMEKIT_TEST_DATABASE_URL`` is set (a fresh schema, dropped after)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

pytest.importorskip("aiohttp")
pytest.importorskip("sqlmodel")
pytest.importorskip("twilio")

import aiohttp
from framekit_contact_center.server import ContactCenterServer
from framekit_contact_center.settings import Settings

from contact_center._greeter import greeter
from contact_center._serving import listening
from framekit.storage import make_engine
from framekit.storage.audit import caller_target, token_actor
from privacy._records import rows_by_call, seed_call
from storage.conftest import database_url, postgres_url, sqlite_url

__all__ = ["database_url", "postgres_url", "sqlite_url"]  # the fixtures

TOKEN = "test-api-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ALICE, BOB = "+15550100", "+15550111"
CALLS = [("old", BOB, 200), ("a1", ALICE, 1), ("a2", ALICE, 40), ("b1", BOB, 1)]
"""Call id, caller, age in days."""


def _settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="twilio-auth-token-0123456789abcdef",
        webhook_base_url="https://bot.example.test",
        api_token=TOKEN,
        database_url=database_url,
        business_db_path=tmp_path / "shop.db",
        recordings_dir=tmp_path / "recordings",
        retention_recordings_days=30,
        retention_transcripts_days=60,
        retention_analytics_days=60,
        retention_metadata_days=100,
        retention_interval=0.2,
    )


@pytest.mark.timeout(90)
async def test_serve_applies_retention_audits_plays_and_erases_a_caller(
    tmp_path: Path, database_url: str
) -> None:
    settings = _settings(tmp_path, database_url)  # migrated by the fixture
    engine = make_engine(settings.database_url)
    recordings = settings.recordings_dir
    recordings.mkdir()
    files = {
        call_id: seed_call(engine, call_id, age_days=age, caller=caller, recordings=recordings)
        for call_id, caller, age in CALLS
    }
    server = ContactCenterServer(settings, bot=greeter)
    async with listening(server) as (host, port, _, _), aiohttp.ClientSession() as session:
        base = f"http://{host}:{port}"
        async with asyncio.timeout(10):
            while True:  # two runs: the second found nothing more to do
                if server.retention.runs >= 2:
                    break
                await asyncio.sleep(0.05)
        left = rows_by_call(engine)
        assert set(left["calls"]) == {"a1", "a2", "b1"}
        assert left["calls"]["a2"] == {}  # 40 days: its recordings went, the rest stays
        assert left["transcript_segments"] == {"a1": 2, "a2": 2, "b1": 2}
        assert [p.exists() for p in files["old"] + files["a2"]] == [False] * 4

        async with session.get(f"{base}/api/calls/a1/recordings/caller", headers=AUTH) as got:
            assert got.status == 200
            assert await got.read() == files["a1"][0].read_bytes()
        url = f"{base}/api/callers/%2B15550100"
        async with session.delete(url) as refused:
            assert refused.status == 401
        async with session.delete(url, headers=AUTH) as erased:
            assert erased.status == 200
            body = await erased.json()
        assert body["calls"] == 2
        assert body["files"] == {"deleted": 2}  # a2's went with retention
        assert set(rows_by_call(engine)["calls"]) == {"b1"}
        assert not any(p.exists() for p in files["a1"])
        assert all(p.exists() for p in files["b1"])

        async with session.get(f"{base}/api/audit", headers=AUTH) as listed:
            events = (await listed.json())["events"]
        async with session.get(f"{base}/api/audit?limit=0", headers=AUTH) as bad:
            assert bad.status == 400
    engine.dispose()
    assert [(e["actor"], e["action"], e["target"]) for e in events] == [
        (token_actor(TOKEN), "erase", caller_target(ALICE)),
        (token_actor(TOKEN), "recording_played", "a1/caller"),
        ("scheduler", "retention_delete", ""),
    ]
    assert events[2]["details"]["calls"] == {"metadata": 1, "recordings": 1}
