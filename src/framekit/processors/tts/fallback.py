"""One TTS processor with several voices: when the first fails, the next one speaks.

Why per sentence, inside one processor: the caller must hear every sentence, and
the frames around it (started, audio, stopped, one ``context_id`` per response)
must not depend on which voice spoke. So the fallback happens inside
:meth:`FallbackTTSProcessor.synthesize`: each sentence goes to the first voice
whose circuit is closed; if that voice fails before its first audio (an HTTP 500,
a refused connection, a timeout), the next voice speaks the sentence, and the
caller hears it once. If a voice fails *after* some of its audio went out (a body
that broke off), the next voice speaks the whole sentence again: the caller hears
a restart ("The table is - The table is ready"), which is better than a sentence
that stops half-way.

The members are ordinary :class:`~framekit.processors.tts.base.SentenceTTSProcessor`
objects used for their voice only: this processor prepares and cleans them up, and
they must not be linked into a pipeline themselves.

Circuit breaker: a voice that failed ``failure_threshold`` sentences in a row is
skipped for ``cooldown`` seconds (on the call's clock), so a dead service does not
add its timeout to every sentence; after the cool-down one sentence tries it again
and its result closes or re-opens the circuit. Pass ``breakers`` to share them
between calls (a service that is down is down for every call in the process).

Each failure of a voice is reported as a non-fatal :class:`~framekit.frames.ErrorFrame`
(operators want to know the primary is down even though the caller heard nothing);
when every voice failed the sentence, the base reports that too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing

from loguru import logger

from framekit.audio.format import AudioFormat
from framekit.health import CircuitBreaker
from framekit.processors.tts.base import SentenceTTSProcessor, TTSError
from framekit.processors.tts.phrases import PhraseCache
from framekit.processors.tts.sentences import DEFAULT_ABBREVIATIONS

__all__ = ["FallbackTTSProcessor"]


class FallbackTTSProcessor(SentenceTTSProcessor):
    """Speaks each sentence with the first of ``voices`` that can.

    ``first_audio_timeout`` (seconds, ``None``: none) gives up on a voice that has not
    produced audio by then, on top of the voice's own timeouts. The last voice is
    tried even when its circuit is open: with every other voice failed, trying it
    is better than silence.
    """

    def __init__(
        self,
        voices: Sequence[SentenceTTSProcessor],
        *,
        failure_threshold: int = 3,
        cooldown: float = 30.0,
        breakers: Sequence[CircuitBreaker] | None = None,
        first_audio_timeout: float | None = None,
        push_text_frames: bool = True,
        abbreviations: frozenset[str] = DEFAULT_ABBREVIATIONS,
        phrase_cache: PhraseCache | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            push_text_frames=push_text_frames,
            abbreviations=abbreviations,
            phrase_cache=phrase_cache,
            name=name,
        )
        if not voices:
            raise ValueError("FallbackTTSProcessor needs at least one voice")
        if breakers is not None and len(breakers) != len(voices):
            raise ValueError(f"{len(breakers)} breakers for {len(voices)} voices")
        self.voices = tuple(voices)
        self.breakers = tuple(
            breakers
            or [
                CircuitBreaker(failure_threshold=failure_threshold, cooldown=cooldown)
                for _ in voices
            ]
        )
        self._first_audio_timeout = first_audio_timeout
        self._usable = [True] * len(self.voices)
        self._speaking: SentenceTTSProcessor | None = None
        self.spoken_by: list[str] = []
        """The name of the voice that spoke each sentence, in order."""

    @property
    def model_name(self) -> str | None:
        return self._speaking.model_name if self._speaking is not None else None

    @property
    def phrase_key(self) -> str | None:
        """The first voice's: only what it spoke is cached (see :meth:`spoke_cacheable`)."""
        return self.voices[0].phrase_key

    def spoke_cacheable(self) -> bool:
        return bool(self.spoken_by) and self.spoken_by[-1] == self.voices[0].name

    async def prepare(self, output: AudioFormat) -> None:
        """Prepare every voice; one that cannot work is left out of this call."""
        failures = []
        for index, voice in enumerate(self.voices):
            try:
                await voice.prepare(output)
                self._usable[index] = True
            except Exception as exc:
                self._usable[index] = False
                failures.append(f"{voice.name}: {exc}")
                await self.push_error(f"{self.name}: voice {voice.name} is unusable: {exc}")
        if not any(self._usable):
            raise TTSError(f"no voice of {self.name} can work: {'; '.join(failures)}")

    async def cleanup(self) -> None:
        for voice in self.voices:
            try:
                await voice.cleanup()
            except Exception:
                logger.exception(f"{self.name}: cleaning up {voice.name} failed")

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        failures: list[str] = []
        candidates = [i for i, usable in enumerate(self._usable) if usable]
        for position, index in enumerate(candidates):
            voice, breaker = self.voices[index], self.breakers[index]
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
                reason = (
                    "no audio in time" if isinstance(exc, TimeoutError) else str(exc) or repr(exc)
                )
                failures.append(f"{voice.name}: {reason}")
                opened = breaker.record_failure(self.clock.now())
                if opened:
                    logger.warning(f"{self.name}: {voice.name} skipped for {breaker.cooldown:g} s")
                if not last:
                    await self.push_error(
                        f"{self.name}: voice {voice.name} failed ({reason}); trying the next voice"
                    )
                continue
            breaker.record_success()
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
