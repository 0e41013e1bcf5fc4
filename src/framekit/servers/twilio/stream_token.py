"""Short-lived signed tokens for the Media Stream URL.

Why: Twilio does not sign the WebSocket upgrade the way it signs webhooks, so the
``/twilio/voice`` answer puts a token in the stream URL and the WebSocket refuses a
connection without a valid one. The token names the call it was issued for
(``CallSid``), expires after a few seconds (Twilio connects at once), and is an
HMAC-SHA256 under the account's auth token, so only our server can mint one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

__all__ = ["TokenError", "sign_stream_token", "verify_stream_token"]

_CONTEXT = b"framekit-twilio-stream\x00"


class TokenError(ValueError):
    """A stream token that is malformed, forged or expired."""


def _mac(secret: str, call_sid: str, expires: int) -> str:
    digest = hmac.new(
        secret.encode(), _CONTEXT + f"{call_sid}.{expires}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign_stream_token(
    secret: str,
    call_sid: str,
    *,
    ttl: float = 30.0,
    now: float | None = None,
    expires: float | None = None,
) -> str:
    """A token for ``call_sid`` that expires ``ttl`` seconds from ``now`` (default: the time),
    or at the Unix time ``expires`` (the same expiry gives the same token)."""
    if not secret:
        raise ValueError("an empty secret signs nothing")
    if not call_sid or "." in call_sid:
        raise ValueError(f"bad call SID {call_sid!r}")
    if expires is None:
        expires = (time.time() if now is None else now) + ttl
    expiry = int(expires)
    return f"{call_sid}.{expiry}.{_mac(secret, call_sid, expiry)}"


def verify_stream_token(secret: str, token: str, *, now: float | None = None) -> str:
    """The call SID ``token`` was issued for; raises :class:`TokenError` if it is not valid now."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not parts[1].isdecimal() or len(token) > 200:
        raise TokenError("malformed stream token")
    call_sid, expires_text, mac = parts
    expires = int(expires_text)
    if not hmac.compare_digest(mac, _mac(secret, call_sid, expires)):
        raise TokenError("stream token signature does not match")
    if (time.time() if now is None else now) > expires:
        raise TokenError("stream token expired")
    return call_sid
