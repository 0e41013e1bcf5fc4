"""Frames that start, end and cancel a pipeline, and that report errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from framekit.frames.base import ControlFrame, SystemFrame, Uninterruptible

__all__ = ["CancelFrame", "EndFrame", "ErrorFrame", "StartFrame"]


@dataclass(slots=True, eq=False)
class StartFrame(SystemFrame):
    """First frame of every call: processors open resources and start workers here.

    The sample rates tell every processor the pipeline's working formats, so that
    audio conversion happens once, at the edges, and never by guesswork.
    """

    audio_in_sample_rate: int = 16000
    audio_out_sample_rate: int = 16000
    allow_interruptions: bool = True
    enable_metrics: bool = False


@dataclass(slots=True, eq=False)
class EndFrame(Uninterruptible, ControlFrame):
    """Graceful end: travels behind every queued frame, so everything drains in order.

    Each processor closes its resources when the end frame passes it; the call
    is over when it reaches the end of the pipeline.
    """

    reason: str = "completed"


@dataclass(slots=True, eq=False)
class CancelFrame(SystemFrame):
    """Immediate end: overtakes queued frames, which are discarded with their workers."""

    reason: str = "cancelled"


@dataclass(slots=True, eq=False)
class ErrorFrame(SystemFrame):
    """A processor failed; travels upstream to the pipeline task.

    A ``fatal`` error ends the call (the task cancels it). A non-fatal error is
    reported to the task's error handlers and the call goes on.
    """

    error: str = ""
    fatal: bool = False
    processor: str | None = None
    exception: BaseException | None = field(default=None, repr=False)
