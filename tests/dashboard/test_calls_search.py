"""``GET /api/calls?q=``: the search the dashboard's list uses (caller number, transcript text)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from framekit_contact_center.seed_calls import seed_calls
from framekit_contact_center.server import ContactCenterServer

from dashboard._app import AUTH, settings
from framekit.storage import get_call, make_engine, migrate
from framekit.storage.queries import list_calls

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def client(tmp_path: Path, database_url: str) -> AsyncIterator[TestClient[Any, Any]]:
    seed_calls(database_url, calls=150, days=5)
    server = ContactCenterServer(settings(tmp_path, database_url))
    async with TestClient(TestServer(server.app)) as test_client:
        yield test_client


def _matching(database_url: str, text: str, outcome: str | None = None) -> set[str]:
    """The calls whose caller or transcript holds ``text``, found the slow way."""
    engine = make_engine(database_url)
    try:
        found = set()
        for call in list_calls(engine, limit=200).calls:
            details = get_call(engine, call.id)
            assert details is not None
            said = " ".join(segment.text for segment in details.transcript)
            hit = text.lower() in (call.caller or "").lower() or text.lower() in said.lower()
            if hit and outcome in (None, call.outcome):
                found.add(call.id)
        return found
    finally:
        engine.dispose()


async def _ids(client: TestClient[Any, Any], query: str) -> tuple[set[str], int]:
    ids: set[str] = set()
    offset = 0
    while True:
        response = await client.get(f"/api/calls?{query}&limit=40&offset={offset}", headers=AUTH)
        assert response.status == 200, await response.text()
        page = await response.json()
        ids |= {call["id"] for call in page["calls"]}
        offset += 40
        if offset >= page["total"]:
            return ids, page["total"]


@pytest.mark.parametrize(
    ("query", "text", "outcome"),
    [
        ("q=REFUND", "refund", None),
        ("q=real%20person&outcome=transferred", "real person", "transferred"),
        ("q=%2B1555", "+1555", None),
    ],
)
async def test_search_finds_what_the_calls_hold(
    client: TestClient[Any, Any], database_url: str, query: str, text: str, outcome: str | None
) -> None:
    expected = _matching(database_url, text, outcome)
    assert expected, "the seed holds such calls"
    ids, total = await _ids(client, query)
    assert (ids, total) == (expected, len(expected))


async def test_wildcards_are_plain_characters_and_a_miss_is_empty(
    client: TestClient[Any, Any],
) -> None:
    for query in ("q=%25", "q=_", "q=nothing-like-this"):
        assert await _ids(client, query) == (set(), 0), query
    response = await client.get("/api/calls?q=%00", headers=AUTH)
    assert response.status == 400
    assert "'q'" in (await response.json())["error"]


async def test_a_page_past_the_results_still_counts_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    migrate(url)
    seed_calls(url, calls=60, days=2)
    engine = make_engine(url)
    try:
        first = list_calls(engine, search="thank", limit=5)
        beyond = list_calls(engine, search="thank", limit=5, offset=10_000)
    finally:
        engine.dispose()
    assert first.total > 5
    assert (beyond.calls, beyond.total) == ([], first.total)
