"""What the TTS tests share: a live call, a gate that holds audio, audio measurements."""

from __future__ import annotations

import asyncio
import math
import os
import struct
from collections.abc import Callable, Sequence

import numpy as np

from framekit.clock import Clock, SystemClock
from framekit.frames import Frame, TTSAudioFrame
from framekit.pipeline.params import PipelineParams
from framekit.pipeline.pipeline import Pipeline
from framekit.pipeline.task import PipelineTask
from framekit.processors.base import FrameDirection, FrameProcessor


class LiveCall:
    """A running call around some processors, with waits on what leaves it."""

    def __init__(
        self,
        processors: Sequence[FrameProcessor],
        *,
        out_rate: int = 16000,
        clock: Clock | None = None,
    ) -> None:
        params = PipelineParams(idle_timeout=None, audio_out_sample_rate=out_rate)
        pipeline = Pipeline(list(processors))
        self.task = PipelineTask(pipeline, params=params, clock=clock or SystemClock())
        self.out: list[Frame] = []
        self.up: list[Frame] = []
        self._watch: list[tuple[Callable[[Frame], bool], asyncio.Event]] = []
        self.task.on_downstream_exit(self._exited)
        self.task.on_upstream_exit(self.up.append)
        self._runner: asyncio.Task[None] | None = None

    def _exited(self, frame: Frame) -> None:
        self.out.append(frame)
        for match, event in self._watch:
            if match(frame):
                event.set()

    async def start(self) -> None:
        self._runner = asyncio.create_task(self.task.run())
        await self.task.wait_started()

    async def wait_for(self, match: Callable[[Frame], bool], count: int = 1) -> None:
        """Wait until ``count`` frames that ``match`` have left the pipeline."""
        while sum(1 for f in self.out if match(f)) < count:
            event = asyncio.Event()
            self._watch.append((match, event))
            await asyncio.wait_for(event.wait(), 20)
            self._watch.remove((match, event))

    async def send(self, *frames: Frame) -> None:
        await self.task.queue_frames(frames)

    async def end(self, *, cancel: bool = False) -> None:
        if cancel:
            await self.task.cancel()
        else:
            await self.task.stop_when_done()
        assert self._runner is not None
        await asyncio.wait_for(self._runner, 20)


class AudioGate(FrameProcessor):
    """Holds the first TTS audio frame until released: the voice behind it must wait."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, TTSAudioFrame) and not self.release.is_set():
            self.holding.set()
            await self.release.wait()
        await self.push_frame(frame, direction)


def audio_of(frames: Sequence[Frame]) -> bytes:
    return b"".join(f.audio for f in frames if isinstance(f, TTSAudioFrame))


def rms(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0


def dominant_hz(pcm: bytes, rate: int) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.argmax(spectrum) * rate / samples.size)


def tone(rate: int, seconds: float, hz: float = 440.0, *, big_endian: bool = False) -> bytes:
    n = round(rate * seconds)
    samples = (round(8000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(n))
    return struct.pack(f"{'>' if big_endian else '<'}{n}h", *samples)


def child_processes(name: str) -> list[tuple[int, str]]:
    """(pid, state) of this process's children whose command starts with ``name``.

    A zombie (state ``Z``) still shows up: only a reaped child is gone.
    """
    found = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                stat = file.read()
        except OSError:
            continue
        command = stat[stat.index("(") + 1 : stat.rindex(")")]
        state, parent = stat[stat.rindex(")") + 2 :].split()[:2]
        if int(parent) == me and command.startswith(name):
            found.append((int(entry), state))
    return found
