"""``framekit serve``'s app: the calls API (filters, pages, 404, token), /health, Twilio's webhook.

Call records are seeded through the storage layer's writer, on SQLite always and on
PostgreSQL when ``FRAMEKIT_TEST_DATABASE_URL`` is set (a fresh schema per test,
dropped afterwards).
"""

from __future__ import annotations

import asyncio
import os
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlmodel", reason="the serve app needs the 'db' extra")
pytest.importorskip("twilio", reason="the serve app needs the 'twilio' extra")

import psycopg
from aiohttp.test_utils import TestClient, TestServer
from framekit_contact_center.server import ContactCenterServer, check_serving
from framekit_contact_center.settings import Settings, SettingsError, load_settings
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from framekit.storage import RecordWriter, migrate
from framekit.storage.records import (
    CallClosed,
    CallOpened,
    Record,
    SegmentRecord,
    ToolRecord,
    TurnRecord,
)

TOKEN = "test-api-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"
PUBLIC_BASE = "https://bot.example.test"
PG_ENV = "FRAMEKIT_TEST_DATABASE_URL"
DAY = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _admin_dsn() -> str:
    url = make_url(os.environ[PG_ENV]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL to test against (.ci/run sets it)")
    schema = f"framekit_api_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(os.environ[PG_ENV]).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_dsn(), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'calls.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def _settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_phone_number="+15550000000",
        webhook_base_url=PUBLIC_BASE,
        api_token=TOKEN,
        database_url=database_url,
        business_db_path=tmp_path / "shop.db",
        recordings_dir=tmp_path / "recordings",
    )


def _call(
    call_id: str, started: datetime, outcome: str, extra: list[Record] | None = None
) -> list[Record]:
    return [
        CallOpened(call_id, started, external_id=f"CA{call_id}", caller="+15551230000"),
        *(extra or []),
        CallClosed(call_id, started + timedelta(seconds=42), outcome, "bye"),
    ]


def _seed(database_url: str, tmp_path: Path) -> dict[str, Any]:
    """Five calls over five days (newest last), one with a transcript, tools, turns, audio."""
    migrate(database_url)
    recordings = tmp_path / "recordings"
    recordings.mkdir(exist_ok=True)
    caller_wav = recordings / "c1.caller.wav"
    caller_wav.write_bytes(b"RIFF-not-really-audio")
    rich = [
        SegmentRecord("c1", 0, "user", "Where is my order?", DAY, DAY + timedelta(seconds=2)),
        SegmentRecord("c1", 1, "bot", "It shipped yesterday.", DAY + timedelta(seconds=3)),
        ToolRecord("c1", 0, "order_status", {"order_number": "4271"}, {"status": "shipped"}),
        TurnRecord("c1", 0, 0.8, ttfb={"UtteranceSTTProcessor": 0.4}),
    ]
    calls = [
        *_call("c1", DAY, "completed", rich),
        *_call("c2", DAY + timedelta(days=1), "transferred"),
        *_call("c3", DAY + timedelta(days=2), "completed"),
        *_call("c4", DAY + timedelta(days=3), "cancelled"),
        *_call("c5", DAY + timedelta(days=4), "completed"),
    ]
    closed = calls.index(next(r for r in calls if isinstance(r, CallClosed)))
    calls[closed] = CallClosed(
        "c1",
        DAY + timedelta(seconds=42),
        "completed",
        "bye",
        {"caller": str(caller_wav), "bot": "/etc/passwd", "mixed": "s3://bucket/c1.wav"},
    )
    writer = RecordWriter(database_url, spool_dir=tmp_path / "spool").start()
    try:
        for record in calls:
            writer.submit(record)
        assert writer.flush(10)
        assert writer.stats.written == len(calls)
    finally:
        writer.close()
    return {"caller_wav": caller_wav}


@pytest.fixture
async def client(tmp_path: Path, database_url: str) -> AsyncIterator[TestClient[Any, Any]]:
    _seed(database_url, tmp_path)
    server = ContactCenterServer(_settings(tmp_path, database_url))
    async with TestClient(TestServer(server.app)) as test_client:
        yield test_client


