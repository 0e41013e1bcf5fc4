"""The JSON API over the call records: ``GET /api/calls`` and ``GET /api/calls/{call_id}``.

Every route here needs ``Authorization: Bearer <API_TOKEN>``; the token is
compared in constant time (:func:`hmac.compare_digest`), so the time of a
refusal says nothing about how much of a guess was right. A ``GET`` may instead
carry the dashboard's session cookie (``session``: the pages read the API with it);
nothing else does, so a page's session can never change anything through the API.
The queries are :func:`framekit.storage.list_calls` and
:func:`framekit.storage.get_call`, run on the API's own few threads
(``query_threads``, 4), not the event loop's default pool that the calls' tools and
models use: a slow database, or a client asking a lot, holds up neither the event
loop that moves the calls' audio nor the calls' own work. A query waits at most
``query_timeout`` seconds (10, queue included), then the answer is 503,
as it is when the database fails (one log line, no traceback).

``GET /api/calls`` filters by ``from``/``to`` (dates), ``outcome`` and ``q`` (text in the
caller's number or the transcript), and pages with ``limit``/``offset``.

Post-call analytics (:mod:`framekit.analytics`, analysed by the job in
:mod:`framekit_contact_center.analytics`): ``GET /api/calls/{call_id}`` carries the
call's ``"analytics"`` (null until its analysis is stored), and ``GET /api/analytics``
aggregates the analysed calls of a period (``since``/``until``, ISO 8601; default the
last 30 days) by ``bucket`` (``hour`` or ``day``, UTC), in SQL
(:func:`framekit.storage.aggregates.analytics_summary`).

A bad parameter is a 400 naming it: a date that is not ISO 8601 or falls outside
the years 1-9999 once made UTC, an integer out of its range (``offset`` up to
10^9), an ``outcome`` with control characters.

A recording's link is ``/api/calls/{call_id}/recordings/{track}`` when its file
lies in the recordings directory (served here, behind the same token; an encrypted
one decrypted as it streams, ``Range`` honoured; each play is written to the audit
log, :mod:`framekit.storage.audit`), or the
location itself when it is a URL. An uploaded copy (the record's ``{track}.remote``,
``s3://bucket/key``) shows as the track's ``remote``, with ``remote_url``: a
presigned HTTPS link (one hour) when the server signs for that bucket.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from loguru import logger
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from framekit.analytics import analytics_json
from framekit.privacy.envelope import KeyRing
from framekit.storage import CallDetails, get_call, list_calls
from framekit.storage.aggregates import BUCKETS, analytics_summary
from framekit.storage.audit import record_event, token_actor
from framekit.storage.models import Call
from framekit.storage.queries import get_analysis
from framekit_contact_center.recording_files import serve_recording

__all__ = ["ACTOR", "CallsAPI", "call_summary"]

ACTOR = web.RequestKey("framekit_actor", str)
"""The request key :meth:`CallsAPI.authorized` sets: who the audit log says acted
(``token:<hash>`` of the API token, or ``dashboard`` for a session)."""

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_T = TypeVar("_T")
_MAX_LIMIT = 200
_MAX_OFFSET = 10**9
_MAX_TEXT = 128  # an outcome, a call id: short words
_REMOTE = ".remote"
_DEFAULT_PERIOD = timedelta(days=30)  # /api/analytics without since: the last 30 days


class CallsAPI:
    """The API's routes over ``engine``; ``token`` is what ``Authorization: Bearer`` must carry.

    ``recordings_dir`` is the only directory whose files the API serves.
    ``remote_link`` turns an uploaded copy's location into a link (a presigned URL), or None.
    ``query_threads`` threads of the API's own run the queries, each within
    ``query_timeout`` seconds. ``session`` says whether a request carries a valid
    dashboard session (it then stands for the token on ``GET`` and ``HEAD``).
    ``recording_keys`` decrypt encrypted recordings as they are served.
    """

    def __init__(
        self,
        engine: Engine,
        token: str,
        recordings_dir: Path,
        *,
        remote_link: Callable[[str], str | None] | None = None,
        query_threads: int = 4,
        query_timeout: float = 10.0,
        session: Callable[[web.Request], Awaitable[bool]] | None = None,
        recording_keys: KeyRing | None = None,
    ) -> None:
        if not token:
            raise ValueError("the API needs a token (API_TOKEN)")
        self._engine = engine
        self._token = token.encode()
        self._actor = token_actor(token)
        self._recordings_dir = recordings_dir.resolve()
        self._remote_link = remote_link
        self._query_timeout = query_timeout
        self._session = session
        self._recording_keys = recording_keys
        self._executor = ThreadPoolExecutor(query_threads, thread_name_prefix="framekit-api")

    def add_routes(self, app: web.Application) -> None:
        """Add ``/api/calls``, ``/api/calls/{call_id}`` and its recordings to ``app``;
        the query threads end when it cleans up."""
        app.router.add_get("/api/calls", self.authorized(self._list))
        app.router.add_get("/api/calls/{call_id}", self.authorized(self._get))
        app.router.add_get(
            "/api/calls/{call_id}/recordings/{track}", self.authorized(self._recording)
        )
        app.router.add_get("/api/analytics", self.authorized(self._analytics))
        app.on_cleanup.append(self._close)

    async def _close(self, app: web.Application) -> None:
        # Not waiting: a query stuck on a dead database must not hold up shutdown.
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def query(self, work: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """``work(*args, **kwargs)`` on the API's threads, within ``query_timeout``; 503 if
        the database fails or does not answer in time."""
        loop = asyncio.get_running_loop()
        call = functools.partial(work, *args, **kwargs)
        try:
            async with asyncio.timeout(self._query_timeout):
                return await loop.run_in_executor(self._executor, call)
        except TimeoutError:
            why = f"the database did not answer within {self._query_timeout:g} s"
        except (SQLAlchemyError, OSError) as exc:
            why = f"the database failed: {type(exc).__name__}"
        logger.warning(f"calls API: {why}")
        raise web.HTTPServiceUnavailable(
            text=json.dumps({"error": why}), content_type="application/json"
        )

    # --- authentication ------------------------------------------------------------------

    def authorized(self, handler: _Handler) -> _Handler:
        """``handler`` behind the API token (the serve app's other API routes use it too)."""

        async def checked(request: web.Request) -> web.StreamResponse:
            scheme, _, given = request.headers.get("Authorization", "").partition(" ")
            ok = scheme.lower() == "bearer" and hmac.compare_digest(
                given.strip().encode(), self._token
            )
            request[ACTOR] = self._actor
            if not ok and self._session is not None and request.method in ("GET", "HEAD"):
                ok = await self._session(request)
                request[ACTOR] = "dashboard"
            if not ok:
                return web.json_response(
                    {"error": "missing or wrong API token"},
                    status=401,
                    headers={"WWW-Authenticate": 'Bearer realm="framekit"'},
                )
            return await handler(request)

        return checked

    # --- handlers ------------------------------------------------------------------------

    async def _list(self, request: web.Request) -> web.Response:
        query = request.query
        started_from = _when(query, "from")
        started_before = _when(query, "to", end_of_day=True)
        limit = _integer(query, "limit", 50, 1, _MAX_LIMIT)
        offset = _integer(query, "offset", 0, 0, _MAX_OFFSET)
        outcome = _word(query, "outcome")
        search = _word(query, "q")
        page = await self.query(
            list_calls,
            self._engine,
            started_from=started_from,
            started_before=started_before,
            outcome=outcome,
            search=search,
            limit=limit,
            offset=offset,
        )
        return web.json_response(
            {
                "calls": [call_summary(call) for call in page.calls],
                "total": page.total,
                "limit": page.limit,
                "offset": page.offset,
            }
        )

    async def _get(self, request: web.Request) -> web.Response:
        call_id = request.match_info["call_id"]
        body = await self.query(self._details_of, call_id) if _plausible(call_id) else None
        if body is None:
            return web.json_response({"error": f"no call {call_id!r}"}, status=404)
        return web.json_response(body)

    async def _analytics(self, request: web.Request) -> web.Response:
        query = request.query
        until = _when(query, "until", end_of_day=True) or datetime.now(UTC)
        since = _when(query, "since") or until - _DEFAULT_PERIOD
        bucket = query.get("bucket") or "day"
        if bucket not in BUCKETS:
            raise _bad(f"'bucket' must be hour or day, got {_cut(bucket)}")
        try:
            body = await self.query(analytics_summary, self._engine, since, until, bucket)
        except ValueError as exc:  # an empty period, more than MAX_BUCKETS buckets
            raise _bad(str(exc)) from None
        return web.json_response(body)

    async def _recording(self, request: web.Request) -> web.StreamResponse:
        call_id, track = request.match_info["call_id"], request.match_info["track"]
        details = await self.query(get_call, self._engine, call_id) if _plausible(call_id) else None
        location = details.call.recordings.get(track) if details is not None else None
        path = self._local_file(location) if location else None
        if path is None or not path.is_file():
            return web.json_response(
                {"error": f"no recording {track!r} for call {call_id!r}"}, status=404
            )
        if request.headers.get("Range", "bytes=0-").strip().startswith("bytes=0-"):
            # A play starts at byte 0; a player's later ranges (seeks) are the same play.
            # No audit row, no audio: a database that cannot log the play refuses it (503).
            await self.query(
                record_event, self._engine, request[ACTOR], "recording_played", f"{call_id}/{track}"
            )
        return await serve_recording(request, path, self._recording_keys, self._executor)

    # --- JSON ------------------------------------------------------------------------------

    def _details_of(self, call_id: str) -> dict[str, Any] | None:
        """The call's JSON, in a worker thread (the query, and a look at the files)."""
        details = get_call(self._engine, call_id)
        if details is None:
            return None
        body = self._details(details)
        body["analytics"] = analytics_json(get_analysis(self._engine, call_id))
        return body

    def _details(self, details: CallDetails) -> dict[str, Any]:
        call = details.call
        return {
            **call_summary(call),
            "recordings": self._recordings(call.id, call.recordings),
            "transcript": [
                segment.model_dump(mode="json", exclude={"id", "call_id"})
                for segment in details.transcript
            ],
            "tools": [
                tool.model_dump(mode="json", exclude={"id", "call_id"}) for tool in details.tools
            ],
            "turns": [
                turn.model_dump(mode="json", exclude={"id", "call_id"}) for turn in details.turns
            ],
        }

    def _recordings(self, call_id: str, recordings: dict[str, str]) -> dict[str, Any]:
        """Each track's local file and link, and its uploaded copy (``{track}.remote``) if any."""
        tracks: dict[str, dict[str, Any]] = {}
        for name, location in sorted(recordings.items()):
            if name.endswith(_REMOTE):
                continue
            tracks[name] = {"location": location, "url": self._link(call_id, name, location)}
        for name, location in sorted(recordings.items()):
            if not name.endswith(_REMOTE):
                continue
            entry = tracks.setdefault(name.removesuffix(_REMOTE), {"location": None, "url": None})
            local = self._local_file(entry["location"]) if entry["location"] else None
            if local is None or not local.is_file():
                entry["url"] = None  # deleted after the upload (RECORDINGS_S3_DELETE_LOCAL)
            entry["remote"] = location
            entry["remote_url"] = self._remote_link(location) if self._remote_link else None
        return tracks

    def _link(self, call_id: str, track: str, location: str) -> str | None:
        if "://" in location:
            return location
        if self._local_file(location) is None:
            return None
        return f"/api/calls/{call_id}/recordings/{track}"

    def _local_file(self, location: str) -> Path | None:
        """``location`` as a file inside the recordings directory, else None (never outside)."""
        if "://" in location:
            return None
        path = Path(location).resolve()
        return path if path.is_relative_to(self._recordings_dir) else None


def call_summary(call: Call) -> dict[str, Any]:
    """A call's own fields as JSON (times in ISO 8601, UTC)."""
    data = call.model_dump(mode="json", exclude={"recordings"})
    duration = None
    if call.ended_at is not None:
        duration = round((call.ended_at - call.started_at).total_seconds(), 3)
    data["duration_s"] = duration
    return data


def _when(query: Any, name: str, *, end_of_day: bool = False) -> datetime | None:
    """A ``YYYY-MM-DD`` (or full ISO 8601) query parameter as a UTC datetime; 400 if bad.

    With ``end_of_day`` a bare date means the end of that day (``to=2026-11-25``
    includes the calls of the 25th).
    """
    raw = query.get(name)
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw) + timedelta(days=1 if end_of_day else 0)
            return datetime.combine(day, time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(raw)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except ValueError:
        raise _bad(f"{name!r} must be an ISO 8601 date (YYYY-MM-DD), got {_cut(raw)}") from None
    except OverflowError:
        raise _bad(f"{name!r} is out of range (years 1 to 9999), got {_cut(raw)}") from None


def _integer(query: Any, name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)  # more than 4,300 digits: ValueError too
    except ValueError:
        raise _bad(f"{name!r} must be an integer, got {_cut(raw)}") from None
    if value < low or value > high:
        raise _bad(f"{name!r} must be from {low} to {high}, got {_cut(raw)}")
    return value


def _word(query: Any, name: str) -> str | None:
    """A short text parameter (``outcome``, ``q``): printable, at most 128 characters, else 400."""
    raw = query.get(name) or None
    if raw is not None and not _plausible(raw):
        raise _bad(f"{name!r} must be up to {_MAX_TEXT} printable characters, got {_cut(raw)}")
    return raw


def _plausible(text: str) -> bool:
    """Could be a call id or an outcome: no control characters (a NUL breaks PostgreSQL)."""
    return len(text) <= _MAX_TEXT and text.isprintable()


def _cut(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:40] + "...")


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": message}), content_type="application/json")
