"""Signed cookies for the dashboard: who signed in, until when, and the CSRF token with it.

Why signed cookies and no session table: ``framekit serve --workers N`` runs several
processes (and a deployment several hosts) that share no memory. A cookie that
carries its own expiry and an HMAC over it, with a key derived from the API token,
is valid on every one of them, with nothing to share or clean up. Changing
``API_TOKEN`` signs everyone out. What a signature cannot say is that its owner signed
out: the dashboard keeps the session ids signed out before they expire in a list all
processes read (:mod:`.revocations`).

A value is ``<expiry>.<session id>.<signature>``, the session id random (its
``nonce``); its CSRF token is an HMAC of the session id,
so a page can be given it and a form post checked against it, and it changes with
each sign-in. Each kind of cookie (the session, the sign-in form's) signs with a key
of its own, so one can never pass for the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Signed", "SignedCookies"]


@dataclass(frozen=True, slots=True)
class Signed:
    """A cookie value that verified: its session id, when it expires, its CSRF token."""

    value: str
    expires: int
    """Unix time."""
    csrf: str
    session_id: str
    """The value's random part: what a sign-out revokes."""


class SignedCookies:
    """Issues and checks one kind of signed cookie (``purpose``), keyed from ``secret``.

    ``max_age`` is how long a value stays valid, in seconds; ``clock`` gives Unix time.
    """

    def __init__(
        self,
        secret: str,
        purpose: str,
        *,
        max_age: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret:
            raise ValueError("signed cookies need a secret")
        if max_age <= 0:
            raise ValueError("max_age must be positive")
        label = f"framekit dashboard {purpose} v1".encode()
        self._key = hmac.new(secret.encode(), label, hashlib.sha256).digest()
        self.max_age = max_age
        self._clock = clock

    def issue(self) -> Signed:
        """A fresh value, valid for ``max_age`` seconds from now."""
        expires = int(self._clock() + self.max_age)
        nonce = secrets.token_urlsafe(18)
        body = f"{expires}.{nonce}"
        value = f"{body}.{self._mac('cookie', body)}"
        return Signed(value, expires, self._mac("csrf", nonce), nonce)

    def read(self, value: str | None) -> Signed | None:
        """``value`` if it was signed here and has not expired, else None."""
        if not value or len(value) > 200:
            return None
        body, _, signature = value.rpartition(".")
        expires_text, _, nonce = body.partition(".")
        if not (expires_text.isdigit() and nonce and signature):
            return None
        if not hmac.compare_digest(signature, self._mac("cookie", body)):
            return None
        expires = int(expires_text)
        if expires <= self._clock():
            return None
        return Signed(value, expires, self._mac("csrf", nonce), nonce)

    def _mac(self, what: str, text: str) -> str:
        digest = hmac.new(self._key, f"{what}:{text}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
