"""Switch speech-to-text provider when one fails, without losing the caller's words.

:class:`FallbackSTTProcessor` wraps STT processors in order of preference
(``[deepgram, whisper]``). One is *active*: it gets the caller's audio and speaking
events, and only its transcripts leave the wrapper. The others are started with
the call (a standby costs one idle connection or a shared model, and a switch
then costs no connect or load time) and are fed nothing until they are needed.

The active provider is abandoned when:

* it reports an error (an :class:`~framekit.frames.ErrorFrame` pushed upstream,
  such as a lost or refused connection), or
* it goes silent: speech was sent to it and nothing (no interim, no final) came
  back for ``no_result_timeout`` seconds. Speech means the VAD's speaking events
  or, for PCM16 audio, a level over ``speech_rms``. The check runs as caller audio
  arrives, which is continuous on every transport, so it needs no timer and no
  task. A provider without interim results (Whisper) answers only after the caller
  stops, so give it a ``no_result_timeout`` longer than a turn.

On a switch the wrapper replays, to the next healthy provider, the frames of the
utterance in progress: every audio frame and speaking event since the last final
transcript (at most ``replay_seconds`` of audio), so the words the failed provider
heard but never returned are transcribed by the next one.

The provider taken off duty is told the caller stopped speaking (if they were)
and, if it implements :class:`DiscardsPending` (Deepgram does), forgets its
unfinished utterance, so it cannot deliver the same words later.

A failed provider cools down for ``cooldown`` seconds (doubled after each failure
in a row, at most ``max_cooldown``); the wrapper goes back to the most preferred
provider whose cool-down is over, at a quiet moment (no unanswered speech, the
caller not speaking), so a switch back never splits an utterance.

Errors of the active provider are passed upstream as non-fatal errors (the call
goes on while another provider is left); standby providers' errors only mark
them unhealthy and are logged.

Why a processor over child pipelines, when the LLM and TTS fallbacks are services
that one stage processor drives (:class:`~framekit.llm.fallback.FallbackLLMService`,
:class:`~framekit.processors.tts.fallback.FallbackVoice`): STT providers are of
different kinds, a streaming session
(:class:`~framekit.processors.stt.streaming.StreamingSTTProcessor`) and a batch
recognizer cut into utterances
(:class:`~framekit.processors.stt.utterance.UtteranceSTTProcessor`), each with its own
stage logic. So each provider stays a whole stage, run inside its own
:class:`~framekit.pipeline.child.ChildPipeline` whose ``leave`` hands what the provider
pushes back to the wrapper with its index: no provider's links are touched. Making a
batch recognizer a streaming session is the next step: an ``UtteranceSession`` that
takes the utterance logic (pre-roll, interim decodes, limits) out of
``UtteranceSTTProcessor`` into a frame-free
:class:`~framekit.processors.stt.service.RecognitionSession`; STT then falls back like
the others, a ``FallbackRecognizer`` of recognizers driven by one
``StreamingSTTProcessor``.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
from loguru import logger

from framekit.audio import AudioEncoding
from framekit.frames import (
    CancelFrame,
    EndFrame,
    ErrorFrame,
    Frame,
    InputAudioFrame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    StartFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.pipeline.child import ChildPipeline
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame

__all__ = ["DiscardsPending", "FallbackSTTProcessor", "ProviderHealth", "STTSwitch"]

_KEPT_IN = (
    InputAudioFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    StartFrame,
    EndFrame,
    CancelFrame,
    InterruptionFrame,
)
"""Frames the wrapper hands to its providers (it passes them on itself): their copies
coming out of a provider are dropped."""
_ENDS = (EndFrame, CancelFrame)


@runtime_checkable
class DiscardsPending(Protocol):
    """A provider that can forget its unfinished utterance when it is taken off duty."""

    async def discard_pending(self) -> None: ...


@dataclass(slots=True)
class ProviderHealth:
    """How one provider has fared in this call."""

    failures: int = 0
    """Failures in a row (reset by a transcript from it)."""
    total_failures: int = 0
    retry_at: float = -math.inf
    """Clock time after which it may be made active again."""
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class STTSwitch:
    """One change of active provider, for logs and tests."""

    at: float
    old: str
    new: str
    reason: str
    replayed_seconds: float


@dataclass(slots=True)
class _Stats:
    switches: list[STTSwitch] = field(default_factory=list)


class _Member(ChildPipeline):
    """One provider in its own child pipeline: what it pushes goes back to the wrapper."""

    def __init__(self, owner: FallbackSTTProcessor, index: int, provider: FrameProcessor) -> None:
        super().__init__(provider, name=f"{owner.name}.{provider.name}")
        self._owner = owner
        self._index = index
        self.ended = asyncio.Event()
        """Set when the end (or cancel) frame sent in has come out: the provider is done.
        Cleared before each end is sent in, so a wrapper reused in a later call waits again."""

    async def leave(self, frame: Frame, direction: FrameDirection) -> None:
        if direction is FrameDirection.UPSTREAM:
            await self._owner._from_provider_upstream(self._index, frame)
        elif isinstance(frame, _ENDS):
            self.ended.set()
        elif not isinstance(frame, _KEPT_IN):
            await self._owner._from_provider(self._index, frame)


class FallbackSTTProcessor(FrameProcessor):
    """Runs the first healthy of ``providers`` and moves to the next when it fails."""

    def __init__(
        self,
        providers: Sequence[FrameProcessor],
        *,
        no_result_timeout: float = 3.0,
        replay_seconds: float = 15.0,
        pre_roll: float = 0.5,
        cooldown: float = 30.0,
        max_cooldown: float = 300.0,
        speech_rms: float = 300.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if not providers:
            raise ValueError("FallbackSTTProcessor needs at least one provider")
        self.providers = tuple(providers)
        self._members = tuple(_Member(self, i, p) for i, p in enumerate(self.providers))
        self.health = [ProviderHealth() for _ in self.providers]
        self._no_result_timeout = no_result_timeout
        self._replay_seconds = replay_seconds
        self._pre_roll = pre_roll
        self._cooldown = cooldown
        self._max_cooldown = max_cooldown
        self._speech_rms = speech_rms
        self._active = 0
        self._lock = asyncio.Lock()
        self._switch_reason: str | None = None
        self._replay: deque[Frame] = deque()
        self._replay_audio = 0.0
        self._speaking = False
        self._unanswered_since: float | None = None
        self.stats = _Stats()

    @property
    def active(self) -> FrameProcessor:
        """The provider that hears the caller now."""
        return self.providers[self._active]

    # --- lifecycle -----------------------------------------------------------------------

    def processors(self) -> Iterator[FrameProcessor]:
        """The wrapper, then each provider's child pipeline: the task sets them all up."""
        yield self
        for member in self._members:
            yield from member.processors()

    def sub_lines(self) -> Sequence[FrameProcessor]:
        """Each provider's child pipeline: the start check follows each from this one's input."""
        return self._members

    async def on_start(self, frame: StartFrame) -> None:
        for member in self._members:
            await member.receive(frame, FrameDirection.DOWNSTREAM)

    async def on_end(self, frame: EndFrame) -> None:
        """End the active provider first (its last words leave before the end), then the rest."""
        order = [self._active, *(i for i in range(len(self.providers)) if i != self._active)]
        for index in order:
            member = self._members[index]
            member.ended.clear()
            await member.receive(frame, FrameDirection.DOWNSTREAM)
            await member.ended.wait()

    async def on_cancel(self, frame: CancelFrame) -> None:
        for member in self._members:
            await member.receive(frame, FrameDirection.DOWNSTREAM)

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        await self._members[self._active].receive(frame, FrameDirection.DOWNSTREAM)

    # --- frames from the caller ----------------------------------------------------------

    @on_frame(InputAudioFrame)
    async def _on_audio(self, frame: InputAudioFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        now = self.clock.now()
        if self._unanswered_since is None and (self._speaking or self._loud(frame)):
            self._unanswered_since = now
        self._remember(frame)
        async with self._lock:
            await self._members[self._active].receive(frame, direction)
        if (
            self._unanswered_since is not None
            and now - self._unanswered_since >= self._no_result_timeout
        ):
            self._request_switch(
                f"no result for {now - self._unanswered_since:.1f}s while the caller spoke"
            )
        if self._switch_reason is not None:
            await self._switch()
        elif self._active and not self._speaking and self._unanswered_since is None:
            await self._maybe_return(now)

    @on_frame(UserStartedSpeakingFrame, UserStoppedSpeakingFrame)
    async def _on_speaking(self, frame: Frame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        self._speaking = isinstance(frame, UserStartedSpeakingFrame)
        self._replay.append(frame)
        async with self._lock:
            await self._members[self._active].receive(frame, direction)

    def _loud(self, frame: InputAudioFrame) -> bool:
        audio = frame.audio
        if frame.format.encoding is not AudioEncoding.PCM16 or not audio or len(audio) % 2:
            return False  # other encodings: rely on the VAD's speaking events
        samples = np.frombuffer(audio, dtype="<i2").astype(np.float32)
        return float(np.sqrt(np.mean(samples * samples))) >= self._speech_rms

    def _remember(self, frame: Frame) -> None:
        """Keep the frames a switch would replay: the utterance in progress.

        While the caller is quiet and every word was answered, only the last
        ``pre_roll`` seconds are kept (the start of the next utterance); otherwise
        at most ``replay_seconds`` of audio.
        """
        self._replay.append(frame)
        if not isinstance(frame, InputAudioFrame):
            return
        self._replay_audio += frame.duration
        quiet = not self._speaking and self._unanswered_since is None
        limit = self._pre_roll if quiet else self._replay_seconds
        while self._replay_audio > limit and self._replay:
            old = self._replay.popleft()
            if isinstance(old, InputAudioFrame):
                self._replay_audio -= old.duration

    # --- frames from the providers -------------------------------------------------------

    async def _from_provider(self, index: int, frame: Frame) -> None:
        if index != self._active:
            logger.debug(f"{self.name}: dropped {frame.name} from standby {self.providers[index]}")
            return
        if isinstance(frame, TranscriptionFrame | InterimTranscriptionFrame):
            self._unanswered_since = None
            self.health[index].failures = 0
        if isinstance(frame, TranscriptionFrame):
            self._replay.clear()
            self._replay_audio = 0.0
        await self.push_frame(frame)

    async def _from_provider_upstream(self, index: int, frame: Frame) -> None:
        if not isinstance(frame, ErrorFrame):
            await self.push_frame(frame, FrameDirection.UPSTREAM)
            return
        self._mark_failed(index, frame.error)
        if index != self._active:
            logger.warning(f"{self.name}: standby {self.providers[index]} failed: {frame.error}")
            return
        await self.push_frame(
            ErrorFrame(
                error=frame.error,
                fatal=frame.fatal and len(self.providers) == 1,
                processor=frame.processor,
                exception=frame.exception,
            ),
            FrameDirection.UPSTREAM,
        )
        self._request_switch(f"error: {frame.error}")
        if not self._lock.locked():
            await self._switch()

    # --- switching -----------------------------------------------------------------------

    def _mark_failed(self, index: int, reason: str) -> None:
        health = self.health[index]
        health.failures += 1
        health.total_failures += 1
        health.last_error = reason
        wait = min(self._cooldown * 2 ** (health.failures - 1), self._max_cooldown)
        health.retry_at = self.clock.now() + wait

    def _request_switch(self, reason: str) -> None:
        if self._switch_reason is None:
            self._switch_reason = reason

    async def _switch(self) -> None:
        """Move to the next provider that is not cooling down, and replay the utterance."""
        async with self._lock:
            reason, self._switch_reason = self._switch_reason, None
            if reason is None:
                return
            old = self._active
            silent = reason.startswith("no result")
            if silent:
                self._mark_failed(old, reason)
            target = self._next_provider(old, cooling_ok=not silent)
            if target == old:
                logger.warning(f"{self.name}: no other STT provider is healthy; keeping {old}")
                self._unanswered_since = None
                return
            await self._activate(target, reason)

    def _next_provider(self, old: int, *, cooling_ok: bool) -> int:
        """The next provider after ``old`` whose cool-down is over.

        When every other one is cooling down, a provider that *failed* is still
        swapped for the one that becomes ready first (``cooling_ok``), but a merely
        silent one is kept: swapping two slow providers back and forth would only
        replay the same audio again and again.
        """
        now = self.clock.now()
        count = len(self.providers)
        candidates = [(old + step) % count for step in range(1, count)]
        for index in candidates:
            if self.health[index].retry_at <= now:
                return index
        if not cooling_ok or not candidates:
            return old
        return min(candidates, key=lambda i: self.health[i].retry_at)

    async def _maybe_return(self, now: float) -> None:
        """Go back to a more preferred provider whose cool-down is over (between utterances)."""
        for index in range(self._active):
            if self.health[index].retry_at <= now:
                async with self._lock:
                    await self._activate(index, "cool-down over")
                return

    async def _activate(self, index: int, reason: str) -> None:
        old = self._active
        self._active = index
        replayed = self._replay_audio
        frames = list(self._replay)
        if self._speaking and not any(isinstance(f, UserStartedSpeakingFrame) for f in frames):
            frames.insert(0, UserStartedSpeakingFrame())
        if self._unanswered_since is not None:
            self._unanswered_since = self.clock.now()  # the new provider gets its own time
        switch = STTSwitch(
            self.clock.now(), self.providers[old].name, self.active.name, reason, replayed
        )
        self.stats.switches.append(switch)
        logger.warning(
            f"{self.name}: STT {switch.old} -> {switch.new} ({reason}); "
            f"replaying {replayed:.2f}s of audio"
        )
        member = self._members[index]
        for frame in frames:
            await member.receive(frame, FrameDirection.DOWNSTREAM)
        await self._retire(old)

    async def _retire(self, index: int) -> None:
        """Close the old provider's utterance so it cannot deliver its words later.

        A provider that was told the caller is speaking is told they stopped (it
        closes its utterance; what it then says is dropped, it is on standby), and
        one that can discard its pending audio and words does so.
        """
        if self._speaking:
            await self._members[index].receive(
                UserStoppedSpeakingFrame(), FrameDirection.DOWNSTREAM
            )
        provider = self.providers[index]
        if isinstance(provider, DiscardsPending):
            await provider.discard_pending()
