"""Who may use the signalling routes: the API token, or a signed-in dashboard session.

* ``Authorization: Bearer <API token>``: apps and scripts, and the softphone when its
  user pastes the token;
* a dashboard session (the ``framekit_session`` cookie of
  :mod:`framekit.servers.dashboard`) when the server is given the dashboard's
  :class:`Sessions`: a user signed in to the dashboard calls from ``/call`` with no
  token. A ``GET`` needs only the session; a write (the offer, trickled candidates)
  also passes the dashboard's own CSRF checks (:meth:`Sessions.allows_write`: an
  allowed origin, the session's CSRF token in ``X-CSRF-Token``, which the page reads
  from ``GET /webrtc/config``).

A request says who it is once: an ``Authorization`` header is checked alone, and a
wrong token is refused even beside a valid cookie. Refusals: 401 with neither (with
sessions, the body's ``sign_in`` is the address that signs in and comes back), 403
for a session's write that fails the CSRF checks.
"""

from __future__ import annotations

import hmac
from typing import Protocol

from aiohttp import web

__all__ = ["Sessions", "SignallingAuth"]

_READS = frozenset({"GET", "HEAD"})


class Sessions(Protocol):
    """Signed-in browser sessions (:class:`framekit.servers.dashboard.Dashboard` fits)."""

    async def session_csrf(self, request: web.Request) -> str | None:
        """The CSRF token of ``request``'s session; None when it has none."""
        ...

    async def allows_write(self, request: web.Request) -> bool:
        """Whether a script's write may act for ``request``'s session (CSRF checks)."""
        ...

    def sign_in_url(self, back_to: str) -> str:
        """Where to sign in, coming back to ``back_to`` after."""
        ...


class SignallingAuth:
    """Checks each signalling request against ``token`` and, if given, ``sessions``.

    ``page``: the softphone's path, where a sign-in comes back to.
    """

    def __init__(self, token: str, sessions: Sessions | None = None, page: str = "/call") -> None:
        self._token = token.encode()
        self.sessions = sessions
        self._sign_in = sessions.sign_in_url(page) if sessions is not None else None

    async def refusal(self, request: web.Request) -> web.Response | None:
        """The response that refuses ``request``, or None when it may go on."""
        sessions = self.sessions
        header = request.headers.get("Authorization")
        if header is not None or sessions is None:
            scheme, _, given = (header or "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                given.strip().encode(), self._token
            ):
                return None
            return self._unauthorized("missing or wrong API token")
        if request.method in _READS:
            if await sessions.session_csrf(request) is not None:
                return None
        elif await sessions.allows_write(request):
            return None
        elif await sessions.session_csrf(request) is not None:
            return web.json_response(
                {"error": "a signed-in write needs this site's origin and its CSRF token"},
                status=403,
            )
        return self._unauthorized("sign in, or give the API token")

    async def csrf(self, request: web.Request) -> str | None:
        """The CSRF token for the page's writes, when ``request`` came with a session."""
        if self.sessions is None or "Authorization" in request.headers:
            return None
        return await self.sessions.session_csrf(request)

    def _unauthorized(self, error: str) -> web.Response:
        body = {"error": error} | ({"sign_in": self._sign_in} if self._sign_in else {})
        return web.json_response(
            body, status=401, headers={"WWW-Authenticate": 'Bearer realm="framekit"'}
        )