@pytest.fixture
async def sqlite_client(tmp_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    """The app over SQLite only, for what does not depend on the database."""
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    _seed(url, tmp_path)
    server = ContactCenterServer(_settings(tmp_path, url))
    async with TestClient(TestServer(server.app)) as test_client:
        yield test_client


async def _json(client: TestClient[Any, Any], path: str, status: int = 200) -> Any:
    response = await client.get(path, headers=AUTH)
    assert response.status == status, await response.text()
    return await response.json()


async def test_list_is_newest_first_and_pages(client: TestClient[Any, Any]) -> None:
    page = await _json(client, "/api/calls")
    assert [c["id"] for c in page["calls"]] == ["c5", "c4", "c3", "c2", "c1"]
    assert (page["total"], page["limit"], page["offset"]) == (5, 50, 0)
    first = page["calls"][-1]
    assert first["external_id"] == "CAc1"
    assert first["duration_s"] == 42.0
    assert datetime.fromisoformat(first["started_at"]) == DAY

    second = await _json(client, "/api/calls?limit=2&offset=2")
    assert [c["id"] for c in second["calls"]] == ["c3", "c2"]
    assert second["total"] == 5
    beyond = await _json(client, "/api/calls?limit=2&offset=10")
    assert beyond["calls"] == []


async def test_list_filters_by_dates_and_outcome(client: TestClient[Any, Any]) -> None:
    # ``to`` is inclusive of its whole day; ``from`` starts at its midnight.
    window = await _json(client, "/api/calls?from=2026-11-21&to=2026-11-22")
    assert [c["id"] for c in window["calls"]] == ["c3", "c2"]
    completed = await _json(client, "/api/calls?outcome=completed")
    assert [c["id"] for c in completed["calls"]] == ["c5", "c3", "c1"]
    both = await _json(client, "/api/calls?outcome=completed&from=2026-11-21")
    assert ([c["id"] for c in both["calls"]], both["total"]) == (["c5", "c3"], 2)
    precise = await _json(client, "/api/calls?from=2026-11-24T08:59:00%2B00:00")
    assert [c["id"] for c in precise["calls"]] == ["c5"]


@pytest.mark.parametrize(
    "query",
    [
        "from=yesterday",
        "to=2026-13-01",
        "limit=0",
        "limit=201",
        "offset=-1",
        "limit=x",
        f"offset={2**63}",
        f"offset={'9' * 5000}",
        "to=9999-12-31",
        "from=0001-01-01T00:00:00%2B14:00",
        "to=9999-12-31T23:59:59-14:00",
        "outcome=completed%00",
    ],
)
async def test_a_bad_query_is_a_400_naming_the_parameter(
    client: TestClient[Any, Any], query: str
) -> None:
    body = await _json(client, f"/api/calls?{query}", status=400)
    assert query.split("=")[0] in body["error"]
    assert len(body["error"]) < 200  # a huge parameter is not echoed whole


async def test_a_call_id_with_control_characters_is_not_found(client: TestClient[Any, Any]) -> None:
    for path in (
        "/api/calls/c1%00",
        "/api/calls/c1%00/recordings/caller",
        "/api/calls/" + "x" * 300,
    ):
        body = await _json(client, path, status=404)
        assert "error" in body


async def test_call_details_and_recording_links(client: TestClient[Any, Any]) -> None:
    call = await _json(client, "/api/calls/c1")
    assert (call["id"], call["outcome"], call["end_reason"]) == ("c1", "completed", "bye")
    assert [(s["seq"], s["speaker"], s["text"]) for s in call["transcript"]] == [
        (0, "user", "Where is my order?"),
        (1, "bot", "It shipped yesterday."),
    ]
    assert call["tools"][0]["name"] == "order_status"
    assert call["tools"][0]["arguments"] == {"order_number": "4271"}
    assert call["tools"][0]["result"] == {"status": "shipped"}
    assert call["turns"] == [
        {
            "turn_index": 0,
            "latency_s": 0.8,
            "user_stopped_at": None,
            "bot_started_at": None,
            "ttfb": {"UtteranceSTTProcessor": 0.4},
        }
    ]
    links = {track: entry["url"] for track, entry in call["recordings"].items()}
    # A file outside the recordings directory is never served; a URL is passed on as is.
    assert links == {
        "caller": "/api/calls/c1/recordings/caller",
        "bot": None,
        "mixed": "s3://bucket/c1.wav",
    }
    audio = await client.get(links["caller"], headers=AUTH)
    assert audio.status == 200
    assert audio.headers["Content-Type"] == "audio/wav"
    assert await audio.read() == b"RIFF-not-really-audio"
    refused = await client.get("/api/calls/c1/recordings/bot", headers=AUTH)
    assert refused.status == 404


async def test_an_unknown_call_is_a_404(client: TestClient[Any, Any]) -> None:
    body = await _json(client, "/api/calls/nope", status=404)
    assert "nope" in body["error"]
    assert (await client.get("/api/calls/nope/recordings/caller", headers=AUTH)).status == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-0123456789"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    ],
)
@pytest.mark.parametrize("path", ["/api/calls", "/api/calls/c1", "/api/calls/c1/recordings/caller"])
async def test_the_api_refuses_a_missing_or_wrong_token(
    sqlite_client: TestClient[Any, Any], headers: dict[str, str], path: str
) -> None:
    response = await sqlite_client.get(path, headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "c1" not in await response.text()


async def test_health_needs_no_token_and_reports_the_database(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get("/health")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["active_calls"] == 0


def _break_database(path: Path) -> None:
    """A folder where the SQLite file was. The server's analytics worker may reopen (and so
    recreate) the file between the two steps: try again until the folder stands."""
    for _ in range(100):
        path.unlink(missing_ok=True)
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return
    raise AssertionError(f"{path} kept coming back")


async def test_health_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    server = ContactCenterServer(_settings(tmp_path, f"sqlite:///{tmp_path / 'calls.db'}"))
    server.health.interval = 0.1
    async with TestClient(TestServer(server.app)) as test_client:
        # The database file is replaced by a directory: SQLite cannot open it.
        _break_database(tmp_path / "calls.db")
        # /health reports the background check's last result: the next one sees it.
        async with asyncio.timeout(5):
            while (response := await test_client.get("/health")).status != 503:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        body = await response.json()
        assert body["status"] == "degraded"
        assert body["database"].startswith("unreachable")
        assert body["checked_ago_s"] < 1.0


async def test_the_api_answers_503_when_the_database_fails(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    _seed(url, tmp_path)
    server = ContactCenterServer(_settings(tmp_path, url))
    async with TestClient(TestServer(server.app)) as test_client:
        _break_database(tmp_path / "calls.db")
        body = await _json(test_client, "/api/calls", status=503)
        assert body["error"] == "the database failed: OperationalError"
        await _json(test_client, "/api/calls/c1", status=503)


async def test_the_voice_webhook_answers_twiml_through_the_serve_app(
    sqlite_client: TestClient[Any, Any],
) -> None:
    form = {
        "CallSid": "CA" + "1" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": "+15551230000",
        "To": "+15550000000",
        "Direction": "inbound",
    }
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(
        PUBLIC_BASE + "/twilio/voice", form
    )
    response = await sqlite_client.post(
        "/twilio/voice", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status == 200
    assert response.content_type == "application/xml"
    stream = ET.fromstring(await response.text()).find("./Connect/Stream")
    assert stream is not None
    assert stream.attrib["url"].startswith("wss://bot.example.test/twilio/stream?token=")
    params = {p.attrib["name"]: p.attrib["value"] for p in stream.findall("Parameter")}
    assert params["from"] == "+15551230000"
    forged = await sqlite_client.post(
        "/twilio/voice", data=form, headers={"X-Twilio-Signature": "x"}
    )
    assert forged.status == 403


def test_serve_names_every_missing_variable(tmp_path: Path) -> None:
    settings = load_settings({"WEBHOOK_BASE_URL": PUBLIC_BASE}, env_file=None)
    with pytest.raises(SettingsError) as caught:
        check_serving(settings)
    assert [name for name, _ in caught.value.problems] == [
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "API_TOKEN",
    ]
    check_serving(_settings(tmp_path, "sqlite:///calls.db"))  # complete: no error


def test_a_short_api_token_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"API_TOKEN": "short secret"}, env_file=None)
    problems = dict(caught.value.problems)
    assert "at least 16 characters" in problems["API_TOKEN"]
    assert "short secret" not in str(caught.value)
