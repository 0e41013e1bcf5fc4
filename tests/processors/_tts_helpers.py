"""What the TTS tests share: a gate that holds audio, audio measurements, child processes.

The call itself is :class:`framekit.testing.LiveCall`.
"""

from __future__ import annotations

import asyncio
import math
import os
import struct
from collections.abc import Sequence

import numpy as np

from framekit.frames import Frame, TTSAudioFrame
from framekit.processors.base import FrameDirection, FrameProcessor


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
