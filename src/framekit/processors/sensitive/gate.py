"""The sensitive-entry gate: the caller's keys go to the tool that asked, and nowhere else.

Why a processor at the head of the pipeline: everything that could keep or repeat
a card number sits below the input transport: the audio recorder's caller tap, the
VAD and speech-to-text, the keypad aggregator, the call record's points, the
conversation and the LLM. Placed right after the input transport, before all of
them, :class:`SensitiveEntryGate` is the one place that has to be right.

While an entry is open (from the :class:`~framekit.frames.SensitiveEntryRequestFrame`
a tool pushed upstream, until it ends):

* each :class:`~framekit.frames.DTMFFrame` is taken out of the pipeline and added
  to the entry (``*`` starts it over, keys other than digits are ignored);
* the caller's audio is marked as the entry's: a
  :class:`~framekit.frames.SensitiveWindowStartFrame` goes downstream when the entry
  opens and a :class:`~framekit.frames.SensitiveWindowEndFrame` when the window
  closes, so the recorder's caller tap writes silence in between and the recording
  keeps its timeline (the key tones and whatever the caller says are not in it);
  the bot's track is untouched. The window lasts the request's ``trailing_silence``
  longer (counted in audio, not on a clock): a carrier reports a key once it has
  heard its tone, and its audio may arrive a little after the event (measured:
  ~0.1 s over the served Twilio path);
* for a keyed entry each :class:`~framekit.frames.InputAudioFrame` is also replaced
  by silence of the same length, so the recognizer hears nothing to write down. A
  spoken entry (``spoken=True``) passes the audio on: the recognizer hears the digits,
  and the :class:`~framekit.processors.sensitive.SpokenEntryStage` after it takes
  the window's words out of the pipeline and completes the entry;
* the caller may not interrupt the bot (:data:`~framekit.interruptions.SENSITIVE_ENTRY`):
  the interruption requests of the caller's detectors (the VAD hears a spoken entry)
  end here;
* the entry ends, and the request's ``answer`` future gets a
  :class:`~framekit.frames.SensitiveEntry`, when it is complete (the terminator,
  ``max_digits`` keys, or the spoken-entry stage's digits), after ``timeout``
  seconds, when an interruption passes, or when the call ends. A tool that stops
  waiting (its future cancelled) ends it too.

Outside an entry the gate passes every frame on unchanged: one attribute test per
frame, no allocation. The keys are never put in a frame, never logged (the
entry's ``repr`` is its length), and only the requesting tool calls ``reveal()``.
"""

from __future__ import annotations

from loguru import logger

from framekit.audio.caps import AudioCaps, PipelineFormat
from framekit.audio.chunker import silence
from framekit.audio.format import AudioFormat
from framekit.clock import TimerHandle
from framekit.frames import (
    CancelFrame,
    DTMFFrame,
    EndFrame,
    InputAudioFrame,
    InterruptionFrame,
    InterruptionRequestFrame,
    SensitiveEntry,
    SensitiveEntryEnd,
    SensitiveEntryRequestFrame,
    SensitiveWindowEndFrame,
    SensitiveWindowStartFrame,
)
from framekit.interruptions import DETECTORS, SENSITIVE_ENTRY
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame

__all__ = ["SensitiveEntryGate"]

_DIGITS = frozenset("0123456789")
_CALLERS_REASONS = frozenset(detector.reason for detector in DETECTORS)
"""The reasons the caller's own detectors (VAD, keypad) give when they ask to interrupt."""


class _Entry:
    """One open entry: the request it answers, the keys so far, its timer."""

    __slots__ = ("keys", "request", "timer")

    def __init__(self, request: SensitiveEntryRequestFrame) -> None:
        self.request = request
        self.keys = ""
        self.timer: TimerHandle | None = None


