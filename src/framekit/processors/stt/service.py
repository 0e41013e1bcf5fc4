"""What a speech recognizer is to the stage processors that drive it.

The same split as the LLM stage (:class:`~framekit.llm.events.LLMService` driven by
:class:`~framekit.processors.llm.base.LLMProcessor`): a vendor implements a small
service interface, and one stage processor per kind turns any of them into frames.

* :class:`Recognizer` (batch): one utterance in, one :class:`Transcript` out.
  :class:`~framekit.processors.stt.utterance.UtteranceSTTProcessor` cuts the
  caller's audio into utterances and asks it; Whisper and Moonshine are two.
* :class:`StreamingRecognizer`: opens one :class:`RecognitionSession` per call;
  audio goes in as it arrives, interim and final :class:`RecognitionEvent` come
  back as an async stream.
  :class:`~framekit.processors.stt.streaming.StreamingSTTProcessor` drives it;
  :class:`~framekit.processors.stt.session.ReconnectingSession` is the base a
  websocket vendor (Deepgram) fills with its URL and message mapping.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Protocol

from framekit.audio import AudioFormat
from framekit.clock import Clock
from framekit.frames import ExpectedSpeech
from framekit.processors.stt.transcript import SpeechAudio, Transcript

__all__ = [
    "RecognitionError",
    "RecognitionEvent",
    "RecognitionSession",
    "Recognizer",
    "StreamingRecognizer",
]


class Recognizer(Protocol):
    """A speech model that turns one utterance into a :class:`Transcript`.

    :class:`~framekit.services.whisper.WhisperEngine` and
    :class:`~framekit.services.moonshine.MoonshineEngine` are two;
    :class:`~framekit.processors.stt.second_pass.SecondPassRecognizer` combines two.
    """

    name: str
    """Reported with the processor's latency metric."""

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        """Transcribe 16 kHz mono audio without blocking the event loop.

        ``urgent=False``: speculative work that other calls' finals may overtake.
        ``expect``: what the dialogue asked for, a hint the model may use or ignore.
        """
        ...


@dataclass(frozen=True, slots=True)
class RecognitionEvent:
    """What a streaming recognizer heard: the utterance so far, or all of it.

    ``final=False``: an interim result holding the whole utterance so far (a turn
    detector wants the sentence, not its last fragment). ``final=True``: the
    utterance is over, and its text will not change.
    """

    text: str
    final: bool
    confidence: float = 1.0
    language: str | None = None


@dataclass(frozen=True, slots=True)
class RecognitionError:
    """A failure that does not end the session (a lost connection, a vendor's error)."""

    message: str


class RecognitionSession(Protocol):
    """One call's stream to a recognizer, made by :meth:`StreamingRecognizer.open`.

    The stage drives it from two tasks of its call: one iterates :meth:`events`
    (which connects, and reconnects when it must), one awaits :meth:`keep_alive`.
    """

    format: AudioFormat
    """The audio the session takes: its recognizer's :attr:`~StreamingRecognizer.audio_format`."""

    @property
    def connected(self) -> bool:
        """Whether audio sent now goes straight to the service."""
        ...

    async def wait_connected(self) -> None:
        """Wait until the service takes audio (after a reconnect: the buffered audio sent)."""
        ...

    def events(self) -> AsyncGenerator[RecognitionEvent | RecognitionError, None]:
        """Results and non-fatal errors, in order, until the session is closed."""
        ...

    async def keep_alive(self) -> None:
        """Keep an idle connection open; runs until cancelled."""
        ...

    async def send_audio(self, pcm: bytes) -> None:
        """Send caller audio (in :attr:`format`); kept while disconnected."""
        ...

    async def finalize(self) -> None:
        """The caller stopped: ask for the final result of the utterance now."""
        ...

    async def close(self) -> None:
        """Ask for the last results and wait a bounded time for :meth:`events` to end."""
        ...

    def abort(self) -> None:
        """Stop at once (the call was cancelled)."""
        ...

    def finish(self) -> RecognitionEvent | None:
        """What was finalized of the unfinished utterance, as its final event."""
        ...


class StreamingRecognizer(Protocol):
    """A recognizer that hears audio as it arrives (Deepgram)."""

    name: str
    """The model, reported with the processor's latency metric."""

    @property
    def audio_format(self) -> AudioFormat:
        """The audio its sessions take: the stage declares it consumes caller audio so.

        Known before any session opens, because the call's audio chain is checked
        before the call starts (:mod:`framekit.pipeline.negotiation`).
        """
        ...

    def open(self, clock: Clock) -> RecognitionSession:
        """A new session for one call, not connected yet (``clock``: the call's)."""
        ...
