"""One voice made of several: when the first fails, the next one speaks.

Why per sentence, inside a voice: the caller must hear every sentence, and the
frames around it (started, audio, stopped, one ``context_id`` per response) must
not depend on which voice spoke. So :class:`FallbackVoice` is a
:class:`~framekit.processors.tts.voice.Voice` that the one TTS stage drives like
any other: each sentence goes to the first voice whose circuit is closed; if that
voice fails before its first audio (an HTTP 500, a refused connection, a timeout),
the next voice speaks the sentence, and the caller hears it once. If a voice fails
*after* some of its audio went out (a body that broke off), the next voice speaks
the whole sentence again: the caller hears a restart ("The table is - The table is
ready"), which is better than a sentence that stops half-way.

Circuit breakers (:mod:`framekit.health`): the application creates one
:class:`~framekit.health.ProviderHealth` per process and passes it to every call's
fallback, which keys each voice's breaker by the voice's :attr:`~Voice.name`. A voice
that failed ``failure_threshold`` sentences in a row is skipped by every call for
``cooldown`` seconds (on ``clock``), so a dead service does not add its timeout to
every sentence; after the cool-down one sentence tries it again and its result closes
or re-opens the circuit.

Each failure of a voice is reported through the call's problem channel (the stage
pushes a non-fatal :class:`~framekit.frames.ErrorFrame`: operators want to know the
primary is down even though the caller heard nothing); when every voice failed the
sentence, the stage reports that too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing

from loguru import logger

from framekit.audio.format import AudioFormat
from framekit.clock import Clock, SystemClock
from framekit.health import ProviderHealth
from framekit.processors.tts.voice import ReportProblem, TTSError, Voice

__all__ = ["FallbackVoice"]


class FallbackVoice(Voice):
    """Speaks each sentence with the first of ``voices`` that can.

    ``health``: the process's breakers, keyed by each voice's name (give two voices
    of the same vendor different names unless they share their fate). ``clock``: the
    clock of the cool-downs (real time by default). ``first_audio_timeout`` (seconds,
    ``None``: none) gives up on a voice that has not produced audio by then, on top
    of the voice's own timeouts. The last voice is tried even when its circuit is
    open: with every other voice failed, trying it is better than silence.
    """

    def __init__(
        self,
        voices: Sequence[Voice],
        *,
        health: ProviderHealth,
        clock: Clock | None = None,
        first_audio_timeout: float | None = None,
        name: str | None = None,
    ) -> None:
        if not voices:
            raise ValueError("FallbackVoice needs at least one voice")
        super().__init__(name=name or ">".join(voice.name for voice in voices))
        self.voices = tuple(voices)
        self.health = health
        self.clock: Clock = clock or SystemClock()
        self._first_audio_timeout = first_audio_timeout
        self._usable = [True] * len(self.voices)
        self._speaking: Voice | None = None
        self._report: ReportProblem | None = None
        self.spoken_by: list[str] = []
        """The name of the voice that spoke each sentence, in order."""

    @property
    def model_name(self) -> str | None:
        return self._speaking.model_name if self._speaking is not None else None

    @property
    def phrase_key(self) -> str | None:
        """The first voice's: only what it spoke is cached (see :meth:`last_cacheable`)."""
        return self.voices[0].phrase_key

    def last_cacheable(self) -> bool:
        first = self.voices[0]
        return self._speaking is first and first.last_cacheable()

    async def prepare(self, output: AudioFormat, report: ReportProblem) -> None:
        """Prepare every voice; one that cannot work is left out of this call."""
        self._report = report
        failures = []
        for index, voice in enumerate(self.voices):
            try:
                await voice.prepare(output, report)
                self._usable[index] = True
            except Exception as exc:
                self._usable[index] = False
                failures.append(f"{voice.name}: {exc}")
                await report(f"voice {voice.name} is unusable: {exc}")
        if not any(self._usable):
            raise TTSError(f"no voice of {self.name} can work: {'; '.join(failures)}")

    async def close(self) -> None:
        for voice in self.voices:
            try:
                await voice.close()
            except Exception:
                logger.exception(f"{self.name}: closing {voice.name} failed")

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        failures: list[str] = []
        self._speaking = None
        candidates = [i for i, usable in enumerate(self._usable) if usable]
        for position, index in enumerate(candidates):
            voice = self.voices[index]
            breaker = self.health.breaker(voice.name)
            last = position == len(candidates) - 1
            if not breaker.allow(self.clock.now()) and not last:
                logger.debug(f"{self.name}: {voice.name} skipped (circuit open)")
                continue
            try:
                async with aclosing(voice.synthesize(text)) as chunks:
                    first = await self._first_chunk(chunks)
                    if first is not None:
                        self._speaking = voice
                        yield first
                    async for chunk in chunks:
                        yield chunk
            except BaseException as exc:
                if not isinstance(exc, Exception):  # interrupted or cancelled: no verdict
                    breaker.release()
                    raise
                reason = _reason(exc)
                failures.append(f"{voice.name}: {reason}")
                if breaker.record_failure(self.clock.now()):
                    logger.warning(f"{self.name}: {voice.name} skipped for {breaker.cooldown:g} s")
                if not last and self._report is not None:
                    message = f"voice {voice.name} failed ({reason}); trying the next voice"
                    await self._report(message)
                continue
            breaker.record_success()
            self._speaking = voice
            self.spoken_by.append(voice.name)
            return
        raise TTSError("every voice failed: " + "; ".join(failures))

    async def _first_chunk(
        self, chunks: AsyncGenerator[tuple[bytes, AudioFormat], None]
    ) -> tuple[bytes, AudioFormat] | None:
        """The voice's first chunk, within ``first_audio_timeout``; ``None`` for no audio."""
        async with asyncio.timeout(self._first_audio_timeout):
            async for chunk in chunks:
                return chunk
        return None


def _reason(exc: Exception) -> str:
    if isinstance(exc, TimeoutError):
        return "no audio in time"
    return str(exc) or repr(exc)
