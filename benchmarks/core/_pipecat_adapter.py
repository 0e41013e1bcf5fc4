"""pipecat-ai 1.14 side of the core benchmark.

Uses the names current in 1.14 (``PipelineWorker`` and ``WorkerRunner``; the older
``PipelineTask``/``PipelineRunner`` are deprecated aliases of them). Each call gets
its own runner with ``handle_sigint=False``, which is how pipecat's examples run
one pipeline per connection in a server.

Three variants:

* ``default``: ``PipelineWorker(pipeline)`` with every default (RTVI processor and
  observer, turn-tracking observer, 300 s idle-timeout watcher, dangling-task check).
* ``lean``: the same with RTVI, turn tracking, idle timeout, metrics and the
  dangling-task check switched off: pipecat's cheapest configuration for this
  workload that still uses ordinary (queued) processors.
* ``direct``: ``lean`` plus ``enable_direct_mode=True`` on the benchmark's own
  processors, so a frame crosses them by direct calls with no queue or task (the
  mode pipecat uses for its internal pipeline source and sink). Not the default
  for user processors; it shows how much of the gap is the queue-per-processor
  design rather than the rest of the framework.
"""

from __future__ import annotations

import asyncio
from typing import Any

from _workload import Probe
from pipecat.frames.frames import EndFrame, Frame, InputAudioRawFrame, StartFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.workers.runner import WorkerRunner

__all__ = ["PipecatFramework"]


class _PassThrough(FrameProcessor):
    def __init__(self, direct: bool) -> None:
        super().__init__(enable_direct_mode=direct)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


class _Sink(FrameProcessor):
    """Records audio arrivals and the start frame, then forwards everything."""

    def __init__(self, probe: Probe, started: asyncio.Event, direct: bool) -> None:
        super().__init__(enable_direct_mode=direct)
        self._probe = probe
        self._started = started

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            self._probe.on_audio(frame)
        elif isinstance(frame, StartFrame):
            self._started.set()
        await self.push_frame(frame, direction)


class _PipecatCall:
    def __init__(self, n_pass: int, probe: Probe, lean: bool, direct: bool) -> None:
        self._started = asyncio.Event()
        procs: list[FrameProcessor] = [_PassThrough(direct) for _ in range(n_pass)]
        procs.append(_Sink(probe, self._started, direct))
        kwargs: dict[str, Any] = {}
        if lean:
            kwargs = {
                "enable_rtvi": False,
                "enable_turn_tracking": False,
                "idle_timeout_secs": None,
                "check_dangling_tasks": False,
                "params": PipelineParams(
                    enable_metrics=False,
                    enable_usage_metrics=False,
                    send_initial_empty_metrics=False,
                ),
            }
        self._worker = PipelineWorker(Pipeline(procs), **kwargs)
        self._runner = WorkerRunner(handle_sigint=False, check_dangling_tasks=not lean)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._runner.add_workers(self._worker)
        self._task = asyncio.create_task(self._runner.run())
        await self._started.wait()

    async def send(self, frame: Any) -> None:
        await self._worker.queue_frame(frame)

    async def end(self) -> None:
        await self._worker.queue_frame(EndFrame())
        assert self._task is not None
        await self._task

    async def cancel(self) -> None:
        await self._worker.cancel()
        assert self._task is not None
        await self._task


class PipecatFramework:
    """Adapter for pipecat-ai; ``variant`` is ``default``, ``lean`` or ``direct``."""

    def __init__(self, variant: str) -> None:
        if variant not in ("default", "lean", "direct"):
            raise ValueError(f"unknown pipecat variant {variant!r}")
        self.name = f"pipecat-{variant}"
        self._lean = variant in ("lean", "direct")
        self._direct = variant == "direct"

    def new_call(self, n_pass: int, probe: Probe) -> _PipecatCall:
        return _PipecatCall(n_pass, probe, self._lean, self._direct)

    def audio_frame(self, audio: bytes) -> InputAudioRawFrame:
        return InputAudioRawFrame(audio=audio, sample_rate=16000, num_channels=1)
