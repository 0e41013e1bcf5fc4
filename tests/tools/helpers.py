"""Frames and small processors the tool tests share (the call: ``framekit.testing.LiveCall``)."""

from __future__ import annotations

import asyncio
from typing import Any

from framekit.frames import (
    Frame,
    FunctionCallRequestedFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
)
from framekit.processors import FrameDirection, FrameProcessor


class Blocker(FrameProcessor):
    """A plain processor that holds the pusher on the ``LLMTextFrame`` saying ``hold``.

    Placed after the runner it keeps the runner's worker busy, so the frames behind
    the text wait in the runner's queue: the state a barge-in finds when the bot's
    output is slow.
    """

    def __init__(self, hold: str = "block") -> None:
        super().__init__()
        self.hold = hold
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, LLMTextFrame) and frame.text == self.hold:
            self.entered.set()
            await self.release.wait()
        await self.push_frame(frame, direction)


def request(
    call_id: str, name: str, response_id: str = "r1", **arguments: Any
) -> FunctionCallRequestedFrame:
    return FunctionCallRequestedFrame(
        call_id=call_id, function_name=name, arguments=arguments, response_id=response_id
    )


def response(response_id: str, *frames: Frame) -> list[Frame]:
    """An LLM response: start, ``frames``, end."""
    return [
        LLMResponseStartFrame(response_id=response_id),
        *frames,
        LLMResponseEndFrame(response_id=response_id),
    ]


def text(words: str, response_id: str = "r1") -> LLMTextFrame:
    return LLMTextFrame(text=words, response_id=response_id)
