"""One batch recognizer made of several: when the first fails, the next one hears the utterance.

The same model as the LLM and TTS fallbacks
(:class:`~framekit.llm.fallback.FallbackLLMService`,
:class:`~framekit.processors.tts.fallback.FallbackVoice`): :class:`FallbackRecognizer`
is a :class:`~framekit.processors.stt.service.Recognizer`, so the one batch stage
(:class:`~framekit.processors.stt.utterance.UtteranceSTTProcessor`) drives it like
any other, and the utterance logic (pre-roll, early decodes, limits) is not copied.
Each decode goes to the first recognizer whose circuit is closed; if it raises or
does not answer within ``timeout``, the next one decodes the same audio, so no word
is lost and the caller's turn gets one transcript.

Circuit breakers (:mod:`framekit.health`): the application creates one
:class:`~framekit.health.ProviderHealth` per process and passes it to every call's
fallback, which keys each recognizer's breaker by its ``name``. A recognizer that
failed ``failure_threshold`` decodes in a row is skipped by every call for
``cooldown`` seconds (on ``clock``); after the cool-down one decode tries it again,
and its outcome closes or re-opens the circuit. The last recognizer is tried even
when its circuit is open: with every other one failed, trying it beats no transcript.

Why the timeout holds only for urgent decodes: an early decode (``urgent=False``)
waits on purpose behind other calls' final decodes in a shared engine's queue
(:mod:`framekit.models.scheduling`); timing it out would blame the recognizer for
the queue.

A recognizer that failed but was covered by the next one is logged (a warning with
the reason); when all fail, :class:`RecognizersFailed` reaches the stage, which
reports a non-fatal error and goes on with the call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from loguru import logger

from framekit.clock import Clock, SystemClock
from framekit.frames import ExpectedSpeech
from framekit.health import ProviderHealth
from framekit.processors.stt.service import Recognizer
from framekit.processors.stt.transcript import SpeechAudio, Transcript

__all__ = ["FallbackRecognizer", "RecognizersFailed"]


class RecognizersFailed(RuntimeError):
    """Every recognizer of a :class:`FallbackRecognizer` failed the same utterance."""


class FallbackRecognizer:
    """Decodes each utterance with the first of ``recognizers`` that can.

    ``health``: the process's breakers, keyed by each recognizer's ``name`` (give two
    of the same engine different names unless they share their fate). ``clock``: the
    clock of the cool-downs (real time by default). ``timeout`` (seconds, ``None``:
    none) gives up on a recognizer whose urgent decode has not answered by then.
    """

    def __init__(
        self,
        recognizers: Sequence[Recognizer],
        *,
        health: ProviderHealth,
        clock: Clock | None = None,
        timeout: float | None = None,
        name: str | None = None,
    ) -> None:
        if not recognizers:
            raise ValueError("FallbackRecognizer needs at least one recognizer")
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout must be > 0 or None, got {timeout}")
        self.recognizers = tuple(recognizers)
        self.name = name or ">".join(recognizer.name for recognizer in self.recognizers)
        self.health = health
        self.clock: Clock = clock or SystemClock()
        self._timeout = timeout
        self.heard_by: list[str] = []
        """The name of the recognizer that decoded each utterance, in order."""

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        failures: list[str] = []
        timeout = self._timeout if urgent else None
        last = len(self.recognizers) - 1
        for position, recognizer in enumerate(self.recognizers):
            breaker = self.health.breaker(recognizer.name)
            if not breaker.allow(self.clock.now()) and position != last:
                logger.debug(f"{self.name}: {recognizer.name} skipped (circuit open)")
                continue
            try:
                async with asyncio.timeout(timeout):
                    transcript = await recognizer.transcribe_async(
                        audio, language, prompt=prompt, urgent=urgent, expect=expect
                    )
            except BaseException as exc:
                if not isinstance(exc, Exception):  # cancelled (the call ended): no verdict
                    breaker.release()
                    raise
                reason = "no answer in time" if isinstance(exc, TimeoutError) else repr(exc)
                failures.append(f"{recognizer.name}: {reason}")
                if breaker.record_failure(self.clock.now()):
                    logger.warning(
                        f"{self.name}: {recognizer.name} skipped for {breaker.cooldown:g} s"
                    )
                if position != last:
                    logger.warning(f"{self.name}: {recognizer.name} failed ({reason}); next one")
                continue
            breaker.record_success()
            self.heard_by.append(recognizer.name)
            return transcript
        raise RecognizersFailed("every recognizer failed: " + "; ".join(failures))