class SensitiveEntryGate(FrameProcessor):
    """Right after the input transport: diverts the caller's keys to a tool, silences the recording.

    One entry at a time per call: a request made while one is open is answered at
    once with :attr:`~framekit.frames.SensitiveEntryEnd.BUSY`.
    """

    # Declared so that caller audio reaches the gate (audio is not passed beyond its
    # last consumer); the silence it substitutes keeps the frame's format.
    audio_caps = AudioCaps(consumes={InputAudioFrame: PipelineFormat.ANY})

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._entry: _Entry | None = None
        self._muted = False  # the window: during an entry, and its trailing silence after it
        self._spoken = False  # the window's entry is spoken: its audio goes on to the recognizer
        self._trailing = 0.0  # seconds of audio still in the window once the entry ended
        self._silence = b""
        self._silence_format: AudioFormat | None = None

    @property
    def active(self) -> bool:
        """Whether an entry is open (the caller's keys are being withheld)."""
        return self._entry is not None

    @on_frame(SensitiveEntryRequestFrame)
    async def _on_request(
        self, frame: SensitiveEntryRequestFrame, direction: FrameDirection
    ) -> None:
        if direction is not FrameDirection.UPSTREAM:
            await self.push_frame(frame, direction)
            return
        if frame.answer.done():  # the tool gave up before the request arrived
            return
        if self._entry is not None:
            frame.answer.set_result(SensitiveEntry("", SensitiveEntryEnd.BUSY))
            return
        entry = _Entry(frame)
        self._entry = entry
        self._muted = True  # a window still trailing goes on into this entry's
        await self.push_frame(SensitiveWindowStartFrame(request=frame))
        self._spoken = frame.spoken
        entry.timer = self.clock.call_later(
            frame.timeout, lambda: self._finish(entry, SensitiveEntryEnd.TIMEOUT)
        )
        frame.answer.add_done_callback(lambda _: self._finish(entry, SensitiveEntryEnd.ENDED))
        how = "said or keyed" if frame.spoken else "keyed"
        logger.debug(f"{self.name}: sensitive entry open (up to {frame.max_digits} digits, {how})")

    @on_frame(InputAudioFrame)
    async def _on_audio(self, frame: InputAudioFrame, direction: FrameDirection) -> None:
        if not self._muted or direction is not FrameDirection.DOWNSTREAM:
            await self.push_frame(frame, direction)
            return
        if self._entry is None:
            if self._trailing <= 0:
                self._muted = False
                await self.push_frame(SensitiveWindowEndFrame())
                await self.push_frame(frame, direction)
                return
            self._trailing -= frame.duration
        if self._spoken:
            await self.push_frame(frame, direction)
            return
        silent = InputAudioFrame(audio=self._silence_for(frame), format=frame.format)
        await self.push_frame(silent, direction)

    @on_frame(InterruptionRequestFrame)
    async def _on_interruption_request(
        self, frame: InterruptionRequestFrame, direction: FrameDirection
    ) -> None:
        held = self._muted and direction is FrameDirection.UPSTREAM
        if held and frame.reason in _CALLERS_REASONS and not SENSITIVE_ENTRY.caller_may_interrupt:
            return
        await self.push_frame(frame, direction)

    @on_frame(DTMFFrame)
    async def _on_key(self, frame: DTMFFrame, direction: FrameDirection) -> None:
        entry = self._entry
        if entry is None or direction is not FrameDirection.DOWNSTREAM:
            await self.push_frame(frame, direction)
            return
        request = entry.request
        if frame.digit == request.terminator:
            self._finish(entry, SensitiveEntryEnd.COMPLETE)
        elif frame.digit == "*":
            entry.keys = ""
        elif frame.digit in _DIGITS:
            entry.keys += frame.digit
            if len(entry.keys) >= request.max_digits:
                self._finish(entry, SensitiveEntryEnd.COMPLETE)

    def _silence_for(self, frame: InputAudioFrame) -> bytes:
        """Silence as long as ``frame``: reused while frames keep their length and format."""
        if len(self._silence) != len(frame.audio) or self._silence_format != frame.format:
            self._silence = silence(frame.format, len(frame.audio))
            self._silence_format = frame.format
        return self._silence

    def _finish(self, entry: _Entry, end: SensitiveEntryEnd) -> None:
        """Close ``entry`` (once) and answer its tool, unless the tool stopped waiting."""
        if self._entry is not entry:
            return
        self._entry = None
        self._trailing = entry.request.trailing_silence
        if entry.timer is not None:
            entry.timer.cancel()
        answer = entry.request.answer
        if not answer.done():  # else the tool gave up, or the spoken-entry stage answered
            answer.set_result(SensitiveEntry(entry.keys, end))
        entry.keys = ""
        outcome = "the tool stopped waiting" if answer.cancelled() else repr(answer.result())
        logger.debug(f"{self.name}: sensitive entry closed: {outcome}")

    def _finish_open(self, end: SensitiveEntryEnd) -> None:
        if self._entry is not None:
            self._finish(self._entry, end)

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        if SENSITIVE_ENTRY.ends_on_interruption:
            self._finish_open(SensitiveEntryEnd.INTERRUPTED)

    async def on_end(self, frame: EndFrame) -> None:
        self._finish_open(SensitiveEntryEnd.ENDED)

    async def on_cancel(self, frame: CancelFrame) -> None:
        self._finish_open(SensitiveEntryEnd.ENDED)

    async def cleanup(self) -> None:
        self._finish_open(SensitiveEntryEnd.ENDED)
