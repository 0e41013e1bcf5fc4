"""Speech to text as the caller speaks: any streaming recognizer, as frames.

The caller's audio goes to a :class:`~framekit.processors.stt.service.StreamingRecognizer`'s
session as it arrives (sent from the handler that receives it, so it costs no queue
hop); what the recognizer hears comes back as frames:

* an interim result becomes an :class:`~framekit.frames.InterimTranscriptionFrame`
  holding the whole utterance so far;
* a final result becomes **one** :class:`~framekit.frames.TranscriptionFrame` per
  utterance (the session joins a vendor's final pieces), so the conversation gets
  the caller's turn as one message;
* both carry :func:`~framekit.text.written_form` of the text unless
  ``written_forms=False``;
* a session error (a lost connection, which it retries) becomes a non-fatal
  :class:`~framekit.frames.ErrorFrame`.

When the local VAD says the caller stopped (``UserStoppedSpeakingFrame``), the
processor asks for the final result at once (``finalize_on_stop``): the vendor's
own endpointing delay comes off every turn. On :class:`~framekit.frames.EndFrame`
the session is closed in bounded time and its last words are pushed.

Why it declares a format and never converts: the recognizer says what it takes
(:attr:`~framekit.processors.stt.service.StreamingRecognizer.audio_format`, Deepgram's
``linear16`` at its settings' ``sample_rate``), so the stage declares that it consumes
caller audio in that format (:attr:`StreamingSTTProcessor.audio_caps`) and the call's
start check (:mod:`framekit.pipeline.negotiation`) refuses a pipeline that would send
another one. The audio is converted once, by the input transport or an explicit
:class:`~framekit.processors.convert.AudioConverterProcessor`, and sent without a
copy. Audio that bypassed the check (frames fed straight in) is reported once per
call and not sent.

Why two tasks, both owned by the call: one receives (the session's
:meth:`~framekit.processors.stt.session.ReconnectingSession.events` connects,
reconnects and yields results inside it), and one keeps the connection alive while
no audio flows, when no frame handler runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from framekit.audio import AudioCaps
from framekit.audio.misfit import AudioMisfit, audio_misfit
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
from framekit.processors.stt.service import (
    RecognitionError,
    RecognitionEvent,
    RecognitionSession,
    StreamingRecognizer,
)
from framekit.text import written_form

__all__ = ["StreamingOptions", "StreamingSTTProcessor", "StreamingSTTStats"]


@dataclass(frozen=True, slots=True)
class StreamingOptions:
    """What the stage does with any streaming recognizer's results."""

    finalize_on_stop: bool = True
    """Ask for the final result when the VAD says the caller stopped."""
    written_forms: bool = True
    user_id: str = ""


@dataclass(slots=True)
class StreamingSTTStats:
    """What the stage pushed in this call (the connection's own: ``session.stats``)."""

    finals: int = 0
    """Transcription frames pushed (one per utterance)."""
    final_latencies: list[float] = field(default_factory=list)
    """Seconds from each ``UserStoppedSpeakingFrame`` to the next transcription frame."""


