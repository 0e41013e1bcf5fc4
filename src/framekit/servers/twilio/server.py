"""The aiohttp endpoints that connect Twilio calls to framekit pipelines.

* ``POST /twilio/voice``: Twilio asks what to do with an incoming call; the answer
  is TwiML that connects a bidirectional Media Stream to
  ``wss://<WEBHOOK_BASE_URL host>/twilio/stream?token=...``, with the caller's
  number, the called number and the direction as ``<Parameter>``\\ s.
  While the token store cannot answer, ``200`` with TwiML that holds the call and
  retries, then apologises (:mod:`~framekit.servers.twilio.outage`), never ``503``.
* ``POST /twilio/status``: status callbacks (logged, then handed to ``on_status``).
* ``GET /twilio/stream``: the WebSocket. It refuses a missing, forged or expired
  token (403) before the upgrade, a request that is no WebSocket upgrade (426, the
  token left unspent), and a token already used (a token opens one
  stream; the :class:`~framekit.servers.twilio.token_store.TokenStore` remembers
  used tokens, per process by default, in Redis for several servers; 500 when the
  store cannot answer: fail closed), reads ``start``, checks that the token was
  issued for that call and that no other stream of this server uses its
  ``streamSid`` (else it closes 1008), builds the call's
  :class:`~framekit.pipeline.PipelineTask` with the user's factory and runs it. One
  task per call; calls run side by side in the one event loop and a misbehaving one
  ends alone.

Every webhook must carry a valid ``X-Twilio-Signature`` (checked with the
``twilio`` package's :class:`RequestValidator` against ``WEBHOOK_BASE_URL`` plus
the request's path, since a tunnel or proxy changes the URL the server sees);
unsigned or forged requests get 403. Before the signature can be checked the body
is read, and that is bounded too (:mod:`~framekit.servers.twilio.webhook_form`):
``max_body_bytes`` (413 past it), ``body_timeout`` (408, the connection closed, for a
body that trickles in), and only a UTF-8 ``application/x-www-form-urlencoded`` form,
what Twilio sends (400 otherwise, with one log line and no traceback). A signed
voice webhook replayed while its stream token lives is answered with the same token
(see :meth:`TokenStore.issue <framekit.servers.twilio.token_store.TokenStore.issue>`),
so replays mint none.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from loguru import logger

try:
    from aiohttp import WSMsgType, web
    from twilio.request_validator import (  # type: ignore[import-untyped]
        RequestValidator,
        get_signature_algorithm,
    )
    from twilio.twiml.voice_response import (  # type: ignore[import-untyped]
        Connect,
        Stream,
        VoiceResponse,
    )
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        f"framekit.servers.twilio.server needs aiohttp and twilio ({exc.name} is missing): "
        "pip install 'framekit[twilio]'"
    ) from exc

from framekit.frames import EndCause
from framekit.pipeline.task import PipelineTask
from framekit.servers.twilio.admission import AdmissionControl, busy_twiml
from framekit.servers.twilio.outage import StoreOutageAnswer
from framekit.servers.twilio.settings import TwilioSettings
from framekit.servers.twilio.stream_token import (
    TokenError,
    sign_stream_token,
    verify_stream_token,
)
from framekit.servers.twilio.token_store import (
    InMemoryTokenStore,
    TokenStore,
    TokenStoreUnavailable,
)
from framekit.servers.twilio.webhook_form import read_form, webhook
from framekit.transports.twilio.limits import StreamLimits
from framekit.transports.twilio.protocol import MAX_MESSAGE_CHARS, StartMessage
from framekit.transports.twilio.transport import (
    CLOSE_POLICY_VIOLATION,
    StreamRefused,
    TwilioMediaStreamTransport,
)

__all__ = ["AiohttpMediaSocket", "PipelineFactory", "TwilioServer", "TwilioSettings"]

PipelineFactory = Callable[
    [TwilioMediaStreamTransport, StartMessage], PipelineTask | Awaitable[PipelineTask]
]
"""Builds one call's task from its transport and its ``start`` message (may be async)."""

StatusHook = Callable[[dict[str, str]], Awaitable[None] | None]


