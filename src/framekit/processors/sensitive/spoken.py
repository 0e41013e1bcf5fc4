"""The spoken-entry stage: a card number said aloud goes to the tool that asked, as digits.

Why a second stage, after the speech-to-text stage: during a spoken sensitive entry
(:class:`~framekit.frames.SensitiveEntryRequestFrame` with ``spoken=True``) the
:class:`~framekit.processors.sensitive.SensitiveEntryGate` lets the recognizer hear
the caller (the recording gets silence instead), so the digits come out of the
recognizer as words. This stage, placed right after it and before anything that
keeps or answers the caller's words (the turn-text relay, the call record's point,
the conversation), is where those words stop:

* between the gate's :class:`~framekit.frames.SensitiveWindowStartFrame` and
  :class:`~framekit.frames.SensitiveWindowEndFrame` every transcript, interim or
  final, is taken out of the pipeline. The caller's speaking events pass: the stages
  below learn that the caller spoke (a call flow does not prompt a caller who is
  reading out a card number as if they were silent), never what was said;
* the digits of each final transcript (read by
  :func:`~framekit.privacy.kinds.spoken.number_runs`, the reader the redaction
  uses: "four five three nine", "double four", "forty five") are added to the
  entry, and the final transcript that brings them to the request's ``min_digits``
  completes it: the request's ``answer`` gets a
  :class:`~framekit.frames.SensitiveEntry`, and the gate closes the entry. A caller
  who says "start over", "let me start again", "from the top" or "scratch that"
  takes back every digit said before it (the spoken form of the keypad's ``*``);
* after the window the recognizer may still owe the transcript of an utterance that
  began inside it: the stage withholds the words until that utterance's final
  transcript, or until the caller starts a new utterance.

While a window is open the stage also tells the recognizer to expect digits
(:class:`~framekit.frames.ExpectedSpeechFrame`), and gives it back the dialogue's
own hint afterwards. Outside a window every frame passes unchanged. The digits are
never put in a frame and never logged.
"""

from __future__ import annotations

from enum import Enum

from framekit.frames import (
    ExpectedSpeech,
    ExpectedSpeechFrame,
    InterimTranscriptionFrame,
    SensitiveEntry,
    SensitiveEntryEnd,
    SensitiveEntryRequestFrame,
    SensitiveWindowEndFrame,
    SensitiveWindowStartFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.privacy.kinds.spoken import after_restart, number_runs
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame

__all__ = ["SpokenEntryStage", "spoken_digits"]


def spoken_digits(text: str) -> str:
    """The digits in ``text``, said or written ("four five 39 double one" is ``"453911"``)."""
    return "".join(run.digits for run in number_runs(text))


class _Utterance(Enum):
    """The caller's utterance as this stage has seen it pass."""

    NONE = "none"
    SPEAKING = "speaking"
    TRANSCRIBING = "transcribing"  # stopped: its final transcript may still come


class SpokenEntryStage(FrameProcessor):
    """After the speech-to-text stage: withholds a sensitive entry's words, reads its digits."""

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._window = False  # between the gate's window frames
        self._after = False  # past the window: its last utterance's words still withheld
        self._request: SensitiveEntryRequestFrame | None = None  # a spoken entry being said
        self._digits = ""
        self._utterance = _Utterance.NONE
        self._expected: ExpectedSpeech | None = None  # the dialogue's hint, given back after

    @property
    def withholding(self) -> bool:
        """Whether the caller's words are being taken out of the pipeline."""
        return self._window or self._after

    @on_frame(SensitiveWindowStartFrame)
    async def _on_window_start(
        self, frame: SensitiveWindowStartFrame, direction: FrameDirection
    ) -> None:
        await self.push_frame(frame, direction)
        if direction is not FrameDirection.DOWNSTREAM:
            return
        self._window, self._after = True, False
        self._digits = ""
        spoken = frame.request is not None and frame.request.spoken
        self._request = frame.request if spoken else None
        if spoken:
            await self.push_frame(ExpectedSpeechFrame(expect="digits"), FrameDirection.UPSTREAM)

    @on_frame(SensitiveWindowEndFrame)
    async def _on_window_end(
        self, frame: SensitiveWindowEndFrame, direction: FrameDirection
    ) -> None:
        await self.push_frame(frame, direction)
        if direction is not FrameDirection.DOWNSTREAM or not self._window:
            return
        spoken = self._request is not None
        self._window, self._request, self._digits = False, None, ""
        self._after = self._utterance is not _Utterance.NONE
        if spoken:
            hint = ExpectedSpeechFrame(expect=self._expected)
            await self.push_frame(hint, FrameDirection.UPSTREAM)

    @on_frame(ExpectedSpeechFrame)
    async def _on_expected(self, frame: ExpectedSpeechFrame, direction: FrameDirection) -> None:
        if direction is FrameDirection.UPSTREAM:
            self._expected = frame.expect
            if self._request is not None:
                return  # the entry's hint stands until its window ends
        await self.push_frame(frame, direction)

    @on_frame(UserStartedSpeakingFrame)
    async def _on_started(self, frame: UserStartedSpeakingFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        self._after = False  # a new utterance: the window's words are over
        self._utterance = _Utterance.SPEAKING

    @on_frame(UserStoppedSpeakingFrame)
    async def _on_stopped(self, frame: UserStoppedSpeakingFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        self._utterance = _Utterance.TRANSCRIBING

    @on_frame(InterimTranscriptionFrame)
    async def _on_interim(
        self, frame: InterimTranscriptionFrame, direction: FrameDirection
    ) -> None:
        if not self.withholding or direction is not FrameDirection.DOWNSTREAM:
            await self.push_frame(frame, direction)

    @on_frame(TranscriptionFrame)
    async def _on_final(self, frame: TranscriptionFrame, direction: FrameDirection) -> None:
        if direction is not FrameDirection.DOWNSTREAM:
            await self.push_frame(frame, direction)
            return
        withheld = self.withholding
        if self._utterance is _Utterance.TRANSCRIBING:  # the stopped utterance's words
            self._utterance = _Utterance.NONE
            self._after = False
        if not withheld:
            await self.push_frame(frame, direction)
            return
        request = self._request
        if request is None or request.answer.done():
            return
        said = frame.text
        if (anew := after_restart(said)) is not None:  # "sorry, let me start again"
            self._digits, said = "", anew
        self._digits += spoken_digits(said)
        if len(self._digits) >= max(request.min_digits, 1):
            request.answer.set_result(SensitiveEntry(self._digits, SensitiveEntryEnd.COMPLETE))
            self._digits = ""
