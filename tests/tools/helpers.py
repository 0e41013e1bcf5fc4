"""A call driven by hand around a ToolRunner, and small processors the tool tests share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from framekit.clock import ManualClock
from framekit.frames import (
    Frame,
    FunctionCallRequestedFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
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


class Call:
    """A running call with every frame that left it, and a way to wait for one."""

    def __init__(self, processors: Sequence[FrameProcessor]) -> None:
        self.clock = ManualClock()
        self.task = PipelineTask(
            Pipeline(list(processors)), params=PipelineParams(idle_timeout=None), clock=self.clock
        )
        self.downstream: list[Frame] = []
        self.upstream: list[Frame] = []
        self._waiters: list[tuple[Callable[[Frame], bool], asyncio.Event]] = []
        self.task.on_downstream_exit(self._downstream)
        self.task.on_upstream_exit(self._upstream)
        self._run: asyncio.Future[None] | None = None

    def _downstream(self, frame: Frame) -> None:
        self.downstream.append(frame)
        self._notify(frame)

    def _upstream(self, frame: Frame) -> None:
        self.upstream.append(frame)
        self._notify(frame)

    def _notify(self, frame: Frame) -> None:
        for predicate, event in self._waiters:
            if predicate(frame):
                event.set()

    def start(self) -> None:
        self._run = asyncio.ensure_future(self.task.run())

    async def send(self, *frames: Frame) -> None:
        await self.task.queue_frames(frames)

    async def wait_for(self, predicate: Callable[[Frame], bool]) -> None:
        """Wait until a frame matching ``predicate`` has left the call (either end)."""
        if any(predicate(frame) for frame in (*self.downstream, *self.upstream)):
            return
        event = asyncio.Event()
        self._waiters.append((predicate, event))
        await asyncio.wait_for(event.wait(), 5)

    async def end(self) -> None:
        await self.task.stop_when_done()
        assert self._run is not None
        await asyncio.wait_for(self._run, 5)

    async def cancel(self) -> None:
        await self.task.cancel()
        assert self._run is not None
        await asyncio.wait_for(self._run, 5)

    def down_of(self, frame_type: type[Any]) -> list[Any]:
        return [f for f in self.downstream if isinstance(f, frame_type)]

    def up_of(self, frame_type: type[Any]) -> list[Any]:
        return [f for f in self.upstream if isinstance(f, frame_type)]


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
