"""framekit side of the core benchmark: the same shapes as the pipecat adapter.

Pass-through processors forward every frame; the sink records audio arrivals and
the start frame, then forwards everything, like the pipecat sink. Each call is a
``PipelineTask`` with default ``PipelineParams`` whose ``run()`` is an asyncio
task of its own, which is how a server runs one call per connection
(``PipelineRunner`` only adds signal handling for scripts).
"""

from __future__ import annotations

import asyncio
from typing import Any

from _workload import Probe

from framekit.audio import PCM16_16K
from framekit.frames import EndFrame, Frame, InputAudioFrame, StartFrame
from framekit.pipeline import Pipeline, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor

__all__ = ["FramekitFramework"]


class _PassThrough(FrameProcessor):
    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)


class _Sink(FrameProcessor):
    """Records audio arrivals and the start frame, then forwards everything.

    framekit routes lifecycle frames to hooks instead of ``process_frame`` (and
    forwards them itself), so the start frame is seen in :meth:`on_start`.
    """

    def __init__(self, probe: Probe, started: asyncio.Event) -> None:
        super().__init__()
        self._probe = probe
        self._started = started

    async def on_start(self, frame: StartFrame) -> None:
        self._started.set()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, InputAudioFrame):
            self._probe.on_audio(frame)
        await self.push_frame(frame, direction)


class _FramekitCall:
    def __init__(self, n_pass: int, probe: Probe) -> None:
        self._started = asyncio.Event()
        procs: list[FrameProcessor] = [_PassThrough() for _ in range(n_pass)]
        procs.append(_Sink(probe, self._started))
        self._task = PipelineTask(Pipeline(procs))
        self._runner: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._runner = asyncio.create_task(self._task.run())
        await self._started.wait()

    async def send(self, frame: Any) -> None:
        await self._task.queue_frame(frame)

    async def end(self) -> None:
        await self._task.queue_frame(EndFrame())
        assert self._runner is not None
        await self._runner

    async def cancel(self) -> None:
        await self._task.cancel()
        assert self._runner is not None
        await self._runner


class FramekitFramework:
    """Adapter for framekit with its default settings."""

    name = "framekit"

    def new_call(self, n_pass: int, probe: Probe) -> _FramekitCall:
        return _FramekitCall(n_pass, probe)

    def audio_frame(self, audio: bytes) -> InputAudioFrame:
        return InputAudioFrame(audio=audio, format=PCM16_16K)
