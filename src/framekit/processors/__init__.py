"""Frame processors: the base class, the queued variant for slow work, and the per-call context."""

from framekit.processors.base import FrameDirection, FrameProcessor, on_frame
from framekit.processors.context import ProcessorContext
from framekit.processors.queued import QueuedFrameProcessor

__all__ = [
    "FrameDirection",
    "FrameProcessor",
    "ProcessorContext",
    "QueuedFrameProcessor",
    "on_frame",
]
