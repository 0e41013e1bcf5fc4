"""A batch recognizer heard as a stream: the local fallback of a streaming vendor.

:class:`BatchStreamingRecognizer` makes any
:class:`~framekit.processors.stt.service.Recognizer` (Whisper, Moonshine, a
:class:`~framekit.processors.stt.second_pass.SecondPassRecognizer`) a
:class:`~framekit.processors.stt.service.StreamingRecognizer`, so it can stand in a
:class:`~framekit.processors.stt.fallback_streaming.FallbackStreamingRecognizer` behind
Deepgram: when the vendor's session fails, the local model hears the rest of the call.

Its session keeps the caller's audio since the last utterance and decodes it when the
stage asks for the final result (:meth:`~_BatchSession.finalize`: the VAD heard the
caller stop), or when it reaches ``max_utterance_seconds``. It sees no start event, so
it tells speech from quiet by level: until a chunk of ``speech_rms`` or more arrives,
only the last ``pre_roll`` seconds are kept (the start of the next word), and a stop
with no speech since the last one decodes nothing.

Why not :class:`~framekit.processors.stt.utterance.UtteranceSTTProcessor`: it is the
better stage for a batch recognizer alone (the VAD's onset for the pre-roll, early
decodes at pauses, interim results), but a stage cannot stand in a fallback chain; this
session is the small part of it a stream needs, and has no early decodes or interim
results. Decodes run in the stage's receiving task, one at a time, in order: no task
of its own.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator

from framekit.audio import AudioFormat, audio_format
from framekit.clock import Clock
from framekit.processors.stt._level import pcm16_rms
from framekit.processors.stt.service import RecognitionError, RecognitionEvent, Recognizer
from framekit.processors.stt.transcript import SAMPLE_RATE

__all__ = ["BatchStreamingRecognizer"]

_FORMAT = audio_format(SAMPLE_RATE)
_MIN_UTTERANCE_SECONDS = 0.1


class BatchStreamingRecognizer:
    """``recognizer``'s utterances, decoded when the caller stops (see the module docstring).

    ``language`` and ``prompt`` go to every decode; ``close_timeout`` bounds the wait
    for the last decode when the call ends.
    """

    audio_format: AudioFormat = _FORMAT
    """What every batch recognizer hears: PCM16 mono at 16 kHz."""

    def __init__(
        self,
        recognizer: Recognizer,
        *,
        language: str | None = "en",
        prompt: str | None = None,
        pre_roll: float = 0.3,
        speech_rms: float = 300.0,
        max_utterance_seconds: float = 15.0,
        close_timeout: float = 5.0,
        name: str | None = None,
    ) -> None:
        if max_utterance_seconds <= _MIN_UTTERANCE_SECONDS:
            raise ValueError(f"max_utterance_seconds must be > 0.1, got {max_utterance_seconds}")
        if pre_roll < 0 or close_timeout <= 0:
            raise ValueError("pre_roll must be >= 0 and close_timeout > 0")
        self.recognizer = recognizer
        self.name = name or recognizer.name
        self.language = language
        self.prompt = prompt
        self.pre_roll_bytes = _FORMAT.bytes_for(pre_roll)
        self.speech_rms = speech_rms
        self.max_utterance_bytes = _FORMAT.bytes_for(max_utterance_seconds)
        self.close_timeout = close_timeout

    def open(self, clock: Clock) -> _BatchSession:
        return _BatchSession(self)


class _BatchSession:
    """One call's utterances to a batch recognizer."""

    format = _FORMAT
    connected = True
    """Always: a local model takes audio at once."""

    def __init__(self, owner: BatchStreamingRecognizer) -> None:
        self.owner = owner
        self._audio = bytearray()
        self._speech = False
        self._utterances: deque[bytes] = deque()
        self._wake = asyncio.Event()
        self._ended = asyncio.Event()
        self._closing = False

    async def wait_connected(self) -> None:
        return

    async def keep_alive(self) -> None:
        """Nothing to keep alive; waits until cancelled, as the stage expects."""
        await asyncio.get_running_loop().create_future()

    async def send_audio(self, pcm: bytes) -> None:
        if self._closing:
            return
        owner = self.owner
        self._audio += pcm
        if pcm16_rms(pcm) >= owner.speech_rms:
            self._speech = True
        if not self._speech:
            del self._audio[: max(0, len(self._audio) - owner.pre_roll_bytes)]
        elif len(self._audio) >= owner.max_utterance_bytes:
            self._end_utterance()

    async def finalize(self) -> None:
        if self._speech:
            self._end_utterance()

    async def events(self) -> AsyncGenerator[RecognitionEvent | RecognitionError, None]:
        """Each utterance's transcript as a final event, in order, until closed."""
        self._ended.clear()
        try:
            while True:
                while self._utterances:
                    audio = self._utterances.popleft()
                    event = await self._decode(audio)
                    if event is not None:
                        yield event
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
        finally:
            self._ended.set()

    async def close(self) -> None:
        """Decode what the caller said last, within ``close_timeout``."""
        await self.finalize()
        self._closing = True
        self._wake.set()
        try:
            async with asyncio.timeout(self.owner.close_timeout):
                await self._ended.wait()
        except TimeoutError:
            self._utterances.clear()

    def abort(self) -> None:
        self._closing = True
        self._utterances.clear()
        self._wake.set()

    def finish(self) -> RecognitionEvent | None:
        return None  # every utterance was decoded whole, or dropped by an abort

    def _end_utterance(self) -> None:
        audio, self._audio = bytes(self._audio), bytearray()
        self._speech = False
        if len(audio) >= _FORMAT.bytes_for(_MIN_UTTERANCE_SECONDS):
            self._utterances.append(audio)
            self._wake.set()

    async def _decode(self, audio: bytes) -> RecognitionEvent | RecognitionError | None:
        owner = self.owner
        try:
            transcript = await owner.recognizer.transcribe_async(
                audio, owner.language, prompt=owner.prompt
            )
        except Exception as exc:
            return RecognitionError(f"{owner.name}: transcription failed: {exc!r}")
        if not transcript.text:
            return None
        return RecognitionEvent(
            transcript.text,
            final=True,
            confidence=transcript.confidence,
            language=transcript.language,
        )
