"""One streaming recognizer made of several: when a vendor's session fails, the next one hears on.

:class:`FallbackStreamingRecognizer` is a
:class:`~framekit.processors.stt.service.StreamingRecognizer`, so the one streaming
stage (:class:`~framekit.processors.stt.streaming.StreamingSTTProcessor`) drives it
like any other, the way :class:`~framekit.processors.stt.fallback.FallbackRecognizer`,
:class:`~framekit.llm.fallback.FallbackLLMService` and
:class:`~framekit.processors.tts.fallback.FallbackVoice` are driven by theirs. Its
session (:class:`FallbackSession`) holds one vendor session at a time, opened on the
first recognizer whose circuit breaker lets it through (:mod:`framekit.health`, the
process's :class:`~framekit.health.ProviderHealth`, keyed by each recognizer's ``name``).

The vendor is abandoned when its session

* reports an error (a :class:`~framekit.processors.stt.service.RecognitionError`: a lost
  or refused connection, a vendor's error message), its stream ends or raises, or
* goes silent: speech (PCM16 audio with a level of ``speech_rms`` or more) was sent
  and nothing came back (no interim, no final) for ``result_timeout`` seconds, or the
  caller stopped (:meth:`~FallbackSession.finalize`) and no result came within that
  time. The check runs as caller audio is sent, which is continuous on every
  transport, so it needs no timer. A vendor without interim results answers only
  after the caller stops, so give it a ``result_timeout`` longer than a turn.

On a switch the session keeps the caller's words as a reconnect does
(:class:`~framekit.processors.stt.session.ReconnectingSession`): it keeps the audio
no final result has covered yet (at most ``max_buffer_seconds``; only the last
``pre_roll`` seconds while no speech was heard since the last final), opens the next
vendor's session, sends it that audio, and asks it for the final result if the caller
had already stopped. The failure is recorded on the abandoned vendor's breaker, and
yielded as a :class:`~framekit.processors.stt.service.RecognitionError` (the stage
pushes a non-fatal error: operators want to know the primary is down even when the
caller heard nothing); a final result records a success on the current vendor's.

Back to a preferred vendor: once its breaker allows it and ``cooldown`` seconds (the
health's) have passed since this call left it, the session goes back at a quiet
moment (no speech since the last final, no answer awaited), so a switch back never
splits an utterance. A single recognizer is passed through: its errors are yielded
and its own session reconnects.

Why one session at a time, opened on demand, and no warm standby: a standby costs
every call a second connection for the rare call whose vendor fails, and the next
session buffers the audio while it connects, so no word is lost to the connect time.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass

from loguru import logger

from framekit.audio import AudioEncoding, AudioFormat
from framekit.clock import Clock
from framekit.health import BreakerState, ProviderHealth
from framekit.processors.stt._level import pcm16_rms
from framekit.processors.stt._streaming import AudioLog
from framekit.processors.stt.service import (
    RecognitionError,
    RecognitionEvent,
    RecognitionSession,
    StreamingRecognizer,
)

__all__ = ["FallbackSession", "FallbackStreamingRecognizer", "STTSwitch"]


@dataclass(frozen=True, slots=True)
class STTSwitch:
    """One change of vendor in a call, for logs and tests."""

    at: float
    """Clock time of the switch."""
    old: str
    new: str
    reason: str
    replayed_seconds: float
    """Audio sent again to the new vendor: what no final result had covered."""


_Event = RecognitionEvent | RecognitionError


@dataclass(frozen=True, slots=True)
class _Request:
    reason: str
    failed: bool
    target: int | None = None


class FallbackStreamingRecognizer:
    """Streams each call to the first of ``recognizers`` that works, and on to the next.

    Every recognizer must take the same :attr:`audio_format` (the stage declares one).
    ``health``: the process's breakers. Times are seconds; see the module docstring.
    """

    def __init__(
        self,
        recognizers: Sequence[StreamingRecognizer],
        *,
        health: ProviderHealth,
        result_timeout: float = 3.0,
        speech_rms: float = 300.0,
        pre_roll: float = 0.5,
        max_buffer_seconds: float = 15.0,
        name: str | None = None,
    ) -> None:
        if not recognizers:
            raise ValueError("FallbackStreamingRecognizer needs at least one recognizer")
        formats = {recognizer.audio_format for recognizer in recognizers}
        if len(formats) > 1:
            listed = ", ".join(f"{r.name}: {r.audio_format}" for r in recognizers)
            raise ValueError(
                f"a fallback's recognizers must take one audio format, not {listed}: "
                "set each vendor's sample rate to the call's"
            )
        for setting, value in (
            ("result_timeout", result_timeout),
            ("max_buffer_seconds", max_buffer_seconds),
        ):
            if not value > 0:
                raise ValueError(f"{setting} must be > 0, got {value}")
        if not 0 <= pre_roll <= max_buffer_seconds:
            raise ValueError(f"pre_roll must be in [0, max_buffer_seconds], got {pre_roll}")
        self.recognizers = tuple(recognizers)
        self.name = name or ">".join(recognizer.name for recognizer in self.recognizers)
        self.health = health
        self.result_timeout = result_timeout
        self.speech_rms = speech_rms
        self.pre_roll = pre_roll
        self.max_buffer_seconds = max_buffer_seconds

    @property
    def audio_format(self) -> AudioFormat:
        """What every recognizer of the chain takes."""
        return self.recognizers[0].audio_format

    def open(self, clock: Clock) -> FallbackSession:
        return FallbackSession(self, clock)


class FallbackSession:
    """One call's :class:`~framekit.processors.stt.service.RecognitionSession` over the chain."""

    def __init__(self, owner: FallbackStreamingRecognizer, clock: Clock) -> None:
        self.owner = owner
        self.clock = clock
        self.format = owner.audio_format
        self.switches: list[STTSwitch] = []
        """Every change of vendor in this call, in order."""
        self._levels = self.format.encoding is AudioEncoding.PCM16
        self._pending = AudioLog(self.format.bytes_for(owner.max_buffer_seconds))
        """Audio no final result has covered yet: what a switch sends again."""
        self._pre_roll_bytes = self.format.bytes_for(owner.pre_roll)
        self._heard_speech = False
        """Speech (or a result) since the last final: the pending audio holds words."""
        self._finalized = False
        """The caller stopped and no final came yet: a new vendor must be asked again."""
        self._unanswered_since: float | None = None
        self._left_at = [-math.inf] * len(owner.recognizers)
        self._request: _Request | None = None
        self._waits: set[asyncio.Timeout] = set()
        """Where :meth:`events` waits on the vendor: a switch request ends the wait."""
        self._followers: set[asyncio.Timeout] = set()
        """The keep-alive and connection waits: a switch moves them to the new vendor."""
        self._lock = asyncio.Lock()
        """Keeps caller audio behind a switch's replay."""
        self._closing = False
        self._index = self._choose(exclude=None)
        self._session = self._open(self._index)

    # --- what the stage calls ------------------------------------------------------------

    @property
    def active(self) -> StreamingRecognizer:
        """The recognizer that hears the caller now."""
        return self.owner.recognizers[self._index]

    @property
    def connected(self) -> bool:
        return self._session.connected

    async def wait_connected(self) -> None:
        """Wait until the current vendor takes audio (a switch meanwhile: the new one)."""
        while not await self._until_switched(self._session.wait_connected()):
            pass

    async def keep_alive(self) -> None:
        """The current vendor's keep-alive, moved to the new vendor on a switch."""
        while True:
            if await self._until_switched(self._session.keep_alive()):  # it should not end
                await self._until_switched(asyncio.get_running_loop().create_future())

    async def send_audio(self, pcm: bytes) -> None:
        async with self._lock:
            await self._session.send_audio(pcm)
        self._pending.add(0, pcm)
        owner, now = self.owner, self.clock.now()
        if self._levels and pcm16_rms(pcm) >= owner.speech_rms:
            self._heard_speech = True
            if self._unanswered_since is None:
                self._unanswered_since = now
        if not self._heard_speech:
            self._pending.keep_last(self._pre_roll_bytes)
        since = self._unanswered_since
        if since is not None and now - since >= owner.result_timeout:
            self._unanswered_since = None
            if self._ready(now, range(len(owner.recognizers)), self._index):
                self._ask_switch(_Request(f"no result for {now - since:.1f}s", failed=True))
        elif self._index and since is None and not self._heard_speech:
            self._return_if_ready(now)

    async def finalize(self) -> None:
        self._finalized = True
        if self._heard_speech and self._unanswered_since is None:
            self._unanswered_since = self.clock.now()
        async with self._lock:
            await self._session.finalize()

    async def events(self) -> AsyncGenerator[_Event, None]:
        """The current vendor's results; on its failure, the next vendor's."""
        while not self._is_closing():
            request: _Request | None = None
            async with contextlib.aclosing(self._session.events()) as stream:
                while request is None:
                    request = self._asked()  # asked while a result was being pushed
                    if request is not None:
                        break
                    try:
                        async with self._interruptible(self._waits):
                            event = await anext(stream)
                    except StopAsyncIteration:
                        if self._is_closing():
                            return
                        request = _Request("its stream ended", failed=True)
                    except TimeoutError:
                        request = self._asked()
                        if request is None:
                            raise
                    except Exception as exc:
                        request = _Request(f"its stream failed: {exc!r}", failed=True)
                    else:
                        if isinstance(event, RecognitionError) and self._switches():
                            request = _Request(event.message, failed=True)
                        else:
                            yield self._heard(event)
            if self._is_closing():
                return
            failed = self.active.name
            switch = await self._switch(request)
            if request.failed:
                yield RecognitionError(
                    f"{failed} failed ({request.reason}); {switch.new} took over "
                    f"with {switch.replayed_seconds:.2f}s of audio"
                )

    async def close(self) -> None:
        self._closing = True
        await self._session.close()

    def abort(self) -> None:
        self._closing = True
        self._session.abort()

    def finish(self) -> RecognitionEvent | None:
        return self._session.finish()

    # --- inside ---------------------------------------------------------------------------

    def _is_closing(self) -> bool:
        """``_closing`` read afresh (the end may have come while :meth:`events` awaited)."""
        return self._closing

    def _asked(self) -> _Request | None:
        """The switch asked for from another task (read afresh, like :meth:`_is_closing`)."""
        return self._request

    def _switches(self) -> bool:
        return len(self.owner.recognizers) > 1 and not self._closing

    def _heard(self, event: _Event) -> _Event:
        """Book a result: the vendor answered; a final covers the pending audio."""
        if isinstance(event, RecognitionError):
            return event
        self._unanswered_since = None
        self._heard_speech = True
        if event.final:
            self.owner.health.breaker(self.active.name).record_success()
            self._pending.take()
            self._heard_speech = self._finalized = False
        return event

    def _choose(self, *, exclude: int | None) -> int:
        """The most preferred vendor (other than ``exclude``) that may be tried now.

        One whose breaker is open, or that this call left less than a cool-down ago,
        is passed over; when every other one is, the one after ``exclude`` (the last
        one at the start) is tried all the same: trying beats hearing nothing.
        """
        now = self.clock.now()
        recognizers, health = self.owner.recognizers, self.owner.health
        for index, recognizer in enumerate(recognizers):
            if index == exclude or now < self._left_at[index] + health.cooldown:
                continue
            if health.breaker(recognizer.name).allow(now):
                return index
        if exclude is None:
            return len(recognizers) - 1
        return (exclude + 1) % len(recognizers)

    def _open(self, index: int) -> RecognitionSession:
        recognizer = self.owner.recognizers[index]
        session = recognizer.open(self.clock)
        if session.format != self.format:
            session.abort()
            raise ValueError(
                f"{recognizer.name} declares {recognizer.audio_format} but its session takes "
                f"{session.format}"
            )
        return session

    def _return_if_ready(self, now: float) -> None:
        """Ask to go back to a preferred vendor whose cool-down is over (between utterances)."""
        index = self._ready(now, range(self._index), None)
        if index is not None:
            breaker = self.owner.health.breaker(self.owner.recognizers[index].name)
            if breaker.allow(now):
                self._ask_switch(_Request("cool-down over", failed=False, target=index))

    def _ready(self, now: float, candidates: range, exclude: int | None) -> int | None:
        """The first of ``candidates`` (but ``exclude``) this call may try now, if any.

        Read-only (it claims no probe): called as audio arrives. A merely silent vendor
        is kept when no other is ready: swapping two slow vendors back and forth would
        only replay the same audio again and again.
        """
        health = self.owner.health
        for index in candidates:
            if index == exclude or now < self._left_at[index] + health.cooldown:
                continue
            if health.breaker(self.owner.recognizers[index].name).state(now) != BreakerState.OPEN:
                return index
        return None

    def _ask_switch(self, request: _Request) -> None:
        """Have :meth:`events` switch: it stops waiting on the current vendor at once."""
        if self._request is not None or not self._switches():
            return
        self._request = request
        _interrupt(self._waits)

    @contextlib.asynccontextmanager
    async def _interruptible(self, scopes: set[asyncio.Timeout]) -> AsyncIterator[None]:
        """A wait that :func:`_interrupt` of ``scopes`` ends with a :class:`TimeoutError`."""
        async with asyncio.timeout(None) as scope:
            scopes.add(scope)
            try:
                yield
            finally:
                scopes.discard(scope)

    async def _until_switched(self, waiting: Awaitable[None]) -> bool:
        """Await the current vendor's ``waiting``: ``True`` if it ended, ``False`` on a switch."""
        session = self._session
        try:
            async with self._interruptible(self._followers):
                await waiting
                if session is self._session:
                    return True
        except TimeoutError:
            if session is self._session:
                raise
            return False
        return False

    async def _switch(self, request: _Request) -> STTSwitch:
        """Leave the current vendor for ``request.target`` (or the next), with the pending audio."""
        async with self._lock:
            old, now = self._index, self.clock.now()
            breaker = self.owner.health.breaker(self.active.name)
            if request.failed:
                self._left_at[old] = now
                if breaker.record_failure(now):
                    logger.warning(
                        f"{self.owner.name}: {self.active.name} skipped for {breaker.cooldown:g} s"
                    )
            self._session.abort()
            target = request.target if request.target is not None else self._choose(exclude=old)
            self._session = self._open(target)
            self._index = target
            replay = [pcm for _, pcm in self._pending.chunks]
            for pcm in replay:
                await self._session.send_audio(pcm)
            if self._finalized:
                await self._session.finalize()
            if self._unanswered_since is not None:
                self._unanswered_since = now  # the new vendor gets its own time
            self._request = None
        replayed = self.format.duration_of(sum(len(pcm) for pcm in replay))
        switch = STTSwitch(
            now, self.owner.recognizers[old].name, self.active.name, request.reason, replayed
        )
        self.switches.append(switch)
        logger.warning(
            f"{self.owner.name}: STT {switch.old} -> {switch.new} ({request.reason}); "
            f"replaying {replayed:.2f}s of audio"
        )
        _interrupt(self._followers)  # the keep-alive and connection waits follow the switch
        return switch


def _interrupt(scopes: set[asyncio.Timeout]) -> None:
    """End the waits in ``scopes`` now (each raises :class:`TimeoutError` in its task)."""
    now = asyncio.get_running_loop().time()
    for scope in scopes:
        scope.reschedule(now)
