"""One served call's task: the contact-center bot between a transport's two ends, recorded.

Why a module of its own: what a call is made of (the bot, its recorders, the
redaction around their record points, the sensitive-entry gate, its traces and
metrics) changes for other reasons than the application that routes calls to it
(:mod:`framekit_contact_center.server`), and a phone call and a browser call must
be built the same way, in one place.

Each call gets the contact-center bot (:func:`~framekit_contact_center.bot.build_bot`)
between its transport's two ends, a :class:`~framekit.storage.CallRecorder` observing
its task, and the two-track :class:`~framekit.processors.recording.CallAudioRecorder`
around the transport. A Twilio media stream and a WebRTC peer connection differ
only in a few facts (:class:`_CallFacts`) and in what follows the output.

Each call is the contact-center bot as a phone agent (``build_bot(phone=True)``):
it greets at once, prompts a silent caller, and its hang-ups and transfers go to
Twilio's REST API (``TWILIO_API_BASE_URL`` moves it, for a fake in tests) through
:class:`~framekit.telephony.TwilioCallControlProcessor` after the output, once the
caller has heard the last words; the call record's outcome follows what Twilio
confirmed. A browser has no carrier: its output transport carries out hang-ups.

Callers' personal data never reaches a record: the record points sit between a
:class:`~framekit.processors.redaction.Redaction` pair, so the record's copies are
redacted and the call's are not. What a tool takes from the caller (a card number)
is held back before any stage by the
:class:`~framekit.processors.sensitive.SensitiveEntryGate` (``docs/privacy.md``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loguru import logger

from framekit.frames import CancelFrame, EndFrame, Frame
from framekit.intents import IntentEngine, registry_caller
from framekit.observers import Observer
from framekit.pipeline import Pipeline, PipelineTask
from framekit.privacy.redact import Redactor
from framekit.processors import FrameProcessor
from framekit.processors.recording import CallAudioRecorder
from framekit.processors.redaction import Redaction
from framekit.processors.sensitive import SensitiveEntryGate
from framekit.processors.tts.phrases import PhraseCache
from framekit.storage import CallRecorder, RecordWriter
from framekit.storage.records import Record
from framekit.telephony import TwilioCallControl, TwilioCallControlProcessor
from framekit.tools import ToolRegistry
from framekit.tracing import Tracing
from framekit.transports import InputTransport, OutputTransport, TransportPair
from framekit.transports.twilio import StartMessage, TwilioMediaStreamTransport
from framekit_contact_center.analytics import CallAnalytics
from framekit_contact_center.bot import build_bot, intent_engine, warm_up
from framekit_contact_center.live_calls import LiveCall, LiveCalls
from framekit_contact_center.settings import Settings
from framekit_contact_center.storage import shop_store
from framekit_contact_center.tools import build_tools
from framekit_contact_center.uploads import RecordedUpload, track_of

if TYPE_CHECKING:
    from framekit.privacy.envelope import KeyRing
    from framekit.processors.recording.s3 import S3Uploader
    from framekit.servers.webrtc import WebRTCCall
    from framekit.transports.webrtc import WebRTCTransport
    from framekit_contact_center.metrics import ServedMetrics

__all__ = ["BotBuilder", "CallBuilder"]

BotBuilder = Callable[[FrameProcessor, FrameProcessor, str, Sequence[Observer]], PipelineTask]
"""``(transport input, transport output, call_id, observers) -> task``: one call's bot
(tests swap it)."""

_RECORDING_RATE = 8000  # a phone line carries 8 kHz: more would only fill the disk


class CallBuilder:
    """Builds each served call's task: the bot, its recorders and its observers.

    One per server. ``bot`` replaces the contact-center bot (the recorders are added
    around it all the same). ``engine`` is an intent engine already built (else one is
    built on first need, with ``clock``, the shop's clock). The server hands over its
    record writer and Twilio call control with :meth:`open` once its app has started;
    no call is built before.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        bot: BotBuilder | None,
        engine: IntentEngine | None,
        clock: Callable[[], dt.datetime],
        phrases: PhraseCache,
        redactor: Redactor,
        uploader: S3Uploader | None,
        keys: KeyRing | None,
        live_calls: LiveCalls,
        analytics: CallAnalytics | None,
        metrics: ServedMetrics | None,
        tracing: Tracing | None,
    ) -> None:
        self.settings = settings
        self._bot = bot
        self._engine = engine
        self._clock = clock
        self._engine_lock = asyncio.Lock()
        self._tools: ToolRegistry | None = None
        self._phrases = phrases
        self._redactor = redactor
        self._s3 = uploader
        self._recording_keys = keys
        self._live_calls = live_calls
        self._analytics = analytics
        self._metrics = metrics
        self._tracing = tracing
        self._writer: RecordWriter | None = None
        self._call_control: TwilioCallControl | None = None

    def open(self, writer: RecordWriter, call_control: TwilioCallControl | None) -> None:
        """The app has started: records go to ``writer``, phone calls' hang-ups through
        ``call_control`` (None with no phone line: browser calls only)."""
        self._writer = writer
        self._call_control = call_control

    async def preload(self) -> None:
        """Load every model a call uses and speak the fixed sentences (none with a custom bot)."""
        if self._bot is None:
            await self._intent_engine()
            await warm_up(self.settings, self._phrases)

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
            store = shop_store(self.settings, self._clock().date())
            self._tools = build_tools(
                store, transfer_to=self.settings.transfer_number, clock=self._clock
            )
        return self._tools

    async def phone_call(
        self, transport: TwilioMediaStreamTransport, start: StartMessage
    ) -> PipelineTask:
        """The Twilio pipeline factory: bot, two-track recording and call record for one call."""
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

    async def browser_call(self, transport: WebRTCTransport, call: WebRTCCall) -> PipelineTask:
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
        if self._metrics is not None:
            submit = self._metrics.counting_outcomes(submit)
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
        redaction = Redaction(self._redactor)  # the record's copies redacted, the call's not
        bot_point = redaction.around(record.record_point())
        tail = Pipeline([*bot_point, audio.bot_tap(output), output, *after_output])
        observers: list[Observer] = [record]
        if self._tracing is not None:
            observers.append(
                self._tracing.call(
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
                phrase_cache=self._phrases,
                record_point=Pipeline(redaction.around(record.record_point())),
            )

        def note_recordings(frame: Frame) -> None:
            # The audio recorder names its files when the call starts; the call record
            # saves them when the call ends, after this listener has run.
            if not isinstance(frame, EndFrame | CancelFrame):
                return
            self._live_calls.ended(facts.live_key)
            if self._analytics is not None:
                self._analytics.call_ended(call_id)
            for path in audio.paths:
                record.add_recording(track_of(path), str(path))

        task.on_downstream_exit(note_recordings)
        if self._metrics is not None:
            self._metrics.watch(task)
        # Last, with no await before the server registers the task, so that the
        # publisher never sees the call here and not yet there.
        self._live_calls.started(
            LiveCall(
                facts.external_id or call_id,
                facts.live_key,
                time.time(),
                self._live_calls.process_id,
            )
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
