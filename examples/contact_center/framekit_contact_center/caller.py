"""A simulated caller: scripted turns spoken into the pipeline, each after the bot's answer.

Why not a WAV file with fixed gaps: how long the bot takes to answer depends on
the machine, so fixed gaps either make the caller talk over the bot or leave dead
air. This input transport speaks turn *n*, then listens (silence on the line, as a
real phone line carries) until the bot's reply has been played to its end, and
only then speaks turn *n + 1*.

The reply is over when the brain's ``LLMResponseEndFrame`` has left the pipeline
(every sentence's audio was written before it) and the bot is not speaking; the
application feeds those frames in with :meth:`ScriptedCaller.observe`, a
``task.on_downstream_exit`` listener.

A turn is audio (:class:`Speak`; plain ``bytes`` too), keys (:class:`Keys`, sent
as :class:`~framekit.frames.DTMFFrame` objects, as a phone line reports them) or
quiet (:class:`Silence`). A :class:`Speak` with ``barge_in`` does not wait for the
reply before it to end: it starts that many seconds after the bot began speaking,
to test interruptions (``framekit simulate``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from loguru import logger

from framekit.audio import AudioFormat
from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CancelFrame,
    DTMFFrame,
    EndFrame,
    Frame,
    InterruptionFrame,
    LLMResponseEndFrame,
)
from framekit.transports import InputTransport

__all__ = ["CallerStep", "Keys", "ScriptedCaller", "Silence", "Speak"]


@dataclass(frozen=True, slots=True)
class Speak:
    """Say ``audio``; with ``barge_in``, start ``barge_in`` seconds into the bot's reply."""

    audio: bytes
    barge_in: float | None = None


@dataclass(frozen=True, slots=True)
class Keys:
    """Press ``digits`` on the keypad, ``gap`` seconds apart, then wait for the reply."""

    digits: str
    gap: float = 0.15


@dataclass(frozen=True, slots=True)
class Silence:
    """Say nothing for ``seconds``; no reply is awaited (the bot may speak meanwhile)."""

    seconds: float


CallerStep = Speak | Keys | Silence


class ScriptedCaller(InputTransport):
    """Speaks ``turns`` (audio in ``fmt``) one at a time, waiting for the bot in between.

    ``realtime``: audio arrives at the pace it is spoken, and silence keeps
    flowing while the bot answers; otherwise it goes as fast as the pipeline
    takes it and the line is quiet (no frames) while the bot answers.
    ``trailing_silence`` after each turn lets the VAD hear the caller stop.
    :attr:`recording` is everything the caller sent, in ``fmt``.
    """

    def __init__(
        self,
        turns: Sequence[bytes | CallerStep],
        fmt: AudioFormat,
        *,
        realtime: bool = True,
        lead_in: float = 0.5,
        trailing_silence: float = 1.6,
        pause_after_reply: float = 0.4,
        reply_timeout: float = 60.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._turns = [Speak(t) if isinstance(t, bytes) else t for t in turns]
        self._fmt = fmt
        self._realtime = realtime
        self._lead_in = lead_in
        self._trailing = trailing_silence
        self._pause = pause_after_reply
        self._reply_timeout = reply_timeout
        self._sent = bytearray()
        self._replied = asyncio.Event()
        self._bot_started = asyncio.Event()
        self._response_ended = False
        self._bot_speaking = False
        self._reader: asyncio.Task[None] | None = None
        self._start = 0.0
        self._fed_seconds = 0.0
        self.finished = asyncio.Event()
        """Set once the last turn has been answered."""
        self.unanswered = 0
        """Turns the bot did not answer within ``reply_timeout``."""

    @property
    def recording(self) -> bytes:
        """The caller's side of the call, as sent (in the turns' format)."""
        return bytes(self._sent)

    def observe(self, frame: Frame) -> None:
        """A frame left the bottom of the pipeline (register as a downstream-exit listener)."""
        if isinstance(frame, BotStartedSpeakingFrame):
            self._bot_speaking = True
            self._bot_started.set()
        elif isinstance(frame, InterruptionFrame):
            # Whatever ended before the interruption belonged to the reply cut short.
            self._response_ended = False
            self._replied.clear()
            return
        elif isinstance(frame, BotStoppedSpeakingFrame):
            self._bot_speaking = False
        elif isinstance(frame, LLMResponseEndFrame):
            self._response_ended = True
        else:
            return
        if self._response_ended and not self._bot_speaking:
            self._replied.set()

    async def on_pipeline_started(self) -> None:
        self._reader = self.context.tasks.create_task(self._play(), "scripted-caller")

    async def on_end(self, frame: EndFrame) -> None:
        await super().on_end(frame)
        await self._stop()

    async def on_cancel(self, frame: CancelFrame) -> None:
        await super().on_cancel(frame)
        await self._stop()

    async def _play(self) -> None:
        self._start = self.clock.now()
        self._fed_seconds = 0.0
        await self._silence(self._lead_in)
        steps = self._turns
        for n, step in enumerate(steps, 1):
            self._replied.clear()
            self._bot_started.clear()
            self._response_ended = False
            if isinstance(step, Silence):
                await self._silence(step.seconds)
                continue
            if isinstance(step, Keys):
                await self._press(step)
            else:
                await self._speak(step.audio)
                await self._silence(self._trailing)
            after = steps[n] if n < len(steps) else None
            barge_in = after.barge_in if isinstance(after, Speak) else None
            if barge_in is not None:
                answered = await self._wait_for(self._bot_started)
            else:
                answered = await self._wait_for(self._replied)
            if not answered:
                self.unanswered += 1
                logger.warning(f"{self.name}: no reply to turn {n} in {self._reply_timeout:g} s")
            await self._silence(self._pause if barge_in is None else barge_in)
        self.finished.set()
        while self._realtime:  # an open line carries silence until the call ends
            await self._silence(self.chunk_ms / 1000)

    async def _press(self, keys: Keys) -> None:
        for digit in keys.digits:
            await self.push_frame(DTMFFrame(digit=digit))
            await self._silence(keys.gap)

    async def _wait_for(self, event: asyncio.Event) -> bool:
        deadline = self.clock.now() + self._reply_timeout
        while not event.is_set():
            if self.clock.now() >= deadline:
                return False
            if self._realtime:
                await self._silence(self.chunk_ms / 1000)
            else:
                try:
                    async with asyncio.timeout(deadline - self.clock.now()):
                        await event.wait()
                except TimeoutError:
                    return False
        return True

    async def _silence(self, seconds: float) -> None:
        await self._speak(bytes(self._fmt.bytes_for(seconds)))

    async def _speak(self, audio: bytes) -> None:
        """Feed ``audio`` in ``chunk_ms`` pieces, each once it has been "spoken" (realtime)."""
        fmt = self._fmt
        step = fmt.bytes_for(self.chunk_ms / 1000)
        for offset in range(0, len(audio), step):
            piece = audio[offset : offset + step]
            self._fed_seconds += fmt.duration_of(len(piece))
            if self._realtime:
                delay = self._start + self._fed_seconds - self.clock.now()
                if delay > 0:
                    await self.clock.sleep(delay)
            else:
                await asyncio.sleep(0)
            self._sent += piece
            await self.feed_audio(piece, fmt)

    async def _stop(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None and not reader.done() and reader is not asyncio.current_task():
            reader.cancel()
            await asyncio.wait([reader])
