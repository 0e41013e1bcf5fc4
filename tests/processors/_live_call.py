"""A call that a test drives step by step: feed frames, wait for outcomes, end or cancel.

``run_processor`` sends a fixed list of frames; streaming STT tests must wait for
the network between frames (the server heard the audio, a transcript came back),
so this helper keeps the call running while the test awaits such conditions.
Every wait is for a condition, bounded by a timeout, never a bare sleep.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import numpy as np

from framekit.audio import PCM16_16K, AudioConverter, read_wav
from framekit.clock import Clock, SystemClock
from framekit.frames import ErrorFrame, Frame, InputAudioFrame, TranscriptionFrame
from framekit.pipeline.params import PipelineParams
from framekit.pipeline.task import PipelineTask
from framekit.processors.base import FrameProcessor
from framekit.tasks import live_framekit_tasks

F = TypeVar("F", bound=Frame)
FRAME = 0.02
ESPEAK = shutil.which("espeak-ng")


class LiveCall:
    """One running :class:`PipelineTask` around ``processor`` with captured output.

    ``processor`` may be a whole task already built (an application's bot), which
    then runs as it is.
    """

    def __init__(
        self, processor: FrameProcessor | PipelineTask, clock: Clock | None = None
    ) -> None:
        if isinstance(processor, PipelineTask):
            self.task = processor
        else:
            self.task = PipelineTask(
                processor, params=PipelineParams(idle_timeout=None), clock=clock or SystemClock()
            )
        self.down: list[Frame] = []
        self.up: list[Frame] = []
        self._changed = asyncio.Event()
        self.task.on_downstream_exit(self._record(self.down))
        self.task.on_upstream_exit(self._record(self.up))
        self._runner: asyncio.Future[None] | None = None

    def _record(self, into: list[Frame]) -> Callable[[Frame], None]:
        def listener(frame: Frame) -> None:
            into.append(frame)
            self._changed.set()

        return listener

    async def __aenter__(self) -> LiveCall:
        self._runner = asyncio.ensure_future(self.task.run())
        async with asyncio.timeout(10):
            await self.task.wait_started()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if not self.task.has_finished():
            await self.cancel()

    async def send(self, frames: Iterable[Frame]) -> None:
        for frame in frames:
            await self.task.queue_frame(frame)

    async def wait_for(self, predicate: Callable[[], bool], seconds: float = 5.0) -> None:
        async with asyncio.timeout(seconds):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    async def end(self, seconds: float = 10.0) -> None:
        await self.task.stop_when_done()
        await self._join(seconds)

    async def cancel(self, seconds: float = 10.0) -> None:
        await self.task.cancel()
        await self._join(seconds)

    async def _join(self, seconds: float) -> None:
        assert self._runner is not None
        async with asyncio.timeout(seconds):
            await self._runner
        assert not [t for t in live_framekit_tasks() if self.task.call_id in t.get_name()]

    def downstream_of(self, kind: type[F]) -> list[F]:
        return [f for f in self.down if isinstance(f, kind)]

    @property
    def transcripts(self) -> list[str]:
        return [f.text for f in self.downstream_of(TranscriptionFrame)]

    @property
    def errors(self) -> list[ErrorFrame]:
        return [f for f in self.up if isinstance(f, ErrorFrame)]


def frames_of(pcm: bytes) -> list[InputAudioFrame]:
    """16 kHz PCM16 as consecutive 20 ms caller frames."""
    size = PCM16_16K.bytes_for(FRAME)
    return [InputAudioFrame(audio=pcm[i : i + size]) for i in range(0, len(pcm), size)]


def silence(seconds: float) -> bytes:
    return bytes(PCM16_16K.bytes_for(seconds))


def tone(seconds: float, hz: float = 220.0, amplitude: int = 6000) -> bytes:
    """A tone burst: loud enough for any energy detector, the simplest 'speech'."""
    t = np.arange(round(seconds * 16000)) / 16000
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype("<i2").tobytes()


def espeak(text: str, workdir: Path) -> bytes:
    """``text`` spoken by espeak-ng, as 16 kHz PCM16 with its leading/trailing silence cut."""
    assert ESPEAK is not None
    path = workdir / "speech.wav"
    subprocess.run([ESPEAK, "-w", str(path), text], check=True, capture_output=True)
    pcm, fmt = read_wav(path)
    converter = AudioConverter(fmt, PCM16_16K)
    samples = np.frombuffer(converter.convert(pcm) + converter.flush(), dtype="<i2")
    loud = np.flatnonzero(np.abs(samples) > 1000)
    return samples[loud[0] : loud[-1] + 1].tobytes()
