"""The serve app's settings for the dashboard tests (one token, local files)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from framekit_contact_center.settings import Settings

__all__ = ["AUTH", "TOKEN", "TWILIO_TOKEN", "settings", "sign_in", "signed_in_cookie"]

TOKEN = "dashboard-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"


def settings(
    tmp_path: Path,
    database_url: str,
    recordings_dir: Path | None = None,
    redis_url: str | None = None,
) -> Settings:
    """Files under ``tmp_path``; ``recordings_dir``: where recordings lie (the API serves those)."""
    return Settings(
        redis_url=redis_url,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_phone_number="+15550000000",
        webhook_base_url="https://bot.example.test",
        api_token=TOKEN,
        database_url=database_url,
        business_db_path=tmp_path / "shop.db",
        recordings_dir=recordings_dir or tmp_path / "recordings",
        spool_dir=tmp_path / "spool",
    )


async def sign_in(
    client: TestClient[Any, Any], token: str = TOKEN, next_path: str = "/dashboard/live"
) -> ClientResponse:
    """Post the sign-in form as a browser would (its CSRF token, our origin), no redirect."""
    form_page = await client.get("/dashboard/login")
    match = re.search(r'name="csrf" value="([^"]+)"', await form_page.text())
    assert match is not None
    return await client.post(
        "/dashboard/login",
        data={"token": token, "csrf": match.group(1), "next": next_path},
        headers={"Origin": f"http://{client.host}:{client.port}"},
        allow_redirects=False,
    )


async def signed_in_cookie(client: TestClient[Any, Any]) -> str:
    """A session cookie's value, signed in with the right token."""
    response = await sign_in(client)
    assert response.status == 303
    assert response.headers["Location"] == "/dashboard/live"
    return response.cookies["framekit_session"].value
