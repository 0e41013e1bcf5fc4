"""What a finished recording is: its files, and how its samples line up with the call's clock.

A transcript segment carries clock times (``TranscriptionFrame.timestamp``,
``UserStartedSpeakingFrame.started_at``); :meth:`RecordingTimeline.offset_of`
turns such a time into seconds into the recording, so a player can jump to what
the caller said. Both tracks start at the same instant (the call's start), so one
offset serves both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

__all__ = ["BotSegment", "Recording", "RecordingTimeline"]


@dataclass(frozen=True, slots=True)
class BotSegment:
    """One bot utterance as the caller heard it, in seconds from the recording's start."""

    start: float
    duration: float
    interrupted: bool


@dataclass(frozen=True, slots=True)
class RecordingTimeline:
    """How the recording's samples map onto the call's clock and wall time."""

    clock_start: float
    """Call clock time (``clock.now()``) of the first sample of both tracks."""
    wall_start: datetime
    """UTC wall time of the first sample."""
    sample_rate: int
    duration: float
    """Seconds in each track (both have the same length)."""
    bot_segments: tuple[BotSegment, ...] = ()
    bot_delay: float = 0.0
    """Seconds the far end played behind the local schedule (Twilio's buffer and the
    round trip of a mark; 0 for a local transport). The bot track is shifted by it,
    so it lines up with the caller's track as the caller experienced the call."""

    def offset_of(self, clock_time: float) -> float:
        """Seconds into the recording at which call clock time ``clock_time`` lies."""
        return clock_time - self.clock_start

    def sample_of(self, clock_time: float) -> int:
        """Index of the sample (in each track) played at call clock time ``clock_time``."""
        return round(self.offset_of(clock_time) * self.sample_rate)


@dataclass(frozen=True, slots=True)
class Recording:
    """A finished two-track recording of one call.

    ``paths`` is one stereo file (left: the caller, right: the bot) or two mono
    files (caller, bot). ``error`` is set when writing failed part way; the files
    then hold what was written before the failure, with valid headers.
    ``remote`` holds what the uploader returned (URLs or object keys).
    """

    call_id: str
    paths: tuple[Path, ...]
    stereo: bool
    timeline: RecordingTimeline
    error: str | None = None
    remote: tuple[str, ...] = ()

    @property
    def caller_path(self) -> Path:
        """The file holding the caller's track (the stereo file's left channel)."""
        return self.paths[0]

    @property
    def bot_path(self) -> Path:
        """The file holding the bot's track (the stereo file's right channel)."""
        return self.paths[0] if self.stereo else self.paths[1]
