"""Where Twilio reaches a server and how its requests are checked: :class:`TwilioSettings`.

Plain data, kept apart from :mod:`~framekit.servers.twilio.server` (requests and calls)
and importable without aiohttp or the ``twilio`` package; the server re-exports it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

__all__ = ["TwilioSettings"]


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    """What the Twilio endpoints need to know; :meth:`from_env` reads the usual variables."""

    webhook_base_url: str
    """Public ``https://`` URL at which Twilio reaches this server (a tunnel in development)."""
    account_sid: str
    auth_token: str
    """Signs and checks webhooks and stream tokens; never logged."""
    phone_number: str = ""

    def __post_init__(self) -> None:
        parts = urlsplit(self.webhook_base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"WEBHOOK_BASE_URL must be an http(s) URL: {self.webhook_base_url!r}")
        if not self.auth_token:
            raise ValueError("TWILIO_AUTH_TOKEN is required to check Twilio's signatures")

    def __repr__(self) -> str:
        return (
            f"TwilioSettings(webhook_base_url={self.webhook_base_url!r}, "
            f"account_sid={self.account_sid!r}, phone_number={self.phone_number!r})"
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> TwilioSettings:
        """``WEBHOOK_BASE_URL``, ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``,
        ``TWILIO_PHONE_NUMBER``."""
        return cls(
            webhook_base_url=env.get("WEBHOOK_BASE_URL", ""),
            account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
            auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
            phone_number=env.get("TWILIO_PHONE_NUMBER", ""),
        )

    def public_url(self, path_qs: str) -> str:
        """The URL Twilio used for ``path_qs`` (what its signature covers)."""
        return self.webhook_base_url.rstrip("/") + path_qs

    def stream_url(self, token: str) -> str:
        """``wss://`` (``ws://`` for an ``http`` base) URL of the stream endpoint."""
        parts = urlsplit(self.webhook_base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return (
            f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/twilio/stream?token={quote(token)}"
        )
