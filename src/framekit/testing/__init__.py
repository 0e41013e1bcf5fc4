"""Helpers to test processors and pipelines: run them on frames, collect what comes out."""

from framekit.clock import ManualClock
from framekit.testing.live_call import LiveCall
from framekit.testing.run import Advance, FrameCapture, run_processor

__all__ = ["Advance", "FrameCapture", "LiveCall", "ManualClock", "run_processor"]