class StreamingSTTProcessor(FrameProcessor):
    """Streams the caller's audio to ``recognizer`` and pushes its transcripts.

    Consumes caller audio only in the recognizer's ``audio_format`` (:attr:`audio_caps`).
    """

    def __init__(
        self,
        recognizer: StreamingRecognizer,
        options: StreamingOptions | None = None,
        *,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.recognizer = recognizer
        self._format = recognizer.audio_format
        self.audio_caps = AudioCaps(consumes={InputAudioFrame: self._format})
        self.options = options if options is not None else StreamingOptions()
        self._written_forms = self.options.written_forms
        self._session: RecognitionSession | None = None
        self._format_reported = False  # audio in another format: reported once per call
        self._receiver: asyncio.Task[None] | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._stopped_at: float | None = None
        self.stats = StreamingSTTStats()

    @property
    def session(self) -> RecognitionSession:
        """This call's session (opened when the call starts)."""
        if self._session is None:
            raise RuntimeError(f"{self.name} has not started: no session is open")
        return self._session

    @property
    def connected(self) -> bool:
        """Whether the recognizer takes audio right now."""
        return self._session is not None and self._session.connected

    async def wait_connected(self) -> None:
        """Wait until the recognizer takes audio (after a reconnect: the buffer sent)."""
        await self.session.wait_connected()

    # --- lifecycle -----------------------------------------------------------------------

    async def on_start(self, frame: StartFrame) -> None:
        session = self.recognizer.open(self.clock)
        if session.format != self._format:
            session.abort()
            raise ValueError(
                f"{self.recognizer.name} declares {self._format} but its session takes "
                f"{session.format}: a recognizer's audio_format is what its sessions take"
            )
        self._session = session
        self._format_reported = False
        tasks = self.context.tasks
        self._receiver = tasks.create_task(self._receive(), f"{self.name}:connection")
        self._keepalive = tasks.create_task(session.keep_alive(), f"{self.name}:keepalive")

    async def on_end(self, frame: EndFrame) -> None:
        """Ask for the last words, push them, then let the end frame go."""
        session = self._session
        if session is None:
            return
        await session.close()
        await self._stop_tasks()
        await self._push(session.finish())

    async def on_cancel(self, frame: CancelFrame) -> None:
        if self._session is not None:
            self._session.abort()
        await self._stop_tasks()

    async def _stop_tasks(self) -> None:
        tasks = [t for t in (self._receiver, self._keepalive) if t is not None]
        self._receiver = self._keepalive = None
        current = asyncio.current_task()
        waiting = [t for t in tasks if t is not current]
        for task in waiting:
            task.cancel()
        if waiting:
            await asyncio.wait(waiting)

    # --- caller audio --------------------------------------------------------------------

    @on_frame(InputAudioFrame)
    async def _on_audio(self, frame: InputAudioFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        pcm = frame.audio
        misfit = audio_misfit(pcm, frame.format, self._format)
        if misfit is not None:
            await self._report_misfit(frame, misfit)
        elif pcm:
            await self.session.send_audio(pcm)

    async def _report_misfit(self, frame: InputAudioFrame, misfit: AudioMisfit) -> None:
        """A corrupt frame each time; another format (the start check would have refused
        it) once per call. Both non-fatal."""
        if not misfit.wrong_format:
            await self.push_error(f"{self.name}: {frame.name} {misfit.reason}; frame ignored")
            return
        if self._format_reported:
            return
        self._format_reported = True
        await self.push_error(
            f"{self.name}: {frame.name} {misfit.reason} {self.recognizer.name} takes; "
            "not sent (convert before the STT: AudioConverterProcessor)"
        )

    @on_frame(UserStartedSpeakingFrame)
    async def _on_started(self, frame: UserStartedSpeakingFrame, direction: FrameDirection) -> None:
        self._stopped_at = None
        await self.push_frame(frame, direction)

    @on_frame(UserStoppedSpeakingFrame)
    async def _on_stopped(self, frame: UserStoppedSpeakingFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        self._stopped_at = self.clock.now()
        if self.options.finalize_on_stop:
            await self.session.finalize()

    # --- results -------------------------------------------------------------------------

    async def _receive(self) -> None:
        async with contextlib.aclosing(self.session.events()) as events:
            async for event in events:
                if isinstance(event, RecognitionError):
                    await self.push_error(f"{self.name}: {event.message}")
                else:
                    await self._push(event)

    async def _push(self, event: RecognitionEvent | None) -> None:
        if event is None:
            return
        now = self.clock.now()
        text = written_form(event.text) if self._written_forms else event.text
        user_id = self.options.user_id
        if not event.final:
            await self.push_frame(
                InterimTranscriptionFrame(
                    text=text, user_id=user_id, timestamp=now, language=event.language
                )
            )
            return
        await self.push_frame(
            TranscriptionFrame(
                text=text,
                user_id=user_id,
                timestamp=now,
                language=event.language,
                confidence=event.confidence,
            )
        )
        self.stats.finals += 1
        if self._stopped_at is not None:
            latency = now - self._stopped_at
            self._stopped_at = None
            self.stats.final_latencies.append(latency)
            await self.report_metric("ttfb", latency, model=self.recognizer.name)
