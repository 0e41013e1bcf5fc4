"""The serve app's settings for the dashboard tests (one token, local files)."""

from __future__ import annotations

from pathlib import Path

from framekit_contact_center.settings import Settings

__all__ = ["AUTH", "TOKEN", "TWILIO_TOKEN", "settings"]

TOKEN = "dashboard-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"


def settings(tmp_path: Path, database_url: str, recordings_dir: Path | None = None) -> Settings:
    """Files under ``tmp_path``; ``recordings_dir``: where recordings lie (the API serves those)."""
    return Settings(
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
