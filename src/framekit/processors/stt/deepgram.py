"""Deepgram live streaming speech-to-text through ``deepgram-sdk`` (``framekit[deepgram]``).

The caller's audio goes to Deepgram's ``/v1/listen`` WebSocket as it arrives
(PCM16, ``linear16``, at ``sample_rate``); Deepgram's answers come back as frames.

How Deepgram's results map to framekit frames:

* Deepgram finalizes an utterance in pieces: each ``Results`` with ``is_final``
  holds the next stretch of words, and the utterance ends with ``speech_final``
  (its endpointing heard a pause), ``from_finalize`` (the answer to our
  ``Finalize``), or an ``UtteranceEnd`` message. The processor joins the pieces
  and pushes **one** :class:`~framekit.frames.TranscriptionFrame` per utterance,
  so the conversation gets the caller's turn as one message, not as fragments.
* Interim results (``is_final: false``) become
  :class:`~framekit.frames.InterimTranscriptionFrame` holding the whole utterance
  so far (the finalized pieces plus the interim tail), because a turn detector
  downstream wants the sentence, not its last fragment.
* Both carry :func:`~framekit.text.written_form` of Deepgram's text (``smart_format``
  already writes most numbers; spoken digit strings, dates and emails it leaves are
  written the same way as for the offline engines); ``written_forms=False`` keeps
  Deepgram's text.
* When the local VAD says the caller stopped (``UserStoppedSpeakingFrame``), the
  processor sends ``Finalize``: Deepgram flushes at once instead of waiting for its
  own endpointing, which takes the endpointing delay off every turn.

Why one connection task and one keep-alive task: the SDK's socket only delivers
results to someone awaiting ``recv()``, and ``KeepAlive`` must be sent while no
audio flows, when no frame handler runs. Both tasks come from the call's task owner
and end with the call. Audio is sent from the handler that receives it, so it
costs no queue hop.

Failures do not end the call: a lost or refused connection pushes a non-fatal
:class:`~framekit.frames.ErrorFrame` and reconnects with exponential backoff on
the call's clock. Audio heard meanwhile is buffered (at most ``max_buffer_seconds``),
and so is the audio already sent that Deepgram had not finalized yet; both are
sent again on the new connection, so the words of the utterance in progress are
not lost. On :class:`~framekit.frames.EndFrame` the processor sends ``CloseStream``
and waits (at most ``close_timeout``) for the last results and Deepgram's close.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import warnings
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from loguru import logger

from framekit.audio import AudioConverter, AudioFormat, audio_format
from framekit.frames import (
    CancelFrame,
    EndFrame,
    InputAudioFrame,
    InterimTranscriptionFrame,
    StartFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame
from framekit.processors.stt._streaming import AudioLog, UtteranceText
from framekit.text import written_form

try:
    with warnings.catch_warnings():
        # deepgram-sdk 7 imports websockets' deprecated legacy client; the warning is
        # about the SDK's internals, which framekit users cannot act on.
        warnings.simplefilter("ignore", DeprecationWarning)
        from deepgram import AsyncDeepgramClient
        from deepgram.core.api_error import ApiError
        from deepgram.environment import DeepgramClientEnvironment
        from deepgram.listen.v1.raw_client import AsyncRawV1Client  # noqa: F401  (warns once)
        from deepgram.listen.v1.socket_client import AsyncV1SocketClient
        from deepgram.listen.v1.types import (
            ListenV1Error,
            ListenV1Metadata,
            ListenV1Results,
            ListenV1SpeechStarted,
            ListenV1UtteranceEnd,
        )
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the install
    raise ModuleNotFoundError(
        "DeepgramSTTProcessor needs deepgram-sdk: pip install 'framekit[deepgram]'"
    ) from exc

__all__ = ["DEEPGRAM_URL", "DeepgramSTTProcessor", "DeepgramSTTStats"]

DEEPGRAM_URL = "wss://api.deepgram.com"
_TIME_TOLERANCE = 1e-6


@dataclass(slots=True)
class DeepgramSTTStats:
    """What the processor did in this call (for tests, logs and benchmarks)."""

    connects: int = 0
    """Connections opened (the first one and every reconnect)."""
    failures: int = 0
    """Connections that failed to open or were lost."""
    keepalives: int = 0
    resent_seconds: float = 0.0
    """Seconds of audio sent again after a reconnect (unfinalized audio and the gap)."""
    dropped_seconds: float = 0.0
    """Seconds of audio dropped because the reconnect buffer was full."""
    finals: int = 0
    """Transcription frames pushed (one per utterance)."""
    final_latencies: list[float] = field(default_factory=list)
    """Seconds from each ``UserStoppedSpeakingFrame`` to the next transcription frame."""


class DeepgramSTTProcessor(FrameProcessor):
    """Streams the caller's audio to Deepgram and pushes its transcripts.

    ``api_key`` defaults to ``$DEEPGRAM_API_KEY``; ``url`` to ``$DEEPGRAM_URL`` or
    Deepgram's own (``wss://api.deepgram.com``); point it at a self-hosted Deepgram
    or at :class:`~framekit.testing.fakes.deepgram_server.FakeDeepgramServer`.
    ``endpointing`` (ms, or ``False``), ``utterance_end_ms``, ``punctuate``,
    ``smart_format``, ``vad_events`` are Deepgram's query parameters; ``options``
    adds any other one (``{"keyterm": "framekit"}``). ``written_forms=False`` pushes
    Deepgram's text as it came, not its :func:`~framekit.text.written_form`.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        url: str | None = None,
        model: str = "nova-3",
        language: str = "en-US",
        sample_rate: int = 16000,
        interim_results: bool = True,
        endpointing: int | Literal[False] = 300,
        utterance_end_ms: int | None = 1000,
        punctuate: bool = True,
        smart_format: bool = True,
        vad_events: bool = False,
        options: dict[str, str] | None = None,
        finalize_on_stop: bool = True,
        keepalive_interval: float = 4.0,
        reconnect_delay: float = 0.5,
        reconnect_max_delay: float = 8.0,
        max_buffer_seconds: float = 10.0,
        connect_timeout: float = 5.0,
        close_timeout: float = 3.0,
        written_forms: bool = True,
        user_id: str = "",
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        key = api_key if api_key is not None else os.environ.get("DEEPGRAM_API_KEY")
        if not key:
            raise ValueError("DeepgramSTTProcessor needs api_key= or $DEEPGRAM_API_KEY")
        base = (url or os.environ.get("DEEPGRAM_URL") or DEEPGRAM_URL).rstrip("/")
        environment = DeepgramClientEnvironment(
            base=base.replace("wss://", "https://").replace("ws://", "http://"),
            production=base,
            agent=base,
            agent_rest=base,
        )
        self._client = AsyncDeepgramClient(api_key=key, environment=environment)
        self._format: AudioFormat = audio_format(sample_rate)
        self._language = language
        self._user_id = user_id
        self._query: dict[str, Any] = {
            "model": model,
            "language": language,
            "encoding": "linear16",
            "sample_rate": sample_rate,
            "channels": 1,
            "interim_results": _flag(interim_results),
            "endpointing": "false" if endpointing is False else endpointing,
            "utterance_end_ms": utterance_end_ms,
            "punctuate": _flag(punctuate),
            "smart_format": _flag(smart_format),
            "vad_events": _flag(vad_events),
        }
        self._extra_query = dict(options or {})
        self._finalize_on_stop = finalize_on_stop
        self._written_forms = written_forms
        self._keepalive_interval = keepalive_interval
        self._reconnect_delay = reconnect_delay
        self._reconnect_max_delay = reconnect_max_delay
        self._connect_timeout = connect_timeout
        self._close_timeout = close_timeout
        limit = self._format.bytes_for(max_buffer_seconds)
        self._gap = AudioLog(limit)
        self._unfinalized = AudioLog(limit)
        self._converter: AudioConverter | None = None
        self._conn: AsyncV1SocketClient | None = None
        self._connected = asyncio.Event()
        self._sent = 0
        self._last_sent = 0.0
        self._closing = False
        self._session: asyncio.Task[None] | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._text = UtteranceText()
        self._stopped_at: float | None = None
        self.stats = DeepgramSTTStats()

    @property
    def connected(self) -> bool:
        """Whether a Deepgram connection is open and taking audio right now."""
        return self._conn is not None

    async def wait_connected(self) -> None:
        """Wait until a connection is open and the buffered audio has been sent on it."""
        await self._connected.wait()

    async def discard_pending(self) -> None:
        """Forget the unfinished utterance: its audio, its finalized pieces, Deepgram's state.

        :class:`~framekit.processors.stt.fallback.FallbackSTTProcessor` calls this on a
        provider it stops using, so that provider cannot deliver those words later,
        after another one has. A live connection is replaced by a fresh one (Deepgram
        keeps the stream's unfinished audio otherwise); a lost one reconnects clean.
        """
        self._text.clear()
        self._stopped_at = None
        self._gap.take()
        self._unfinalized.take()
        session = self._session
        if session is None or self._closing or session is asyncio.current_task():
            return
        self._conn = None
        self._connected.clear()
        session.cancel()  # owned by the call: it closes its socket as it unwinds
        self._session = self.context.tasks.create_task(self._run(), f"{self.name}:connection")

    # --- lifecycle -----------------------------------------------------------------------

    async def on_start(self, frame: StartFrame) -> None:
        self._closing = False
        self._last_sent = self.clock.now()
        tasks = self.context.tasks
        self._session = tasks.create_task(self._run(), f"{self.name}:connection")
        self._keepalive = tasks.create_task(self._keep_alive(), f"{self.name}:keepalive")

    async def on_end(self, frame: EndFrame) -> None:
        """Ask Deepgram for the last words (``CloseStream``), push them, then close.

        If the connection is down with audio waiting, the reconnect gets
        ``close_timeout`` seconds to come back and take it first.
        """
        if self._conn is None and self._gap.size and self._session is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._close_timeout):
                    await self._connected.wait()
        self._closing = True
        conn, session = self._conn, self._session
        if conn is not None and session is not None:
            try:
                await conn.send_close_stream()
                async with asyncio.timeout(self._close_timeout):
                    await asyncio.wait([session])
            except TimeoutError:
                logger.warning(f"{self.name}: Deepgram did not close in {self._close_timeout}s")
            except Exception as exc:
                logger.debug(f"{self.name}: CloseStream failed: {exc!r}")
        elif self._gap.size:
            logger.warning(
                f"{self.name}: call ended while disconnected; "
                f"{self._format.duration_of(self._gap.size):.2f}s of audio not transcribed"
            )
        await self._stop_tasks()
        await self._push_utterance()

    async def on_cancel(self, frame: CancelFrame) -> None:
        self._closing = True
        await self._stop_tasks()

    async def _stop_tasks(self) -> None:
        tasks = [t for t in (self._session, self._keepalive) if t is not None]
        self._session = self._keepalive = None
        self._conn = None
        current = asyncio.current_task()
        for task in tasks:
            if task is not current:
                task.cancel()
        if waiting := [t for t in tasks if t is not current]:
            await asyncio.wait(waiting)

    # --- caller audio --------------------------------------------------------------------

    @on_frame(InputAudioFrame)
    async def _on_audio(self, frame: InputAudioFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        if len(frame.audio) % frame.format.bytes_per_frame:
            await self.push_error(
                f"{self.name}: {frame.name} holds {len(frame.audio)} bytes, not a whole "
                f"number of {frame.format} samples; frame ignored"
            )
            return
        converter = self._converter
        if converter is None or converter.src is not frame.format:
            converter = self._converter = AudioConverter(frame.format, self._format)
        pcm = converter.convert(frame.audio)
        if pcm and not self._closing:
            await self._send_audio(pcm)

    async def _send_audio(self, pcm: bytes) -> None:
        conn = self._conn
        if conn is None:
            self._gap.add(0, pcm)
            return
        try:
            await conn.send_media(pcm)
        except Exception as exc:
            logger.debug(f"{self.name}: send failed, buffering until reconnected: {exc!r}")
            if self._conn is conn:
                self._conn = None
            self._gap.add(0, pcm)
            return
        self._unfinalized.add(self._sent, pcm)
        self._sent += len(pcm)
        self._last_sent = self.clock.now()

    @on_frame(UserStartedSpeakingFrame)
    async def _on_started(self, frame: UserStartedSpeakingFrame, direction: FrameDirection) -> None:
        self._stopped_at = None
        await self.push_frame(frame, direction)

    @on_frame(UserStoppedSpeakingFrame)
    async def _on_stopped(self, frame: UserStoppedSpeakingFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        self._stopped_at = self.clock.now()
        conn = self._conn
        if self._finalize_on_stop and conn is not None:
            with contextlib.suppress(Exception):
                await conn.send_finalize()

    # --- the connection ------------------------------------------------------------------

    async def _run(self) -> None:
        """Connect, receive until the connection ends, reconnect with backoff unless closing."""
        failures = 0
        while not self._closing:
            connects = self.stats.connects
            try:
                await self._session_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._conn = None
                self._connected.clear()
                if self._is_closing():
                    return
                if self.stats.connects > connects:
                    failures = 0  # it had connected: start the backoff over
                failures += 1
                self.stats.failures += 1
                delay = min(self._reconnect_delay * 2 ** (failures - 1), self._reconnect_max_delay)
                await self.push_error(
                    f"{self.name}: Deepgram connection failed ({_describe(exc)}); "
                    f"reconnecting in {delay:.2f}s"
                )
                await self.clock.sleep(delay)

    def _is_closing(self) -> bool:
        """``_closing`` read afresh (the end may have come while the loop awaited)."""
        return self._closing

    async def _session_once(self) -> None:
        async with contextlib.AsyncExitStack() as stack:
            async with asyncio.timeout(self._connect_timeout):
                conn = await stack.enter_async_context(
                    self._client.listen.v1.connect(
                        **self._query,
                        request_options={"additional_query_parameters": self._extra_query},
                    )
                )
            self.stats.connects += 1
            await self._resume(conn)
            while True:  # ends by ConnectionClosed, also when we asked for the close
                message = await conn.recv()
                await self._on_message(message)

    async def _resume(self, conn: AsyncV1SocketClient) -> None:
        """Send what Deepgram has not finalized and what was heard while disconnected.

        The buffers are drained before ``_conn`` is set, with no await between the
        last check and the assignment, so fresh audio cannot overtake them.
        """
        self._sent = 0
        pending = deque(self._unfinalized.take() + self._gap.take())
        self.stats.dropped_seconds += self._format.duration_of(
            self._unfinalized.dropped + self._gap.dropped
        )
        self._unfinalized.dropped = self._gap.dropped = 0
        try:
            while pending or self._gap.size:
                if not pending:
                    pending.extend(self._gap.take())
                pcm = pending[0]
                await conn.send_media(pcm)
                pending.popleft()
                self._unfinalized.add(self._sent, pcm)
                self._sent += len(pcm)
                self.stats.resent_seconds += self._format.duration_of(len(pcm))
        except Exception:
            self._gap.restore(pending)
            raise
        self._conn = conn
        self._connected.set()
        self._last_sent = self.clock.now()

    async def _on_message(self, message: object) -> None:
        if isinstance(message, ListenV1Results):
            await self._on_results(message)
        elif isinstance(message, ListenV1UtteranceEnd):
            await self._push_utterance()
        elif isinstance(message, ListenV1Error):
            await self.push_error(f"{self.name}: Deepgram error: {message.description}")
        elif isinstance(message, ListenV1Metadata | ListenV1SpeechStarted):
            logger.debug(f"{self.name}: {message.type}")
        else:
            logger.debug(f"{self.name}: ignored message {message!r}")

    async def _on_results(self, results: ListenV1Results) -> None:
        alternatives = results.channel.alternatives
        best = alternatives[0] if alternatives else None
        text = best.transcript.strip() if best is not None else ""
        if results.is_final:
            end = results.start + results.duration
            self._unfinalized.forget_before(self._format.bytes_for(end))
            if best is not None:
                self._text.add_final(text, best.confidence, results.duration)
            if results.speech_final or results.from_finalize:
                await self._push_utterance()
        elif (interim := self._text.interim(text)) is not None:
            await self.push_frame(
                InterimTranscriptionFrame(
                    text=self._written(interim),
                    user_id=self._user_id,
                    timestamp=self.clock.now(),
                    language=self._language,
                )
            )

    async def _push_utterance(self) -> None:
        """Push the finalized pieces of the utterance as one transcription frame."""
        finished = self._text.finish()
        if finished is None:
            return
        text, confidence = finished
        now = self.clock.now()
        await self.push_frame(
            TranscriptionFrame(
                text=self._written(text),
                user_id=self._user_id,
                timestamp=now,
                language=self._language,
                confidence=confidence,
            )
        )
        self.stats.finals += 1
        if self._stopped_at is not None:
            latency = now - self._stopped_at
            self._stopped_at = None
            self.stats.final_latencies.append(latency)
            await self.report_metric("ttfb", latency, model=str(self._query["model"]))

    def _written(self, text: str) -> str:
        return written_form(text) if self._written_forms else text

    async def _keep_alive(self) -> None:
        """Send ``KeepAlive`` whenever no audio went out for ``keepalive_interval``."""
        interval = self._keepalive_interval
        while True:
            wait = self._last_sent + interval - self.clock.now()
            if wait > _TIME_TOLERANCE:  # a tolerance, or float rounding could spin here
                await self.clock.sleep(wait)
                continue
            conn = self._conn
            if conn is not None and not self._closing:
                try:
                    await conn.send_keep_alive()
                    self.stats.keepalives += 1
                except Exception as exc:
                    logger.debug(f"{self.name}: KeepAlive failed: {exc!r}")
            self._last_sent = self.clock.now()


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ApiError):
        return f"HTTP {exc.status_code}: {exc.body}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return repr(exc)
