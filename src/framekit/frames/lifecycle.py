"""Frames that start, end and cancel a pipeline, and that report errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from framekit.frames.base import ControlFrame, SystemFrame, Uninterruptible

__all__ = ["CancelFrame", "EndCause", "EndFrame", "ErrorFrame", "StartFrame"]


class EndCause(StrEnum):
    """Why a call ended, as a fixed code (``reason`` beside it is free text for people).

    Whoever ends a call names the cause: the transport when the far end hangs up,
    the call control when the carrier confirmed a hang-up or transfer, the task on
    a fatal error or an idle timeout, the server on shutdown. Call records and
    metrics read the code, never the wording.
    """

    COMPLETED = "completed"
    """The pipeline finished its input (a file transport ran out, a test ended it)."""
    CALLER_HUNG_UP = "caller_hung_up"
    """The far end hung up or the line dropped."""
    BOT_HUNG_UP = "bot_hung_up"
    """The bot ended the call and the carrier confirmed it (or the stream was closed)."""
    TRANSFERRED = "transferred"
    """The carrier confirmed that the call was handed to a person."""
    SILENCE = "silence"
    """The caller stayed silent through every prompt, and the bot hung up."""
    IDLE = "idle_timeout"
    """Nothing happened on the call for the task's ``idle_timeout``."""
    SHUTDOWN = "shutdown"
    """The server stopped while the call ran."""
    ERROR = "error"
    """A fatal error, or a far end that broke the protocol."""
    CANCELLED = "cancelled"
    """Cancelled by its owner, with no more precise cause."""


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
    cause: EndCause = EndCause.COMPLETED


@dataclass(slots=True, eq=False)
class CancelFrame(SystemFrame):
    """Immediate end: overtakes queued frames, which are discarded with their workers."""

    reason: str = "cancelled"
    cause: EndCause = EndCause.CANCELLED


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
