"""Redaction around a record point: what is stored is redacted, what flows on is not.

Why a pair around the point rather than one stage before it: the call record takes
what enters its points (:mod:`framekit.storage.recorder`), but the frames that enter
them also go on to the stages that need the real values. The caller's words pass the
first point on their way to the LLM, and the model must hear "4111 1111 1111 1111"
to pass it to the payment tool; the output transport's reports of what the caller
heard pass the last point on their way up to the LLM's context. So the stage before a
point (in the direction the frame travels) hands the point a redacted copy, and the
stage after it puts the original back: the record gets the copy, the pipeline the
original, and no stage waits for anything.

What is redacted, in the direction it enters the point:

* a final :class:`~framekit.frames.TranscriptionFrame` (the caller's words), read with
  the end of the caller's previous turn: a number whose groups a pause split over two
  turns is still one number (:mod:`framekit.privacy.continued`);
* the bot's text: the LLM's :class:`~framekit.frames.LLMTextFrame` chunks are
  gathered per response (a card number split over three chunks is still one
  number), the point gets empty chunks and, just before the response's
  :class:`~framekit.frames.LLMResponseEndFrame`, the whole text redacted; the output
  transport's :class:`~framekit.frames.SentencePlayedFrame` reports (``text``, ``heard``);
* a tool's :class:`~framekit.frames.FunctionCallResultFrame` going downstream (the
  copy the recorder stores): every string and number of its arguments and result,
  read with its key ("phone: 5550104477" is a phone, "order_id: 5550104477" is not).
  The tool has run by then, with the real values, above the point.

A frame that crosses two points (a report going up through both) gets the same copy
at each, so it is stored once. A copy keeps its original's ``id`` (:func:`_view`): it
is the same frame, redacted, and observers that report each frame once (the page's
live events, traces) count the two as one. Use :meth:`Redaction.around`::

    redaction = Redaction(redactor)  # one per call; the Redactor is the process's
    Pipeline([..., stt, *redaction.around(recorder.record_point()), llm, tools, tts,
              *redaction.around(recorder.record_point()), transport.output()])
"""

from __future__ import annotations

import weakref
from dataclasses import replace
from typing import Any, Final, TypeVar

from framekit.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    FunctionCallResultFrame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    SentencePlayedFrame,
    TranscriptionFrame,
)
from framekit.privacy.redact import Redactor
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame

__all__ = ["Redaction", "RedactionProcessor"]

_F = TypeVar("_F", bound=Frame)

_INJECTED: Final = object()
"""The original of a frame made only for the point (a response's whole text): dropped after it."""
_MAX_REMEMBERED = 256
_MAX_RESPONSE_CHARS = 65536
_MAX_RESPONSES = 16


