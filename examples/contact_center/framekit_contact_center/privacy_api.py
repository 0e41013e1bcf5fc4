"""The API's privacy routes: ``DELETE /api/callers/{number}`` and ``GET /api/audit``.

Both stand behind the API token (:meth:`CallsAPI.authorized`); the erasure behind the
token only, since a dashboard session stands for it on ``GET`` and ``HEAD`` alone. They
run on the API's query threads, within its time limit, like every other route.

``DELETE /api/callers/{number}`` (the number URL-encoded: ``%2B15550100``; a ``+`` in a
path is a plus) erases every call of that caller (:func:`framekit.storage.erasure.erase_caller`)
and answers the counts: ``{"calls": 3, "rows": {...}, "files": {"deleted": 6},
"complete": true}``; ``complete`` false (status 500) when a recording could not be
deleted, and a second request finishes the job. ``GET /api/audit`` lists the audit
log, newest first: ``limit`` (1-500, 100), ``before`` (an id: the next page) and
``action``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import Engine

from framekit.storage.audit import ACTIONS, AuditEntry, caller_target, list_events, record_event
from framekit.storage.erasure import ErasureReport, check_caller, erase_caller
from framekit.storage.purge import RecordingDeleter
from framekit_contact_center.api import ACTOR, CallsAPI

__all__ = ["PrivacyAPI"]

_MAX_AUDIT = 500


class PrivacyAPI:
    """Erasure and the audit log over ``engine``, behind ``api``'s token; ``deleter``
    removes the recordings (:func:`framekit_contact_center.retention.recording_deleter`)."""

    def __init__(self, api: CallsAPI, engine: Engine, deleter: RecordingDeleter) -> None:
        self._api = api
        self._engine = engine
        self._deleter = deleter

    def add_routes(self, app: web.Application) -> None:
        """Add ``DELETE /api/callers/{number}`` and ``GET /api/audit`` to ``app``."""
        app.router.add_delete("/api/callers/{number}", self._api.authorized(self._erase))
        app.router.add_get("/api/audit", self._api.authorized(self._audit))

    async def _erase(self, request: web.Request) -> web.Response:
        try:
            number = check_caller(request.match_info["number"])
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        report = await self._api.query(self._erase_logged, number, request[ACTOR])
        return web.json_response(report.as_dict(), status=200 if report.complete else 500)

    def _erase_logged(self, number: str, actor: str) -> ErasureReport:
        report = erase_caller(self._engine, number, delete_recording=self._deleter)
        record_event(self._engine, actor, "erase", caller_target(number), report.as_dict())
        return report

    async def _audit(self, request: web.Request) -> web.Response:
        query = request.query
        action = query.get("action")
        if action is not None and action not in ACTIONS:
            return web.json_response(
                {"error": f"'action' must be one of {', '.join(ACTIONS)}"}, status=400
            )
        try:
            limit = int(query.get("limit", "100"))
            before = int(query["before"]) if "before" in query else None
        except ValueError:
            return web.json_response({"error": "'limit' and 'before' are integers"}, status=400)
        if before is not None and not 1 <= before <= 2**31:
            return web.json_response({"error": "'before' is an event id"}, status=400)
        if not 1 <= limit <= _MAX_AUDIT:
            return web.json_response({"error": f"'limit' is 1 to {_MAX_AUDIT}"}, status=400)
        events = await self._api.query(
            list_events, self._engine, limit=limit, before=before, action=action
        )
        return web.json_response({"events": [_event(entry) for entry in events]})


def _event(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "details": entry.details,
    }
