"""Small processors the core tests share."""

from __future__ import annotations

import asyncio

from framekit.frames import Frame, SystemFrame, TextFrame
from framekit.processors import FrameDirection, FrameProcessor, QueuedFrameProcessor


class Gate(QueuedFrameProcessor):
    """A queued processor that holds each ordered frame until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = asyncio.Event()
        self.entered = asyncio.Event()
        self.handled: list[Frame] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, SystemFrame):
            await self.push_frame(frame, direction)
            return
        self.entered.set()
        await self.opened.wait()
        self.handled.append(frame)
        await self.push_frame(frame, direction)


class Recorder(FrameProcessor):
    """Passes everything on and remembers what it saw, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Frame] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        self.seen.append(frame)
        await self.push_frame(frame, direction)


class Explode(FrameProcessor):
    """Raises on text frames that say 'boom', passes the rest."""

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, TextFrame) and frame.text == "boom":
            raise ValueError("boom")
        await self.push_frame(frame, direction)


def texts(frames: list[Frame]) -> list[str]:
    return [f.text for f in frames if isinstance(f, TextFrame)]