class Redaction:
    """One call's redaction: the copies handed to its points and the originals behind them."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self._copies: weakref.WeakKeyDictionary[Frame, Frame] = weakref.WeakKeyDictionary()
        self._originals: dict[Frame, object] = {}
        self._responses: dict[str, list[str]] = {}
        self._caller_before = ""  # the caller's previous turn, as said (read, never stored)

    def around(self, point: FrameProcessor) -> list[FrameProcessor]:
        """``[redact, point, restore]``: splice it where ``point`` would go."""
        return [
            RedactionProcessor(self, FrameDirection.DOWNSTREAM),
            point,
            RedactionProcessor(self, FrameDirection.UPSTREAM),
        ]

    # --- entering the point --------------------------------------------------------------

    def copy_for_point(self, frame: Frame, direction: FrameDirection) -> Frame:
        """The frame the point should see: ``frame`` itself when it holds nothing to redact."""
        known = self._copies.get(frame)
        if known is not None:
            return known
        copy = self._redacted(frame, direction)
        if copy is not frame:
            self._copies[frame] = copy
            self._remember(copy, frame)
        return copy

    def response_end(self, frame: LLMResponseEndFrame) -> Frame | None:
        """The response's whole text, redacted, to go into the point before its end."""
        chunks = self._responses.pop(frame.response_id, None)
        return None if chunks is None else self._inject(frame.response_id, "".join(chunks))

    def flush_responses(self) -> list[Frame]:
        """At a barge-in or the call's end: the responses not ended yet (planned text), redacted."""
        flushed = [self._inject(rid, "".join(chunks)) for rid, chunks in self._responses.items()]
        self._responses.clear()
        return flushed

    # --- leaving it ----------------------------------------------------------------------

    def original(self, frame: Frame) -> Frame | None:
        """What goes on past the point: the original of a copy, ``None`` for an injected frame."""
        original = self._originals.get(frame, frame)
        return None if original is _INJECTED else original  # type: ignore[return-value]

    # --- helpers -------------------------------------------------------------------------

    def _redacted(self, frame: Frame, direction: FrameDirection) -> Frame:
        text = self.redactor.text
        if isinstance(frame, TranscriptionFrame):
            redacted = text(frame.text, before=self._caller_before)
            self._caller_before = frame.text
            return frame if redacted == frame.text else _view(frame, text=redacted)
        if isinstance(frame, SentencePlayedFrame):
            said, heard = text(frame.text), text(frame.heard)
            if said == frame.text and heard == frame.heard:
                return frame
            return _view(frame, text=said, heard=heard)
        if isinstance(frame, LLMTextFrame):
            return self._chunk(frame)
        if isinstance(frame, FunctionCallResultFrame) and direction is FrameDirection.DOWNSTREAM:
            return _view(
                frame,
                arguments=self._value("", frame.arguments),
                result=self._value("", frame.result),
                error=None if frame.error is None else text(frame.error),
            )
        return frame

    def _chunk(self, frame: LLMTextFrame) -> Frame:
        chunks = self._responses.get(frame.response_id)
        if chunks is None:
            if len(self._responses) >= _MAX_RESPONSES:  # ends that never came
                self._responses.pop(next(iter(self._responses)))
            chunks = self._responses[frame.response_id] = []
        if sum(map(len, chunks)) < _MAX_RESPONSE_CHARS:
            chunks.append(frame.text)
        return _view(frame, text="")

    def _value(self, key: str, value: Any) -> Any:
        """``value`` with its personal data redacted; ``key`` gives a bare number its meaning."""
        if isinstance(value, dict):
            return {k: self._value(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._value(key, v) for v in value]
        if isinstance(value, bool) or not isinstance(value, str | int):
            return value
        said = str(value)
        label = key.replace("_", " ") + ": " if key else ""
        redacted = self.redactor.text(label + said)
        if redacted == label + said:
            return value
        return redacted[len(label) :] if redacted.startswith(label) else self.redactor.text(said)

    def _inject(self, response_id: str, text: str) -> Frame:
        frame = LLMTextFrame(text=self.redactor.text(text), response_id=response_id)
        self._remember(frame, _INJECTED)
        return frame

    def _remember(self, copy: Frame, original: object) -> None:
        # Kept, not popped, when restored: a frame may cross another point after this one.
        # The oldest go first; a frame is past every point long before 256 others come.
        if len(self._originals) >= _MAX_REMEMBERED:
            del self._originals[next(iter(self._originals))]
        self._originals[copy] = original


def _view(frame: _F, **changes: Any) -> _F:
    """A copy of ``frame`` with ``changes`` that keeps its ``id``: the same frame, redacted."""
    view = replace(frame, **changes)
    view.id = frame.id
    return view


class RedactionProcessor(FrameProcessor):
    """One side of a record point (made in pairs by :meth:`Redaction.around`).

    Frames that go past it toward the point (``toward``) are swapped for their
    redacted copies; frames coming from the point get their originals back.
    """

    def __init__(self, redaction: Redaction, toward: FrameDirection) -> None:
        super().__init__()
        self.redaction = redaction
        self.toward = toward

    @on_frame(TranscriptionFrame, SentencePlayedFrame, FunctionCallResultFrame, LLMTextFrame)
    async def _swap(self, frame: Frame, direction: FrameDirection) -> None:
        if direction is self.toward:
            await self.push_frame(self.redaction.copy_for_point(frame, direction), direction)
            return
        original = self.redaction.original(frame)
        if original is not None:
            await self.push_frame(original, direction)

    @on_frame(LLMResponseEndFrame)
    async def _response_end(self, frame: LLMResponseEndFrame, direction: FrameDirection) -> None:
        if direction is self.toward:
            whole = self.redaction.response_end(frame)
            if whole is not None:
                await self.push_frame(whole, direction)
        await self.push_frame(frame, direction)

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        await self._flush_planned()

    async def on_end(self, frame: EndFrame) -> None:
        await self._flush_planned()

    async def on_cancel(self, frame: CancelFrame) -> None:
        # A call ended mid-answer (a hang-up, a server stopping): the response's end will
        # never come, and the point must still get the words the caller was hearing.
        await self._flush_planned()

    async def _flush_planned(self) -> None:
        if self.toward is FrameDirection.DOWNSTREAM:
            for planned in self.redaction.flush_responses():
                await self.push_frame(planned, FrameDirection.DOWNSTREAM)