class AiohttpMediaSocket:
    """Adapts aiohttp's server WebSocket to the transport's ``MediaStreamSocket``."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self._ws = ws

    async def receive(self) -> str | bytes | None:
        msg = await self._ws.receive()
        if msg.type is WSMsgType.TEXT:
            return str(msg.data)
        if msg.type is WSMsgType.BINARY:
            return bytes(msg.data)
        if msg.type is WSMsgType.ERROR:
            logger.info(f"twilio socket error: {msg.data!r} (close code {self._ws.close_code})")
        return None

    async def send(self, text: str) -> None:
        if self._ws.closed:
            raise ConnectionResetError("websocket closed")
        await self._ws.send_str(text)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self._ws.close(code=code, message=reason.encode())


class TwilioServer:
    """The Twilio routes of an aiohttp app, and the calls they run.

    ``factory`` builds each call's task. ``transport_options`` go to every
    :class:`TwilioMediaStreamTransport` (``send_ahead``, ``mark_every``, ...).
    ``stream_parameters`` adds ``<Parameter>``\\ s from the voice webhook's form.
    ``admission`` bounds the calls this server takes at once (a busy answer beyond,
    :mod:`~framekit.servers.twilio.admission`; default: no limit). ``token_store``
    remembers used stream tokens (default: this process's memory;
    servers behind one load balancer share a
    :class:`~framekit.servers.twilio.redis_token_store.RedisTokenStore`). The
    caller owns it and closes it. ``store_outage`` is what the voice webhook answers while
    that store cannot (hold, retry, then apologise: :mod:`~framekit.servers.twilio.outage`).
    ``max_body_bytes`` and ``body_timeout`` bound a
    webhook's body (also attributes, to change on a built server).
    """

    def __init__(
        self,
        settings: TwilioSettings,
        factory: PipelineFactory,
        *,
        limits: StreamLimits | None = None,
        token_ttl: float = 30.0,
        transport_options: Mapping[str, Any] | None = None,
        stream_parameters: Callable[[Mapping[str, str]], Mapping[str, str]] | None = None,
        on_status: StatusHook | None = None,
        admission: AdmissionControl | None = None,
        token_store: TokenStore | None = None,
        store_outage: StoreOutageAnswer | None = None,
        max_body_bytes: int = 64 * 1024,
        body_timeout: float = 10.0,
    ) -> None:
        self.settings = settings
        self.max_body_bytes = max_body_bytes
        """Largest webhook body read (Twilio's are a few KiB); 413 past it."""
        self.body_timeout = body_timeout
        """Seconds a webhook's body may take to arrive; 408 and the connection closed after."""
        self._factory = factory
        self._limits = limits or StreamLimits()
        self._token_ttl = token_ttl
        self._transport_options = dict(transport_options or {})
        self._stream_parameters = stream_parameters
        self._on_status = on_status
        self.admission = admission or AdmissionControl(None, pending_ttl=token_ttl)
        """Who may call: the capacity, the calls admitted, the refusals."""
        self._validator = RequestValidator(settings.auth_token)
        self._calls: dict[str, PipelineTask] = {}
        self._stream_sids: set[str] = set()  # the calls starting or running
        self.token_store: TokenStore = InMemoryTokenStore() if token_store is None else token_store
        self._idle = asyncio.Event()
        self._idle.set()
        self.refused_streams = 0
        self.store_outage = store_outage or StoreOutageAnswer()
        """What a call hears while the token store is away (an attribute, to change)."""
        self.held_webhooks = 0
        """Voice webhooks answered hold-and-retry because the token store was away."""
        self.apologised_calls = 0
        """Calls apologised to and hung up after their retries (the store still away)."""

    @property
    def active_calls(self) -> Mapping[str, PipelineTask]:
        """Running calls by ``streamSid``."""
        return self._calls

    async def wait_until_idle(self) -> None:
        """Wait until no call runs (each finished call has ended all its tasks)."""
        await self._idle.wait()

    def add_routes(self, app: web.Application) -> None:
        """Add the three routes to ``app``, and end every call when the app shuts down."""
        app.router.add_post("/twilio/voice", webhook(self._voice))
        app.router.add_post("/twilio/status", webhook(self._status))
        app.router.add_get("/twilio/stream", self._stream)
        app.on_shutdown.append(self._shutdown)

    def make_app(self) -> web.Application:
        """A new aiohttp app with only the Twilio routes."""
        app = web.Application()
        self.add_routes(app)
        return app

    # --- webhooks --------------------------------------------------------------------------

    async def _signed_form(self, request: web.Request) -> Mapping[str, str]:
        form = await read_form(request, max_bytes=self.max_body_bytes, within=self.body_timeout)
        signature = request.headers.get("X-Twilio-Signature", "")
        algorithm = get_signature_algorithm(
            request.headers.get("X-Twilio-Webhooks-Signature-Settings")
        )
        url = self.settings.public_url(request.path_qs)
        if not signature or not self._validator.validate(url, form, signature, algorithm):
            why = "unsigned" if not signature else "bad signature"
            logger.warning(f"twilio webhook {request.path} refused ({why}) from {request.remote}")
            raise web.HTTPForbidden(text="invalid Twilio signature")
        return {key: str(value) for key, value in form.items()}

    async def _voice(self, request: web.Request) -> web.Response:
        form = await self._signed_form(request)
        call_sid = form.get("CallSid", "")
        if not call_sid or "." in call_sid or len(call_sid) > 64:
            raise web.HTTPBadRequest(text="CallSid missing or malformed")
        if not self.admission.try_admit(call_sid):
            logger.warning(
                f"twilio call {call_sid}: refused as busy ({self.admission.admitted} calls "
                f"admitted, capacity {self.admission.capacity})"
            )
            return web.Response(text=busy_twiml(), content_type="application/xml")
        fresh = time.time() + self._token_ttl
        try:
            expires = await self.token_store.issue(call_sid, fresh)
        except TokenStoreUnavailable as exc:
            return self._store_outage(request, call_sid, exc)
        if expires != fresh:
            logger.warning(
                f"twilio call {call_sid}: voice webhook again while its stream token lives; "
                "answered with the same token"
            )
        token = sign_stream_token(self.settings.auth_token, call_sid, expires=expires)
        stream = Stream(
            url=self.settings.stream_url(token),
            status_callback=self.settings.public_url("/twilio/status"),
        )
        parameters = {
            "from": form.get("From", ""),
            "to": form.get("To", ""),
            "direction": form.get("Direction", ""),
        }
        if self._stream_parameters is not None:
            parameters.update(self._stream_parameters(form))
        for name, value in parameters.items():
            stream.parameter(name=name, value=value)
        connect = Connect()
        connect.append(stream)
        response = VoiceResponse()
        response.append(connect)
        logger.info(f"twilio call {call_sid}: answering with a media stream")
        return web.Response(text=str(response), content_type="application/xml")

    def _store_outage(
        self, request: web.Request, call_sid: str, error: TokenStoreUnavailable
    ) -> web.Response:
        """``200`` with hold-and-retry or apology TwiML (see
        :mod:`~framekit.servers.twilio.outage`): never ``503``, which would take this
        healthy node out of its load balancer's rotation."""
        self.admission.withdraw(call_sid)
        attempt = _attempt(request.query.get("attempt", ""))
        retry_url = self.settings.public_url(f"/twilio/voice?attempt={attempt + 1}")
        twiml = self.store_outage.answer(attempt, retry_url)
        if attempt >= self.store_outage.retries:
            self.apologised_calls += 1
            what = "apologised and hung up"
        else:
            self.held_webhooks += 1
            what = f"held for a retry ({attempt + 1} of {self.store_outage.retries})"
        logger.error(
            f"twilio call {call_sid}: no stream token issued, the token store is "
            f"unavailable ({error}); {what}"
        )
        return web.Response(text=twiml, content_type="application/xml")

    async def _status(self, request: web.Request) -> web.Response:
        form = await self._signed_form(request)
        status = form.get("CallStatus") or form.get("StreamEvent") or "?"
        logger.info(f"twilio status for call {form.get('CallSid', '?')}: {status}")
        if self._on_status is not None:
            result = self._on_status(dict(form))
            if inspect.isawaitable(result):
                await result
        return web.Response(status=204)

    # --- the stream ------------------------------------------------------------------------

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        try:
            token_call = verify_stream_token(
                self.settings.auth_token, request.query.get("token", "")
            )
        except TokenError as exc:
            self.refused_streams += 1
            logger.warning(f"twilio stream refused from {request.remote}: {exc}")
            raise web.HTTPForbidden(text=str(exc)) from None
        token = request.query["token"]
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_CHARS * 4, autoping=True)
        if not ws.can_prepare(request).ok:
            # Checked before the token is spent: a plain GET must not burn a call's stream.
            self.refused_streams += 1
            logger.warning(
                f"twilio stream for call {token_call} refused from {request.remote}: "
                "not a WebSocket upgrade (token not spent)"
            )
            raise web.HTTPUpgradeRequired(
                text="expected a WebSocket upgrade",
                headers={"Upgrade": "websocket", "Connection": "Upgrade"},
            )
        try:
            first = await self.token_store.first_use(token, float(token.split(".")[1]))
        except TokenStoreUnavailable as exc:
            # Fail closed: a token we cannot check could be a replay on another server.
            # 500, not 503: every node shares the store, so a balancer must neither retry
            # another node nor count this healthy one as failed (docs/deploy.md).
            self.refused_streams += 1
            logger.error(
                f"twilio stream for call {token_call} refused: the token store is "
                f"unavailable ({exc})"
            )
            raise web.HTTPInternalServerError(text="stream token store unavailable") from None
        if not first:
            self.refused_streams += 1
            logger.warning(f"twilio stream token for {token_call} used twice; refused")
            raise web.HTTPForbidden(text="stream token already used")
        await ws.prepare(request)
        transport = TwilioMediaStreamTransport(
            AiohttpMediaSocket(ws), limits=self._limits, **self._transport_options
        )
        try:
            start = await transport.handshake()
        except StreamRefused as exc:
            self.refused_streams += 1
            logger.warning(f"twilio stream for call {token_call} refused: {exc}")
            return ws
        if start.call_sid != token_call:
            self.refused_streams += 1
            logger.warning(f"twilio stream token for {token_call} used by call {start.call_sid}")
            await transport.close(CLOSE_POLICY_VIOLATION, "token issued for another call")
            return ws
        await self._run_call(transport, start)
        return ws

    async def _run_call(self, transport: TwilioMediaStreamTransport, start: StartMessage) -> None:
        sid = start.stream_sid
        if sid in self._stream_sids:
            # Calls are kept by streamSid: a second stream with the same one would take
            # the first's place. Twilio never repeats one; a peer that does is refused.
            self.refused_streams += 1
            logger.warning(
                f"twilio stream {sid} for call {start.call_sid} refused: another stream "
                "on this server already has that streamSid"
            )
            await transport.close(CLOSE_POLICY_VIOLATION, "streamSid already in use")
            return
        self._stream_sids.add(sid)
        self._idle.clear()
        try:
            await self._build_and_run(transport, start)
        finally:
            self._stream_sids.discard(sid)
            if not self._stream_sids:
                self._idle.set()

    async def _build_and_run(
        self, transport: TwilioMediaStreamTransport, start: StartMessage
    ) -> None:
        try:
            built = self._factory(transport, start)
            task = await built if inspect.isawaitable(built) else built
        except Exception as exc:
            logger.opt(exception=exc).error(f"call {start.call_sid}: the pipeline factory failed")
            await transport.close(1011, "server error")
            return
        self._calls[start.stream_sid] = task
        self.admission.started(start.call_sid)
        try:
            await task.run()
        finally:
            await transport.close()
            self._calls.pop(start.stream_sid, None)
            self.admission.ended(start.call_sid)
            logger.info(
                f"call {start.call_sid} finished: {task.end_reason or transport.end_reason}"
            )

    async def _shutdown(self, app: web.Application) -> None:
        calls = list(self._calls.values())
        if calls:
            logger.info(f"shutting down: cancelling {len(calls)} call(s)")
            await asyncio.gather(
                *(task.cancel("server shutting down", EndCause.SHUTDOWN) for task in calls),
                return_exceptions=True,
            )


def _attempt(value: str) -> int:
    """The ``attempt`` of a retried voice webhook (0 for the first or a malformed one)."""
    return int(value) if value.isdigit() and len(value) < 4 else 0
