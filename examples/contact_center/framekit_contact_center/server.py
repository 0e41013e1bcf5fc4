"""``framekit serve``: the contact center on the phone network, its call records over HTTP.

One aiohttp application holds:

* the Twilio routes (:class:`~framekit.servers.twilio.server.TwilioServer`):
  each call's task, the contact-center bot with its recorders, is built by
  :class:`~framekit_contact_center.calls.CallBuilder`. Without any Twilio variable
  there is no phone line: the routes answer 404 and the server takes browser calls
  only (:mod:`framekit_contact_center.phone_line`);
* the WebRTC routes (:class:`~framekit.servers.webrtc.WebRTCServer`, with the
  ``webrtc`` extra): a browser's offer at ``POST /webrtc/offer`` (behind
  ``API_TOKEN`` or a dashboard session) becomes a call of the same bot, with the same
  records and the same admission as a phone call; ``/call`` is the softphone page
  (``docs/webrtc.md``);
* the JSON API over the call records (:mod:`framekit_contact_center.api`);
* ``GET /health``: the database (and Redis, when ``REDIS_URL`` is set) answers, how
  many calls run (no token: load balancers and orchestrators call it); the states
  come from checks in the background (:mod:`framekit_contact_center.health`), so it
  answers at once whatever the database does;
  ``GET /health/live``: the process answers (200 while it runs);
  ``GET /health/ready``: it takes calls: the models are loaded and it is not
  draining (503 otherwise), what a load balancer should route by;
* ``GET /api/live-calls``: the calls running now, on every process that shares
  ``REDIS_URL`` (:mod:`framekit_contact_center.live_calls`), else on this one;
* ``/dashboard``: the operations pages (:mod:`framekit.servers.dashboard`), signed in
  with ``API_TOKEN``; their session cookie also reads the JSON API (``GET`` only);
* ``GET /metrics``: Prometheus metrics, with the ``metrics`` extra
  (:mod:`framekit_contact_center.metrics`; open unless ``METRICS_TOKEN`` is set).

Several processes, one number: with ``REDIS_URL`` set, the single-use stream tokens
are checked in Redis (:class:`~framekit.servers.twilio.redis_token_store.RedisTokenStore`),
so the voice webhook may reach one process and the WebSocket another, and a token
opens one stream across all of them. Without it they are checked in this process's
memory, which is right for one process. ``framekit serve --workers N`` runs N such
processes on one port (:mod:`framekit_contact_center.workers`).

The parts that need an extra (browser calls, ``/metrics``, Redis) are built by
:mod:`framekit_contact_center.extras`, each left out (logged) without it.

Why models load in :meth:`ContactCenterServer.preload` and not in the constructor:
building the app must stay cheap (tests, ``--help``). ``preload`` loads every model
a call uses (VAD, recognizer, voice, intent engine) and speaks the greeting and
prompts into the phrase cache before the server listens, so the first caller is
served as fast as the tenth; ``/health/ready`` answers 200 from then on.

Running it on a port, and its shutdown, is :func:`framekit_contact_center.serving.serve`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from loguru import logger
from sqlalchemy import Engine

from framekit.intents import IntentEngine
from framekit.logs import set_personal_data_filter
from framekit.models.embeddings import SentenceEmbedder
from framekit.pipeline import PipelineTask
from framekit.processors.tts.phrases import PhraseCache
from framekit.servers.dashboard import Dashboard
from framekit.servers.twilio.admission import AdmissionControl
from framekit.services.engine import usable_cores
from framekit.storage import RecordWriter, close_orphaned_calls, make_engine, process_owner
from framekit.telephony import TwilioCallControl
from framekit.tracing import Tracing
from framekit.transports.twilio import StartMessage, TwilioMediaStreamTransport
from framekit_contact_center.analytics import CallAnalytics
from framekit_contact_center.api import CallsAPI
from framekit_contact_center.bot import provider_health
from framekit_contact_center.calls import BotBuilder, CallBuilder
from framekit_contact_center.dead_nodes import DeadNodeSweep
from framekit_contact_center.extras import (
    browser_calls,
    dashboard_stores,
    redis_tokens,
    served_metrics,
)
from framekit_contact_center.health import HealthChecks
from framekit_contact_center.keys import recording_keys
from framekit_contact_center.live_calls import (
    LiveCallRegistry,
    LiveCalls,
    LiveCallsUnavailable,
)
from framekit_contact_center.model_tier import tier_client
from framekit_contact_center.phone_line import (
    call_control,
    phone_line_problems,
    public_origins,
    refuse_twilio,
    twilio_server,
)
from framekit_contact_center.privacy_api import PrivacyAPI
from framekit_contact_center.retention import RetentionSchedule, recording_deleter
from framekit_contact_center.settings import Settings, SettingsError, redactor, shop_clock
from framekit_contact_center.storage import migrate_calls, prepare_storage
from framekit_contact_center.uploads import s3_uploader

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from framekit.metrics.prometheus import ServeMetrics
    from framekit.servers.twilio.redis_token_store import RedisTokenStore
    from framekit.servers.webrtc import WebRTCCall
    from framekit.transports.webrtc import WebRTCTransport

__all__ = ["BotBuilder", "ContactCenterServer", "call_capacity", "check_serving", "prepare_storage"]

_CALLS_PER_CORE = 2
_ORPHANS_AFTER = 5.0  # seconds at most for a dead process's spool to be replayed first


def call_capacity(settings: Settings) -> int:
    """Calls one process takes at once: ``MAX_CALLS``, else 2 per usable core.

    Measured on the offline stack (``docs/benchmarks.md``, served calls): on 2 cores,
    4 calls at once kept voice to voice under 1.5 s p95; more and every call slows.
    """
    return settings.max_calls or _CALLS_PER_CORE * usable_cores()


def check_serving(settings: Settings) -> None:
    """Raise :class:`SettingsError` naming every variable ``serve`` needs and lacks.

    ``API_TOKEN`` always; the phone line's variables once any Twilio variable is set.
    """
    missing = phone_line_problems(settings)
    if not settings.api_token:
        missing.append(("API_TOKEN", "is required by framekit serve"))
    if missing:
        raise SettingsError(missing)


class ContactCenterServer:
    """The serve application: Twilio calls, the calls API and the health check.

    ``settings`` must pass :func:`check_serving`. ``engine`` is an intent engine
    already built (else one is built on first need). ``bot`` replaces the
    contact-center bot (the recorders are added around it all the same).
    ``redis_prefix`` starts the keys this server writes to ``REDIS_URL`` (deployments,
    or test runs, that share one Redis each take their own).

    ``clock`` is the shop's clock (default: the time now in ``TIMEZONE``): what "today"
    and "tomorrow at 2" mean to the intent engine and the tools this server builds, and
    the day a fresh shop is seeded for. Benchmarks and demos pin it to a scenario's moment
    (``benchmarks/bench_dialogue.py``) so its expectations can name exact dates. An
    ``engine`` passed in keeps its own clock.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        engine: IntentEngine | None = None,
        bot: BotBuilder | None = None,
        redis_prefix: str = "framekit:",
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        check_serving(settings)
        assert settings.api_token
        self.settings = settings
        # Callers' personal data never reaches a record (the pairs around the record
        # points, per call) or a log line (the process's filter).
        self.redactor = redactor(settings)
        set_personal_data_filter(self.redactor.text)
        self.draining = False
        self.ready = False
        """The models are loaded and the fixed sentences spoken (:meth:`preload` ran)."""
        self.phrases = PhraseCache()
        """The process's fixed sentences (greeting, prompts), synthesized once."""
        self._call_control: TwilioCallControl | None = None
        self._writer: RecordWriter | None = None
        self._db: Engine = make_engine(settings.database_url)
        self.process_id = process_owner()
        """This process as its calls' owner: its heartbeat in Redis names it too."""
        self._redis: Redis | None = None
        token_store: RedisTokenStore | None = None
        registry: LiveCallRegistry | None = None
        self.dead_nodes: DeadNodeSweep | None = None
        """Closes the calls of nodes whose heartbeat stopped (with ``REDIS_URL``)."""
        beat = settings.node_heartbeat
        if settings.redis_url:
            self._redis, token_store = redis_tokens(settings.redis_url, redis_prefix)
            registry = LiveCallRegistry(
                self._redis, self.process_id, prefix=redis_prefix, ttl=3 * beat
            )
            self.dead_nodes = DeadNodeSweep(
                self._redis, self._db, self.process_id, prefix=redis_prefix, heartbeat=beat
            )
        self.admission = AdmissionControl(call_capacity(settings))
        """Who may call, phone and browser alike: the capacity, the calls admitted, refused."""
        self.twilio = twilio_server(settings, self.build_call, self.admission, token_store)
        """The phone line's routes and calls (None without Twilio: browser calls only)."""
        self.live_calls = LiveCalls(
            self.process_id,
            registry,
            self._running_calls,
            heartbeat=beat,
            admission=self.admission,
        )
        self.app = web.Application(middlewares=[self._refuse_calls_while_draining])
        if self.twilio is not None:
            self.twilio.add_routes(self.app)
        else:
            refuse_twilio(self.app)
        self._s3 = s3_uploader(settings)
        self._recording_keys = recording_keys(settings)
        limits, revocations = dashboard_stores(self._redis, redis_prefix, self._db)
        self.dashboard = Dashboard(
            settings.api_token,
            title="framekit contact center",
            origins=public_origins(settings),
            limits=limits,
            revocations=revocations,
        )
        self.dashboard.add_routes(self.app)
        self.webrtc = browser_calls(
            settings, self.build_browser_call, self.admission, self.dashboard
        )
        """Browser calls and the softphone at ``/call`` (None without the ``webrtc`` extra)."""
        if self.webrtc is not None:
            self.webrtc.add_routes(self.app)
        api = CallsAPI(
            self._db,
            settings.api_token,
            settings.recordings_dir,
            remote_link=self._s3.presigned_url if self._s3 is not None else None,
            session=self.dashboard.signed_in,
            recording_keys=self._recording_keys,
        )
        api.add_routes(self.app)
        PrivacyAPI(api, self._db, recording_deleter(settings, self._s3)).add_routes(self.app)
        self.app.router.add_get("/api/live-calls", api.authorized(self._live_calls))
        self.app.router.add_get("/health", self._health)
        self.app.router.add_get("/health/live", self._live)
        self.app.router.add_get("/health/ready", self._ready)
        self.app.on_startup.append(self._startup)
        self.analytics: CallAnalytics | None = None
        """The post-call analysis job (started after the migration, in ``_startup``);
        None with ``ANALYTICS=off`` (another process analyses the calls later)."""
        if settings.analytics:
            embedder = SentenceEmbedder.shared()
            self.analytics = CallAnalytics(settings.database_url, embedder=embedder)
            self.analytics.attach(self.app)
        self.retention = RetentionSchedule(settings)
        """Applies ``RETENTION_*_DAYS`` every ``RETENTION_INTERVAL`` s (one process at a time)."""
        self.retention.attach(self.app)
        self.app.on_cleanup.append(self._cleanup)
        self.health = HealthChecks(settings.database_url, token_store)
        """The database's and Redis's state for ``/health``, checked in the background."""
        self.health.attach(self.app)
        self.metrics = served_metrics(settings.metrics_token, self._sample_metrics)
        """``/metrics`` (None without prometheus-client)."""
        if self.metrics is not None:
            self.metrics.attach(self.app)
        self.tracing = Tracing.from_env(
            endpoint=settings.otel_exporter_otlp_endpoint,
            service_name="framekit-contact-center",
            caller_key=settings.api_token.encode(),
        )
        """Each call's spans go here (None unless an OTLP endpoint is set)."""
        self.calls = CallBuilder(
            settings,
            bot=bot,
            engine=engine,
            clock=clock or shop_clock(settings),
            phrases=self.phrases,
            redactor=self.redactor,
            uploader=self._s3,
            keys=self._recording_keys,
            live_calls=self.live_calls,
            analytics=self.analytics,
            metrics=self.metrics,
            tracing=self.tracing,
        )
        """Builds each call's task (the bot, its recorders and observers)."""

    @property
    def active_calls(self) -> int:
        """Calls running now, phone and browser."""
        return len(self._running_calls())

    def _running_calls(self) -> list[str]:
        """The running calls' keys: Twilio streamSids, then WebRTC call ids."""
        keys = list(self.twilio.active_calls) if self.twilio is not None else []
        if self.webrtc is not None:
            keys += self.webrtc.active_calls
        return keys

    async def wait_until_idle(self) -> None:
        """Wait until no call runs, phone or browser (each has ended all its tasks)."""
        for calls in (self.twilio, self.webrtc):
            if calls is not None:
                await calls.wait_until_idle()

    async def preload(self) -> None:
        """Load every model a call uses and speak the fixed sentences, before listening.

        With a custom bot (tests) there is nothing to load.
        """
        await self.calls.preload()
        self.ready = True

    # --- lifecycle -----------------------------------------------------------------------

    async def _startup(self, app: web.Application) -> None:
        settings = self.settings
        await asyncio.to_thread(migrate_calls, settings.database_url)
        # The server's own writer, not the process's shared one: it is closed (the last
        # records written, or spooled) when the server stops, not at interpreter exit.
        self._writer = RecordWriter(settings.database_url, spool_dir=settings.spool_dir).start()
        # Calls left open by a process of this host that died (SIGKILL, a crash) are
        # closed as orphans, once the spools it left are replayed (storage/orphans.py).
        await asyncio.to_thread(self._writer.flush, _ORPHANS_AFTER)
        await asyncio.to_thread(close_orphaned_calls, self._db)
        settings.recordings_dir.mkdir(parents=True, exist_ok=True)
        self.live_calls.start()
        if self.dead_nodes is not None:
            self.dead_nodes.start()
        self._call_control = call_control(settings)
        self.calls.open(self._writer, self._call_control)

    async def _cleanup(self, app: web.Application) -> None:
        if self._call_control is not None:
            await self._call_control.close()
        if self._writer is not None:
            await asyncio.to_thread(self._writer.close, 10)
        if self.dead_nodes is not None:
            await self.dead_nodes.stop()
        self._db.dispose()
        await self.live_calls.stop()
        if self._redis is not None:
            await self._redis.aclose()
        if self.tracing is not None:
            await asyncio.to_thread(self.tracing.shutdown)  # the last calls' spans
        if self.settings.model_tier_url:
            await tier_client(self.settings.model_tier_url).close()

    @web.middleware
    async def _refuse_calls_while_draining(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if self.draining and request.path in ("/twilio/voice", "/twilio/stream", "/webrtc/offer"):
            return web.json_response({"error": "shutting down"}, status=503)
        return await handler(request)

    # --- health ----------------------------------------------------------------------------

    async def _health(self, request: web.Request) -> web.Response:
        # No await: the states were checked in the background (see HealthChecks).
        checked_ago = self.health.checked_ago
        body: dict[str, Any] = {
            "status": "ok" if self.health.healthy else "degraded",
            **self.health.states,
            "checked_ago_s": round(checked_ago, 2) if checked_ago is not None else None,
            "process": self.process_id,
            "active_calls": self.active_calls,
            "draining": self.draining,
            "spooled_records": self._writer.spooled_now if self._writer else 0,
        }
        return web.json_response(body, status=200 if self.health.healthy else 503)

    async def _live(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "live", "process": self.process_id})

    async def _ready(self, request: web.Request) -> web.Response:
        ready = self.ready and not self.draining
        why = "ready" if ready else ("draining" if self.draining else "loading models")
        admission = self.admission
        body = {
            "status": why,
            "process": self.process_id,
            "active_calls": self.active_calls,
            "admitted_calls": admission.admitted,
            "capacity": admission.capacity,
            "refused_calls": admission.refused,
        }
        return web.json_response(body, status=200 if ready else 503)

    def _sample_metrics(self, metrics: ServeMetrics) -> None:
        metrics.sample(
            active_calls=self.active_calls,
            refused_calls=self.admission.refused,
            capacity=self.admission.capacity,
            admitted_calls=self.admission.admitted,
            held_webhooks=self.twilio.held_webhooks if self.twilio is not None else 0,
            apologised_calls=self.twilio.apologised_calls if self.twilio is not None else 0,
            spooled_records=self._writer.spooled_now if self._writer else 0,
            breakers=provider_health().breakers(),
            now=time.monotonic(),  # the breakers' clock (SystemClock)
        )

    async def _live_calls(self, request: web.Request) -> web.Response:
        try:
            calls = await self.live_calls.everywhere()
        except LiveCallsUnavailable as exc:
            logger.warning(f"live calls: {exc}")
            return web.json_response({"error": "redis unavailable"}, status=503)
        return web.json_response(
            {
                "scope": "process" if self.live_calls.registry is None else "all processes",
                "process": self.process_id,
                "calls": [call.to_json() for call in calls],
            }
        )

    # --- one call (calls.py) ----------------------------------------------------------------

    async def build_call(
        self, transport: TwilioMediaStreamTransport, start: StartMessage
    ) -> PipelineTask:
        """The Twilio pipeline factory: bot, two-track recording and call record for one call.

        The app must have started (its record writer runs from then on).
        """
        return await self.calls.phone_call(transport, start)

    async def build_browser_call(
        self, transport: WebRTCTransport, call: WebRTCCall
    ) -> PipelineTask:
        """The WebRTC pipeline factory: the same bot, recording and call record as a phone call."""
        return await self.calls.browser_call(transport, call)
