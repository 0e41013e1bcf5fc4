"""A bot without models for the server tests: it greets with a tone, then listens."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np

from framekit.audio import PCM16_16K
from framekit.frames import OutputAudioFrame
from framekit.observers import Observer
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameProcessor

__all__ = ["greeter", "tone"]


def tone(seconds: float, amplitude: int = 8000) -> bytes:
    """A 440 Hz tone as 16 kHz PCM16."""
    t = np.arange(round(seconds * 16000)) / 16000
    return (amplitude * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes()


def greeter(
    head: FrameProcessor, tail: FrameProcessor, call_id: str, observers: Sequence[Observer]
) -> PipelineTask:
    """The server's bot factory signature: says a 0.3 s tone when the call starts."""
    task = PipelineTask(
        Pipeline([head, tail]),
        params=PipelineParams(idle_timeout=None),
        observers=observers,
        call_id=call_id,
    )
    greeting = OutputAudioFrame(audio=tone(0.3), format=PCM16_16K)
    asyncio.get_running_loop().create_task(task.queue_frames([greeting]))
    return task
