"""The aiohttp endpoints that connect browser calls to framekit pipelines.

* ``POST /webrtc/offer``: the page's SDP offer (``{"sdp": ..., "type": "offer"}``) in,
  the answer out (``{"sdp": ..., "type": "answer", "call_id": ...}``, and the call's
  resource in ``Location``). The answer carries every candidate of the server
  (aiortc gathers them before it answers); the offer carries the page's (posted
  once ``icegatheringstate`` is ``complete``), or none and they follow:
* ``PATCH /webrtc/calls/{call_id}``: the page's candidates as it finds them (trickle
  ICE, as WHIP does: :mod:`.trickle`), 204.

One peer connection and one pipeline per call.
* ``GET /webrtc/config``: the ICE servers the page's peer connection should use.
* ``GET /call``: the softphone page (:mod:`framekit.servers.webrtc.page`).

The ``/webrtc`` routes need ``Authorization: Bearer <API token>``, as the calls API
does, or, when the server is given the dashboard's sessions, a signed-in session
with the dashboard's CSRF protection on writes (:mod:`.auth`). The page uses the
session when there is one (``GET /webrtc/config`` then gives it the CSRF token),
else asks for the token and keeps it in the tab's session storage. A bad offer is
a 400 with one log line; a call beyond the admission's capacity a 503
``{"error": "busy"}``, before any peer connection exists. The offer's body is
bounded (``max_offer_bytes``, 413 past it).

Each call runs in a task this server owns: it ends when the pipeline ends, and
then closes the peer connection; the app's shutdown cancels every call.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from loguru import logger

try:
    from aiohttp import web
    from aiortc import RTCPeerConnection
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        f"framekit.servers.webrtc needs aiohttp and aiortc ({exc.name} is missing): "
        "pip install 'framekit[webrtc]'"
    ) from exc

from framekit.frames import EndCause
from framekit.pipeline.task import PipelineTask
from framekit.servers.webrtc.auth import Sessions, SignallingAuth
from framekit.servers.webrtc.page import PageFiles
from framekit.servers.webrtc.settings import WebRTCSettings
from framekit.servers.webrtc.trickle import (
    MAX_BODY_BYTES,
    MAX_CANDIDATES,
    CandidateError,
    parse_trickle,
)
from framekit.transports.webrtc import OfferRefused, WebRTCTransport

__all__ = ["Admission", "PipelineFactory", "WebRTCCall", "WebRTCServer"]


@dataclass(frozen=True, slots=True)
class WebRTCCall:
    """What the server knows of a call when it builds its pipeline."""

    call_id: str
    """The server's id for the call (also in the answer, for the page)."""
    remote: str | None
    """The address the offer came from."""
    user_agent: str


PipelineFactory = Callable[[WebRTCTransport, WebRTCCall], PipelineTask | Awaitable[PipelineTask]]
"""Builds one call's task from its transport (may be async); add ``transport.events`` to
its observers for the page's live transcript."""


class Admission(Protocol):
    """Who may call (the Twilio server's :class:`AdmissionControl` fits: one capacity for both)."""

    def try_admit(self, call_sid: str) -> bool: ...
    def started(self, call_sid: str) -> None: ...
    def ended(self, call_sid: str) -> None: ...


