"""The dashboard's routes: sign-in with the API token, the pages, their static files.

:class:`Dashboard` adds them to any aiohttp application under ``prefix``
(``/dashboard``); the pages read the application's JSON API (``/api/calls``,
``/api/live-calls``, ``/api/analytics``) with the session cookie, which the API
accepts on ``GET`` when given :meth:`Dashboard.signed_in`.

What keeps a session safe:

* the cookie is ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site's
  page sends it), ``Secure`` when the request came over HTTPS (directly, or per
  ``X-Forwarded-Proto`` from a proxy), signed and short-lived (:mod:`.sessions`);
* signing out revokes the session: its id is refused from then on wherever the
  cookie is presented (:mod:`.revocations`), so a copy of it dies too;
* each client address may fail the sign-in a few times in a window, then waits
  (429 with ``Retry-After``; :mod:`.limits`);
* every ``POST`` (sign-in, sign-out) must come from the dashboard's own origin
  (``Origin``, else ``Referer``: neither is a refusal) and carry the CSRF token its form
  was given: the sign-in form's comes with a short-lived cookie of its own; a script
  of another page of the application (the softphone at ``/call``) that writes as the
  signed-in user passes the same checks, with the token in ``X-CSRF-Token``
  (:meth:`Dashboard.session_csrf`, :meth:`Dashboard.allows_write`);
* pages are sent with a Content-Security-Policy that allows only the dashboard's own
  scripts and styles, and may not be framed.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Awaitable, Callable, Iterable
from typing import Final
from urllib.parse import quote, urlsplit

from aiohttp import web
from loguru import logger

from framekit.servers.dashboard.assets import CSRF, Asset, login_page, pages, static_files
from framekit.servers.dashboard.limits import MemorySignInLimits, SignInLimits
from framekit.servers.dashboard.revocations import (
    MemoryRevocations,
    Revocations,
    RevocationUnavailable,
)
from framekit.servers.dashboard.sessions import Signed, SignedCookies

__all__ = ["CSRF_HEADER", "SESSION_COOKIE", "Dashboard"]

SESSION_COOKIE: Final = "framekit_session"
CSRF_HEADER: Final = "X-CSRF-Token"
"""Where a script's write carries its session's CSRF token (:meth:`Dashboard.allows_write`)."""
_LOGIN_COOKIE: Final = "framekit_login"
_LOGIN_MAX_AGE: Final = 15 * 60.0
_MAX_FORM: Final = 4096
_SECURITY: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "media-src 'self' https:; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Dashboard:
    """The dashboard behind ``token`` (the application's API token).

    ``title`` names the application on every page. ``max_age``: seconds a sign-in
    lasts. ``origins``: origins besides the request's own host that may post the
    forms (``https://ops.example.com`` when a proxy rewrites ``Host``).

    ``limits`` counts sign-in attempts per client address and ``revocations`` holds
    the sessions signed out; both default to this process's memory, which is right
    for one process: give ones that every process shares otherwise (Redis, the
    database: :mod:`.redis_store`, ``framekit_contact_center.signed_out``).
    """

    def __init__(
        self,
        token: str,
        *,
        title: str = "framekit",
        prefix: str = "/dashboard",
        max_age: float = 12 * 3600.0,
        origins: Iterable[str] = (),
        limits: SignInLimits | None = None,
        revocations: Revocations | None = None,
    ) -> None:
        if not token:
            raise ValueError("the dashboard needs a token (API_TOKEN)")
        self._token = token.encode()
        self._title = title
        self.prefix = prefix.rstrip("/")
        self._sessions = SignedCookies(token, "session", max_age=max_age)
        self._logins = SignedCookies(token, "login", max_age=_LOGIN_MAX_AGE)
        self._origins = frozenset(origin.rstrip("/") for origin in origins)
        self._limits = limits or MemorySignInLimits()
        self._revocations = revocations or MemoryRevocations()
        self._pages = pages(title, self.prefix)
        self._static = static_files()
        self._returns: set[str] = set()  # paths outside the dashboard a sign-in may return to

    def add_routes(self, app: web.Application) -> None:
        """The sign-in and sign-out routes, the pages and ``static/``, under ``prefix``."""
        prefix = self.prefix
        app.router.add_get(prefix, self._home)
        app.router.add_get(f"{prefix}/", self._home)
        app.router.add_get(f"{prefix}/login", self._login_form)
        app.router.add_post(f"{prefix}/login", self._login)
        app.router.add_post(f"{prefix}/logout", self._logout)
        app.router.add_get(f"{prefix}/live", self._page("live"))
        app.router.add_get(f"{prefix}/calls", self._page("calls"))
        app.router.add_get(f"{prefix}/calls/{{call_id}}", self._page("call"))
        app.router.add_get(f"{prefix}/analytics", self._page("analytics"))
        app.router.add_get(f"{prefix}/static/{{name}}", self._static_file)

    async def signed_in(self, request: web.Request) -> bool:
        """Whether ``request`` carries a valid session cookie, not signed out (for the JSON
        API's ``GET``)."""
        return await self._session(request) is not None

    async def session_csrf(self, request: web.Request) -> str | None:
        """The CSRF token of ``request``'s session, None when signed out: what a page of the
        application outside the dashboard (the softphone) sends with its writes."""
        session = await self._session(request)
        return session.csrf if session is not None else None

    async def allows_write(self, request: web.Request) -> bool:
        """Whether a script's write (``POST``, ``PATCH``) may act for the signed-in user.

        The checks the dashboard's own form posts pass: a session not signed out, sent
        from an allowed origin, with the session's CSRF token in :data:`CSRF_HEADER`.
        """
        session = await self._session(request)
        return (
            session is not None
            and self._origin_refusal(request) is None
            and _same(request.headers.get(CSRF_HEADER, ""), session.csrf)
        )

    def sign_in_url(self, back_to: str) -> str:
        """The sign-in page's address, returning to ``back_to`` (a path of this
        application, outside the dashboard) once signed in."""
        self._returns.add(back_to)
        return f"{self.prefix}/login?next={quote(back_to)}"

    async def _session(self, request: web.Request) -> Signed | None:
        session = self._sessions.read(request.cookies.get(SESSION_COOKIE))
        if session is None or await self._revocations.revoked(session.session_id):
            return None
        return session

    # --- pages -----------------------------------------------------------------------------

    async def _home(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"{self.prefix}/calls")

    def _page(self, name: str) -> _Handler:
        body = self._pages[name]

        async def page(request: web.Request) -> web.StreamResponse:
            session = await self._session(request)
            if session is None:
                raise web.HTTPSeeOther(f"{self.prefix}/login?next={quote(request.path_qs)}")
            return _html(body.replace(CSRF, session.csrf))

        return page

    async def _static_file(self, request: web.Request) -> web.StreamResponse:
        asset: Asset | None = self._static.get(request.match_info["name"])
        if asset is None:
            raise web.HTTPNotFound()
        headers = {"ETag": asset.etag, "Cache-Control": "no-cache"}
        if request.headers.get("If-None-Match") == asset.etag:
            return web.Response(status=304, headers=headers)
        return web.Response(
            body=asset.body,
            content_type=None,
            headers={
                **headers,
                "Content-Type": asset.content_type,
                "X-Content-Type-Options": "nosniff",
            },
        )

    # --- signing in and out ----------------------------------------------------------------

    async def _login_form(self, request: web.Request) -> web.StreamResponse:
        next_path = self._next(request.query.get("next"))
        if await self._session(request) is not None:
            raise web.HTTPSeeOther(next_path)
        return self._login_response(request, next_path, error="", status=200)

    async def _login(self, request: web.Request) -> web.StreamResponse:
        self._check_origin(request)
        form = await _form(request)
        next_path = self._next(form.get("next"))
        form_cookie = self._logins.read(request.cookies.get(_LOGIN_COOKIE))
        if form_cookie is None or not _same(form.get("csrf", ""), form_cookie.csrf):
            error = "This sign-in form expired. Please try again."
            return self._login_response(request, next_path, error=error, status=403)
        client = request.remote or "unknown"
        wait = await self._limits.attempt(client)
        if wait is not None:
            minutes = math.ceil(wait / 60)
            error = f"Too many failed sign-ins. Try again in {minutes} minute(s)."
            response = self._login_response(request, next_path, error=error, status=429)
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        if not _same(form.get("token", "").strip(), self._token.decode()):
            return self._login_response(request, next_path, error="Wrong token.", status=401)
        await self._limits.succeeded(client)
        session = self._sessions.issue()
        response = web.HTTPSeeOther(next_path)
        self._set_cookie(request, response, SESSION_COOKIE, session, path="/")
        response.del_cookie(_LOGIN_COOKIE, path=self.prefix)
        raise response

    async def _logout(self, request: web.Request) -> web.StreamResponse:
        self._check_origin(request)
        form = await _form(request)
        session = await self._session(request)
        if session is not None and not _same(form.get("csrf", ""), session.csrf):
            raise web.HTTPForbidden(text="missing or wrong CSRF token")
        if session is not None:
            try:
                await self._revocations.revoke(session.session_id, session.expires)
            except RevocationUnavailable as exc:
                logger.warning(f"dashboard: sign-out not recorded: {exc}")
                raise web.HTTPServiceUnavailable(
                    text="signing out failed: try again in a moment"
                ) from None
        response = web.HTTPSeeOther(f"{self.prefix}/login")
        response.del_cookie(SESSION_COOKIE, path="/")
        raise response

    def _login_response(
        self, request: web.Request, next_path: str, *, error: str, status: int
    ) -> web.Response:
        form_cookie = self._logins.issue()
        body = login_page(self._title, self.prefix, error=error, next_path=next_path)
        response = _html(body.replace(CSRF, form_cookie.csrf), status=status)
        self._set_cookie(request, response, _LOGIN_COOKIE, form_cookie, path=self.prefix)
        return response

    def _set_cookie(
        self,
        request: web.Request,
        response: web.StreamResponse,
        name: str,
        signed: Signed,
        *,
        path: str,
    ) -> None:
        lifetime = self._sessions if name == SESSION_COOKIE else self._logins
        response.set_cookie(
            name,
            signed.value,
            max_age=int(lifetime.max_age),
            path=path,
            httponly=True,
            samesite="Strict",
            secure=_https(request),
        )

    def _next(self, raw: str | None) -> str:
        """Where to go after signing in: a dashboard path, never another site."""
        if raw in self._returns or (
            raw and raw.startswith(f"{self.prefix}/") and "//" not in raw and "\\" not in raw
        ):
            return raw
        return f"{self.prefix}/calls"

    def _check_origin(self, request: web.Request) -> None:
        """Refuse a ``POST`` from a page of another origin (403)."""
        refusal = self._origin_refusal(request)
        if refusal is not None:
            raise web.HTTPForbidden(text=refusal)

    def _origin_refusal(self, request: web.Request) -> str | None:
        """Why a write from ``request``'s page is refused for its origin, or None."""
        claimed = request.headers.get("Origin") or _origin_of(request.headers.get("Referer"))
        if not claimed or claimed == "null":
            return "a form post must say its origin"
        own = f"{'https' if _https(request) else 'http'}://{request.host}"
        if claimed.rstrip("/") not in self._origins | {own}:
            return "cross-origin form posts are refused"
        return None


def _html(body: str, *, status: int = 200) -> web.Response:
    return web.Response(
        text=body, status=status, content_type="text/html", charset="utf-8", headers=_SECURITY
    )


async def _form(request: web.Request) -> dict[str, str]:
    size = request.content_length or 0
    if size > _MAX_FORM:
        raise web.HTTPRequestEntityTooLarge(max_size=_MAX_FORM, actual_size=size)
    data = await request.post()
    return {key: value for key, value in data.items() if isinstance(value, str)}


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _https(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
