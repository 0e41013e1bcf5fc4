"""The JSON API over the call records: ``GET /api/calls`` and ``GET /api/calls/{call_id}``.

Every route here needs ``Authorization: Bearer <API_TOKEN>``; the token is
compared in constant time (:func:`hmac.compare_digest`), so the time of a
refusal says nothing about how much of a guess was right. The queries are
:func:`framekit.storage.list_calls` and :func:`framekit.storage.get_call`, run in a
worker thread: a slow database never holds up the event loop that moves the
calls' audio.

A recording's link is ``/api/calls/{call_id}/recordings/{track}`` when its file
lies in the recordings directory (served here, behind the same token), or the
location itself when it is a URL. An uploaded copy (the record's ``{track}.remote``,
``s3://bucket/key``) shows as the track's ``remote``, with ``remote_url``: a
presigned HTTPS link (one hour) when the server signs for that bucket.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import Engine

from framekit.storage import CallDetails, get_call, list_calls
from framekit.storage.models import Call

__all__ = ["CallsAPI", "call_summary"]

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_MAX_LIMIT = 200
_REMOTE = ".remote"


class CallsAPI:
    """The API's routes over ``engine``; ``token`` is what ``Authorization: Bearer`` must carry.

    ``recordings_dir`` is the only directory whose files the API serves.
    ``remote_link`` turns an uploaded copy's location into a link (a presigned URL), or None.
    """

    def __init__(
        self,
        engine: Engine,
        token: str,
        recordings_dir: Path,
        *,
        remote_link: Callable[[str], str | None] | None = None,
    ) -> None:
        if not token:
            raise ValueError("the API needs a token (API_TOKEN)")
        self._engine = engine
        self._token = token.encode()
        self._recordings_dir = recordings_dir.resolve()
        self._remote_link = remote_link

    def add_routes(self, app: web.Application) -> None:
        """Add ``/api/calls``, ``/api/calls/{call_id}`` and its recordings to ``app``."""
        app.router.add_get("/api/calls", self.authorized(self._list))
        app.router.add_get("/api/calls/{call_id}", self.authorized(self._get))
        app.router.add_get(
            "/api/calls/{call_id}/recordings/{track}", self.authorized(self._recording)
        )

    # --- authentication ------------------------------------------------------------------

    def authorized(self, handler: _Handler) -> _Handler:
        """``handler`` behind the API token (the serve app's other API routes use it too)."""

        async def checked(request: web.Request) -> web.StreamResponse:
            scheme, _, given = request.headers.get("Authorization", "").partition(" ")
            ok = scheme.lower() == "bearer" and hmac.compare_digest(
                given.strip().encode(), self._token
            )
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
        offset = _integer(query, "offset", 0, 0, None)
        outcome = query.get("outcome") or None
        page = await asyncio.to_thread(
            list_calls,
            self._engine,
            started_from=started_from,
            started_before=started_before,
            outcome=outcome,
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
        body = await asyncio.to_thread(self._details_of, call_id)
        if body is None:
            return web.json_response({"error": f"no call {call_id!r}"}, status=404)
        return web.json_response(body)

    async def _recording(self, request: web.Request) -> web.StreamResponse:
        call_id, track = request.match_info["call_id"], request.match_info["track"]
        details = await asyncio.to_thread(get_call, self._engine, call_id)
        location = details.call.recordings.get(track) if details is not None else None
        path = self._local_file(location) if location else None
        if path is None or not path.is_file():
            return web.json_response(
                {"error": f"no recording {track!r} for call {call_id!r}"}, status=404
            )
        return web.FileResponse(path, headers={"Content-Type": "audio/wav"})

    # --- JSON ------------------------------------------------------------------------------

    def _details_of(self, call_id: str) -> dict[str, Any] | None:
        """The call's JSON, in a worker thread (the query, and a look at the files)."""
        details = get_call(self._engine, call_id)
        return self._details(details) if details is not None else None

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
    """A ``YYYY-MM-DD`` (or full ISO 8601) query parameter as an aware datetime; 400 if bad.

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
    except ValueError:
        raise _bad(f"{name!r} must be an ISO 8601 date (YYYY-MM-DD), got {raw!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _integer(query: Any, name: str, default: int, low: int, high: int | None) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(f"{name!r} must be an integer, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise _bad(f"{name!r} must be {bounds}, got {value}")
    return value


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": message}), content_type="application/json")