class WebRTCServer:
    """The WebRTC routes of an aiohttp app, and the calls they run.

    ``factory`` builds each call's task. ``admission`` bounds the calls taken at once
    (shared with the Twilio server in ``framekit serve``: a browser call is a call).
    ``answer_timeout`` bounds the offer's handling (ICE gathering included);
    ``connect_timeout`` the time from the answer until the connection is up. The
    pipeline starts once it is: a greeting spoken before would reach nobody.
    ``sessions`` (the application's :class:`~framekit.servers.dashboard.Dashboard`)
    lets a signed-in user call without the token.
    """

    def __init__(
        self,
        settings: WebRTCSettings,
        factory: PipelineFactory,
        *,
        admission: Admission | None = None,
        max_offer_bytes: int = 64 * 1024,
        answer_timeout: float = 10.0,
        connect_timeout: float = 15.0,
        realtime: bool = True,
        sessions: Sessions | None = None,
    ) -> None:
        self.settings = settings
        self._factory = factory
        self.admission = admission
        self.max_offer_bytes = max_offer_bytes
        self.answer_timeout = answer_timeout
        self.connect_timeout = connect_timeout
        """Seconds from the answer until media flows; the call is dropped past them."""
        self._realtime = realtime
        self._auth = SignallingAuth(settings.api_token, sessions)
        self._calls: dict[str, PipelineTask] = {}
        self._transports: dict[str, WebRTCTransport] = {}
        self._runners: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._page = PageFiles()
        self.refused_offers = 0

    @property
    def active_calls(self) -> Mapping[str, PipelineTask]:
        """Running calls by call id."""
        return self._calls

    @property
    def transports(self) -> Mapping[str, WebRTCTransport]:
        """The calls' transports by call id, from the answer until the call has ended."""
        return self._transports

    async def wait_until_idle(self) -> None:
        """Wait until no call runs (each finished call has closed its peer connection)."""
        await self._idle.wait()

    def add_routes(self, app: web.Application) -> None:
        """Add the routes to ``app``, and end every call when the app shuts down."""
        app.router.add_post("/webrtc/offer", self._authorized(self._offer))
        app.router.add_get("/webrtc/config", self._authorized(self._config))
        app.router.add_patch("/webrtc/calls/{call_id}", self._authorized(self._trickle))
        self._page.add_routes(app)
        app.on_shutdown.append(self._shutdown)

    def make_app(self) -> web.Application:
        """A new aiohttp app with only the WebRTC routes."""
        app = web.Application()
        self.add_routes(app)
        return app

    # --- handlers --------------------------------------------------------------------------

    def _authorized(
        self, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def checked(request: web.Request) -> web.StreamResponse:
            refusal = await self._auth.refusal(request)
            if refusal is not None:
                self.refused_offers += request.method == "POST"
                return refusal
            return await handler(request)

        return checked

    async def _config(self, request: web.Request) -> web.Response:
        config: dict[str, Any] = {
            "iceServers": [server.to_json() for server in self.settings.ice_servers]
        }
        csrf = await self._auth.csrf(request)
        if csrf is not None:
            config["csrf"] = csrf  # the page's writes as the signed-in user carry it
        return web.json_response(config, headers={"Cache-Control": "no-store"})

    async def _offer(self, request: web.Request) -> web.Response:
        sdp = await self._read_offer(request)
        call_id = uuid.uuid4().hex
        admission = self.admission
        if admission is not None and not admission.try_admit(call_id):
            self.refused_offers += 1
            logger.warning(f"webrtc call from {request.remote}: refused as busy")
            return web.json_response({"error": "busy"}, status=503)
        transport = WebRTCTransport(
            RTCPeerConnection(self.settings.rtc_configuration()), realtime=self._realtime
        )
        try:
            async with asyncio.timeout(self.answer_timeout):
                answer = await transport.accept(sdp)
        except (OfferRefused, TimeoutError) as exc:
            await self._refuse(transport, call_id)
            logger.warning(f"webrtc offer from {request.remote} refused: {exc or 'timeout'}")
            return web.json_response({"error": str(exc) or "timeout"}, status=400)
        call = WebRTCCall(call_id, request.remote, request.headers.get("User-Agent", "")[:200])
        self._start(call, transport)
        logger.info(f"webrtc call {call_id} from {request.remote}: answered")
        return web.json_response(
            {"sdp": answer.sdp, "type": answer.type, "call_id": call_id},
            headers={"Location": f"/webrtc/calls/{call_id}"},
        )

    async def _trickle(self, request: web.Request) -> web.Response:
        transport = self._transports.get(request.match_info["call_id"])
        if transport is None or transport.closed:
            return web.json_response({"error": "no such call"}, status=404)
        try:
            trickled = parse_trickle(await _read_body(request, MAX_BODY_BYTES))
            if transport.trickled + len(trickled.candidates) > MAX_CANDIDATES:
                raise CandidateError(f"more than {MAX_CANDIDATES} candidates for the call")
        except CandidateError as exc:
            logger.warning(f"webrtc candidates from {request.remote} refused: {exc}")
            return web.json_response({"error": str(exc)}, status=400)
        await transport.add_candidates(trickled.candidates, end=trickled.end)
        return web.Response(status=204)

    async def _read_offer(self, request: web.Request) -> str:
        body = await _read_body(request, self.max_offer_bytes)
        try:
            data: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            data = None
        if (
            not isinstance(data, dict)
            or data.get("type") != "offer"
            or not isinstance(data.get("sdp"), str)
        ):
            self.refused_offers += 1
            raise web.HTTPBadRequest(
                text='{"error": "expected {\\"type\\": \\"offer\\", \\"sdp\\": ...}"}',
                content_type="application/json",
            )
        sdp: str = data["sdp"]
        return sdp

    async def _refuse(self, transport: WebRTCTransport, call_id: str) -> None:
        self.refused_offers += 1
        await transport.close()
        if self.admission is not None:
            self.admission.ended(call_id)

    # --- the calls -------------------------------------------------------------------------

    def _start(self, call: WebRTCCall, transport: WebRTCTransport) -> None:
        self._transports[call.call_id] = transport
        self._idle.clear()
        runner = asyncio.get_running_loop().create_task(
            self._run(call, transport), name=f"framekit:{call.call_id}:webrtc-call"
        )
        self._runners.add(runner)
        runner.add_done_callback(self._runners.discard)

    async def _run(self, call: WebRTCCall, transport: WebRTCTransport) -> None:
        """One call: wait for the connection, build the pipeline, run it, close everything.

        The pipeline is built once media can flow, so a call that never connects
        leaves no record, and its greeting is not spoken to nobody.
        """
        call_id = call.call_id
        task: PipelineTask | None = None
        try:
            if not await transport.wait_connected(self.connect_timeout):
                logger.warning(
                    f"webrtc call {call_id}: no connection within {self.connect_timeout:.0f}s "
                    f"({transport.connection_state}); dropped"
                )
                return
            built = self._factory(transport, call)
            task = await built if inspect.isawaitable(built) else built
            self._calls[call_id] = task
            if self.admission is not None:
                self.admission.started(call_id)
            await task.run()
        except Exception as exc:
            logger.opt(exception=exc).error(f"webrtc call {call_id} failed")
        finally:
            await transport.close()
            self._calls.pop(call_id, None)
            self._transports.pop(call_id, None)
            if self.admission is not None:
                self.admission.ended(call_id)
            if not self._transports:
                self._idle.set()
            ended = task.end_reason if task is not None else None
            logger.info(f"webrtc call {call_id} finished: {ended or transport.end_reason}")

    async def _shutdown(self, app: web.Application) -> None:
        calls = list(self._calls.values())
        if calls:
            logger.info(f"shutting down: cancelling {len(calls)} browser call(s)")
            await asyncio.gather(
                *(task.cancel("server shutting down", EndCause.SHUTDOWN) for task in calls),
                return_exceptions=True,
            )
        for runner in self._runners:
            runner.cancel()  # the calls still waiting for their connection
        if self._runners:
            await asyncio.gather(*self._runners, return_exceptions=True)


async def _read_body(request: web.Request, limit: int) -> bytes:
    """The request's body, 413 past ``limit`` bytes (whatever ``Content-Length`` claims)."""
    if (request.content_length or 0) > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length or 0)
    body = await request.content.read(limit + 1)
    if len(body) > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    return body
