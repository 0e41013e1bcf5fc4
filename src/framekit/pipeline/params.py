"""Settings of one call's pipeline task."""

from __future__ import annotations

from dataclasses import dataclass

from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    DTMFFrame,
    Frame,
    InterimTranscriptionFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)

__all__ = ["DEFAULT_ACTIVITY_FRAMES", "PipelineParams"]

DEFAULT_ACTIVITY_FRAMES: tuple[type[Frame], ...] = (
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    InterimTranscriptionFrame,
    TranscriptionFrame,
    DTMFFrame,
)
"""Frames that show a call is alive; the idle timeout restarts when one leaves the pipeline."""


@dataclass(frozen=True, slots=True)
class PipelineParams:
    """How a :class:`~framekit.pipeline.PipelineTask` runs its call.

    ``idle_timeout`` (seconds, ``None`` for never) cancels a call in which nobody
    has spoken for that long, so a silent or abandoned line cannot hold resources
    forever.
    """

    audio_in_sample_rate: int = 16000
    audio_out_sample_rate: int = 16000
    allow_interruptions: bool = True
    enable_metrics: bool = False
    idle_timeout: float | None = 300.0
    activity_frames: tuple[type[Frame], ...] = DEFAULT_ACTIVITY_FRAMES
