"""``framekit serve``: the contact center on the phone network, its call records over HTTP.

One aiohttp application holds:

* the Twilio routes (:class:`~framekit.servers.twilio.server.TwilioServer`):
  each call gets the contact-center bot (:func:`~framekit_contact_center.bot.build_bot`)
  between a Twilio media stream's two ends, a
  :class:`~framekit.storage.CallRecorder` observing its task, and the two-track
  :class:`~framekit.processors.recording.CallAudioRecorder` around the transport;
* the WebRTC routes (:class:`~framekit.servers.webrtc.WebRTCServer`, with the
  ``webrtc`` extra): a browser's offer at ``POST /webrtc/offer`` (behind
  ``API_TOKEN``) becomes a call of the same bot, with the same records and the same
  admission as a phone call; ``/call`` is the softphone page (``docs/webrtc.md``);
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

Each call is the contact-center bot as a phone agent (``build_bot(phone=True)``):
it greets at once, prompts a silent caller, and its hang-ups and transfers go to
Twilio's REST API (``TWILIO_API_BASE_URL`` moves it, for a fake in tests) through
:class:`~framekit.telephony.TwilioCallControlProcessor` after the output, once the
caller has heard the last words; the call record's outcome follows what Twilio
confirmed.

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
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web
from loguru import logger
from sqlalchemy import Engine

from framekit.frames import CancelFrame, EndFrame, Frame
from framekit.intents import IntentEngine, registry_caller
from framekit.logs import set_personal_data_filter
from framekit.models.embeddings import SentenceEmbedder
from framekit.observers import Observer
from framekit.pipeline import Pipeline, PipelineTask
from framekit.processors import FrameProcessor
from framekit.processors.recording import CallAudioRecorder
from framekit.processors.redaction import Redaction
from framekit.processors.sensitive import SensitiveEntryGate
from framekit.processors.tts.phrases import PhraseCache
from framekit.servers.dashboard import Dashboard
from framekit.servers.twilio.admission import AdmissionControl
from framekit.servers.twilio.server import TwilioServer, TwilioSettings
from framekit.services.engine import usable_cores
from framekit.storage import (
    CallRecorder,
    RecordWriter,
    close_orphaned_calls,
    make_engine,
    migrate,
)
from framekit.storage.records import Record
from framekit.telephony import TwilioCallControl, TwilioCallControlProcessor
from framekit.tools import ToolRegistry
from framekit.tracing import Tracing
from framekit.transports import InputTransport, OutputTransport, TransportPair
from framekit.transports.twilio import StartMessage, TwilioMediaStreamTransport
from framekit_contact_center.analytics import CallAnalytics
from framekit_contact_center.api import CallsAPI
from framekit_contact_center.bot import build_bot, intent_engine, provider_health, warm_up
from framekit_contact_center.data import BusinessStore
from framekit_contact_center.health import HealthChecks
from framekit_contact_center.keys import recording_keys
from framekit_contact_center.live_calls import (
    LiveCall,
    LiveCallRegistry,
    LiveCalls,
    LiveCallsUnavailable,
    new_process_id,
)
from framekit_contact_center.privacy_api import PrivacyAPI
from framekit_contact_center.retention import RetentionSchedule, recording_deleter
from framekit_contact_center.seed import seed_store
from framekit_contact_center.settings import Settings, SettingsError, redactor, shop_clock
from framekit_contact_center.tools import build_tools
from framekit_contact_center.uploads import RecordedUpload, s3_uploader, track_of

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from framekit.metrics.prometheus import ServeMetrics
    from framekit.servers.twilio.redis_token_store import RedisTokenStore
    from framekit.servers.webrtc import WebRTCCall, WebRTCServer
    from framekit.transports.webrtc import WebRTCTransport
    from framekit_contact_center.metrics import ServedMetrics

__all__ = ["BotBuilder", "ContactCenterServer", "call_capacity", "check_serving", "prepare_storage"]

BotBuilder = Callable[[FrameProcessor, FrameProcessor, str, Sequence[Observer]], PipelineTask]
"""``(transport input, transport output, call_id, observers) -> task``: one call's bot
(tests swap it)."""

_REQUIRED = ("twilio_account_sid", "twilio_auth_token", "webhook_base_url", "api_token")
_RECORDING_RATE = 8000  # a phone line carries 8 kHz: more would only fill the disk
_CALLS_PER_CORE = 2
_CALL_CONTROL_TIMEOUT = 5.0  # seconds for a hang-up or transfer request to Twilio
_ORPHANS_AFTER = 5.0  # seconds at most for a dead process's spool to be replayed first


def call_capacity(settings: Settings) -> int:
    """Calls one process takes at once: ``MAX_CALLS``, else 2 per usable core.

    Measured on the offline stack (``docs/benchmarks.md``, served calls): on 2 cores,
    4 calls at once kept voice to voice under 1.5 s p95; more and every call slows.
    """
    return settings.max_calls or _CALLS_PER_CORE * usable_cores()


def check_serving(settings: Settings) -> None:
    """Raise :class:`SettingsError` naming every variable ``serve`` needs and lacks."""
    missing = [
        (name.upper(), "is required by framekit serve")
        for name in _REQUIRED
        if not getattr(settings, name)
    ]
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
        assert settings.twilio_auth_token
        assert settings.webhook_base_url
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
        self._bot = bot
        self._engine = engine
        self._clock = clock or shop_clock(settings)
        self._engine_lock = asyncio.Lock()
        self._writer: RecordWriter | None = None
        self._db: Engine = make_engine(settings.database_url)
        self._tools: ToolRegistry | None = None
        self.process_id = new_process_id()
        self._redis: Redis | None = None
        token_store: RedisTokenStore | None = None
        registry: LiveCallRegistry | None = None
        if settings.redis_url:
            self._redis, token_store = _redis_tokens(settings.redis_url, redis_prefix)
            registry = LiveCallRegistry(self._redis, self.process_id, prefix=redis_prefix)
        self.twilio = TwilioServer(
            TwilioSettings(
                webhook_base_url=settings.webhook_base_url,
                account_sid=settings.twilio_account_sid or "",
                auth_token=settings.twilio_auth_token,
                phone_number=settings.twilio_phone_number or "",
            ),
            self.build_call,
            token_store=token_store,
            admission=AdmissionControl(call_capacity(settings)),
        )
        self.webrtc = _browser_calls(settings, self.build_browser_call, self.twilio.admission)
        """Browser calls and the softphone at ``/call`` (None without the ``webrtc`` extra)."""
        self.live_calls = LiveCalls(self.process_id, registry, self._running_calls)
        self.app = web.Application(middlewares=[self._refuse_calls_while_draining])
        self.twilio.add_routes(self.app)
        if self.webrtc is not None:
            self.webrtc.add_routes(self.app)
        self._s3 = s3_uploader(settings)
        self._recording_keys = recording_keys(settings)
        # Behind a proxy that rewrites Host, the forms still come from the public origin.
        public = urlsplit(settings.webhook_base_url)
        self.dashboard = Dashboard(
            settings.api_token,
            title="framekit contact center",
            origins=[f"{public.scheme}://{public.netloc}"],
        )
        self.dashboard.add_routes(self.app)
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
        self.analytics = CallAnalytics(settings.database_url, embedder=SentenceEmbedder.shared())
        """The post-call analysis job (started after the migration, in ``_startup``)."""
        self.analytics.attach(self.app)
        self.retention = RetentionSchedule(settings)
        """Applies ``RETENTION_*_DAYS`` every ``RETENTION_INTERVAL`` s (one process at a time)."""
        self.retention.attach(self.app)
        self.app.on_cleanup.append(self._cleanup)
        self.health = HealthChecks(settings.database_url, token_store)
        """The database's and Redis's state for ``/health``, checked in the background."""
        self.health.attach(self.app)
        self.metrics = _served_metrics(settings.metrics_token, self._sample_metrics)
        """``/metrics`` (None without prometheus-client)."""
        if self.metrics is not None:
            self.metrics.attach(self.app)
        self.tracing = Tracing.from_env(
            endpoint=settings.otel_exporter_otlp_endpoint,
            service_name="framekit-contact-center",
            caller_key=settings.api_token.encode(),
        )
        """Each call's spans go here (None unless an OTLP endpoint is set)."""

    @property
    def active_calls(self) -> int:
        """Calls running now, phone and browser."""
        return len(self._running_calls())

    def _running_calls(self) -> list[str]:
        """The running calls' keys: Twilio streamSids, then WebRTC call ids."""
        keys = list(self.twilio.active_calls)
        if self.webrtc is not None:
            keys += self.webrtc.active_calls
        return keys

    async def preload(self) -> None:
        """Load every model a call uses and speak the fixed sentences, before listening.

        With a custom bot (tests) there is nothing to load.
        """
        if self._bot is None:
            await self._intent_engine()
            await warm_up(self.settings, self.phrases)
        self.ready = True

    # --- lifecycle -----------------------------------------------------------------------

    async def _startup(self, app: web.Application) -> None:
        settings = self.settings
        await asyncio.to_thread(_migrate, settings.database_url)
        # The server's own writer, not the process's shared one: it is closed (the last
        # records written, or spooled) when the server stops, not at interpreter exit.
        self._writer = RecordWriter(settings.database_url, spool_dir=settings.spool_dir).start()
        # Calls left open by a process of this host that died (SIGKILL, a crash) are
        # closed as orphans, once the spools it left are replayed (storage/orphans.py).
        await asyncio.to_thread(self._writer.flush, _ORPHANS_AFTER)
        await asyncio.to_thread(close_orphaned_calls, self._db)
        settings.recordings_dir.mkdir(parents=True, exist_ok=True)
        self.live_calls.start()
        assert settings.twilio_account_sid
        assert settings.twilio_auth_token
        self._call_control = TwilioCallControl(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            api_base_url=settings.twilio_api_base_url,
            timeout=_CALL_CONTROL_TIMEOUT,
        )

    async def _cleanup(self, app: web.Application) -> None:
        if self._call_control is not None:
            await self._call_control.close()
        if self._writer is not None:
            await asyncio.to_thread(self._writer.close, 10)
        self._db.dispose()
        await self.live_calls.stop()
        if self._redis is not None:
            await self._redis.aclose()
        if self.tracing is not None:
            await asyncio.to_thread(self.tracing.shutdown)  # the last calls' spans

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
        admission = self.twilio.admission
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
            refused_calls=self.twilio.admission.refused,
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

    # --- one call --------------------------------------------------------------------------

    async def _intent_engine(self) -> IntentEngine | None:
        """The process's intent engine (built once), or None with a custom bot.

        Built with LLM keys too: it is then the chain's last link, and a caller whose
        models are all down must not wait for it to embed its examples.
        """
        if self._bot is not None:
            return None
        async with self._engine_lock:
            if self._engine is None:
                tools = self._shop_tools()
                self._engine = await asyncio.to_thread(
                    intent_engine, registry_caller(tools), clock=self._clock
                )
            return self._engine

    def _shop_tools(self) -> ToolRegistry:
        """The shop's tools, one registry for every call (they keep no per-call state)."""
        if self._tools is None:
            store = _shop(self.settings, self._clock().date())
            self._tools = build_tools(
                store, transfer_to=self.settings.transfer_number, clock=self._clock
            )
        return self._tools

    async def build_call(
        self, transport: TwilioMediaStreamTransport, start: StartMessage
    ) -> PipelineTask:
        """The Twilio pipeline factory: bot, two-track recording and call record for one call.

        The app must have started (its record writer runs from then on).
        """
        assert self._call_control is not None
        params = start.custom_parameters
        # After the output: hang-ups and transfers happen once the caller heard the words.
        call_control = TwilioCallControlProcessor(
            self._call_control,
            start.call_sid,
            caller_id=self.settings.twilio_phone_number or None,
        )
        facts = _CallFacts(
            "twilio",
            start.call_sid,
            start.stream_sid,
            caller=params.get("from") or None,
            dialled=params.get("to") or None,
            direction=params.get("direction") or "inbound",
        )
        return await self._build_call(transport, facts, uuid.uuid4().hex, [call_control], [])

    async def build_browser_call(
        self, transport: WebRTCTransport, call: WebRTCCall
    ) -> PipelineTask:
        """The WebRTC pipeline factory: the same bot, recording and call record as a phone call.

        The browser has no carrier: the output transport carries out hang-ups (and
        refuses transfers); the page gets the call's live events from ``transport.events``.
        """
        facts = _CallFacts("webrtc", None, call.call_id, None, None, "inbound")
        return await self._build_call(transport, facts, call.call_id, [], [transport.events])

    async def _build_call(
        self,
        transport: TransportPair[InputTransport, OutputTransport],
        facts: _CallFacts,
        call_id: str,
        after_output: list[FrameProcessor],
        more_observers: list[Observer],
    ) -> PipelineTask:
        """One call's task over ``transport``, whatever carries it."""
        assert self._writer is not None, "the app has not started"
        submit: Callable[[Record], None] = self._writer.submit
        if self.metrics is not None:
            submit = self.metrics.counting_outcomes(submit)
        record = CallRecorder(
            submit,
            call_id=call_id,
            external_id=facts.external_id,
            caller=facts.caller,
            dialled=facts.dialled,
            direction=facts.direction,
        )
        audio = CallAudioRecorder(
            self.settings.recordings_dir,
            sample_rate=_RECORDING_RATE,
            stereo=False,
            call_id=call_id,
            uploader=RecordedUpload(self._s3, record) if self._s3 is not None else None,
            keys=self._recording_keys,
        )
        # The sensitive-entry gate first: what a tool takes from the caller (a card number)
        # is neither recorded nor heard by any stage below (docs/privacy.md).
        head = Pipeline([transport.input(), SensitiveEntryGate(), audio.caller_tap()])
        # The call record takes the caller's words after the speech-to-text stage and
        # the bot's before the line; the audio recorder polls the output it precedes.
        output = transport.output()
        redaction = Redaction(self.redactor)  # the record's copies redacted, the call's not
        bot_point = redaction.around(record.record_point())
        tail = Pipeline([*bot_point, audio.bot_tap(output), output, *after_output])
        observers: list[Observer] = [record]
        if self.tracing is not None:
            observers.append(
                self.tracing.call(
                    call_id,
                    transport=facts.transport,
                    caller=facts.caller,
                    attributes={"framekit.call.direction": facts.direction},
                    outcome=record.outcomes.decide,
                )
            )
        observers += more_observers
        if self._bot is not None:
            task = self._bot(head, tail, call_id, observers)
        else:
            engine = await self._intent_engine()
            task = build_bot(
                head,
                tail,
                self.settings,
                tools=self._shop_tools(),
                engine=engine,
                observers=observers,
                call_id=call_id,
                phone=True,
                phrase_cache=self.phrases,
                record_point=Pipeline(redaction.around(record.record_point())),
            )

        def note_recordings(frame: Frame) -> None:
            # The audio recorder names its files when the call starts; the call record
            # saves them when the call ends, after this listener has run.
            if not isinstance(frame, EndFrame | CancelFrame):
                return
            self.live_calls.ended(facts.live_key)
            self.analytics.call_ended(call_id)
            for path in audio.paths:
                record.add_recording(track_of(path), str(path))

        task.on_downstream_exit(note_recordings)
        if self.metrics is not None:
            self.metrics.watch(task)
        # Last, with no await before the server registers the task, so that the
        # publisher never sees the call here and not yet there.
        self.live_calls.started(
            LiveCall(facts.external_id or call_id, facts.live_key, time.time(), self.process_id)
        )
        logger.info(f"{facts.transport} call {facts.external_id or call_id}: record {call_id}")
        return task


@dataclass(frozen=True, slots=True)
class _CallFacts:
    """What differs between a phone call and a browser call when their task is built."""

    transport: str
    """``twilio`` or ``webrtc`` (the trace's transport attribute)."""
    external_id: str | None
    """The carrier's id for the call (Twilio's CallSid); a browser call has none."""
    live_key: str
    """The call's key among the server's running calls (streamSid, or the WebRTC call id)."""
    caller: str | None
    dialled: str | None
    direction: str


def prepare_storage(settings: Settings) -> None:
    """Migrate the calls database and seed a fresh shop, once, before several servers start.

    Each server does both at start (and they are no-ops the second time), but two
    processes doing them at once on a fresh install race: both create the same
    tables, both seed the shop. ``framekit serve --workers`` calls this first.
    """
    _migrate(settings.database_url)
    _shop(settings)


def _migrate(database_url: str) -> None:
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    migrate(database_url)


def _shop(settings: Settings, today: dt.date | None = None) -> BusinessStore:
    store = BusinessStore(settings.business_db_path)
    if not store.order_numbers():  # a fresh install has a shop to show
        seed_store(store, today=today or dt.date.today())
    return store


def _served_metrics(
    token: str | None, sample: Callable[[ServeMetrics], None]
) -> ServedMetrics | None:
    """``/metrics`` for this process, or None (logged) without the ``metrics`` extra."""
    try:
        from framekit_contact_center.metrics import ServedMetrics
    except ImportError as exc:
        logger.info(f"no /metrics: {exc}")
        return None
    return ServedMetrics(token, sample)


def _browser_calls(
    settings: Settings,
    factory: Callable[[WebRTCTransport, WebRTCCall], Awaitable[PipelineTask]],
    admission: AdmissionControl,
) -> WebRTCServer | None:
    """The WebRTC routes with the phone calls' admission, or None (logged) without aiortc."""
    try:
        from framekit.servers.webrtc import WebRTCServer, WebRTCSettings, ice_servers
    except ImportError as exc:
        logger.info(f"no browser calls at /call: {exc}")
        return None
    assert settings.api_token
    servers = ice_servers(
        settings.webrtc_ice_servers, settings.webrtc_turn_username, settings.webrtc_turn_password
    )
    return WebRTCServer(
        WebRTCSettings(api_token=settings.api_token, ice_servers=servers),
        factory,
        admission=admission,
    )


def _redis_tokens(url: str, prefix: str) -> tuple[Redis, RedisTokenStore]:
    """One Redis client to ``url`` (for the token store and the live calls), and the
    token store on it. Imported here: only ``REDIS_URL`` needs ``redis``."""
    from framekit.servers.twilio.redis_token_store import RedisTokenStore, redis_client

    client = redis_client(url)
    return client, RedisTokenStore(client, prefix=prefix)
