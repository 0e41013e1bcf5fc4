"""framekit's own two-track call recording (see ``docs/recording.md``)."""

from framekit.processors.recording.recorder import (
    DEFAULT_DIRECTORY,
    ENCRYPTED_SUFFIX,
    CallAudioRecorder,
    Playback,
)
from framekit.processors.recording.timeline import BotSegment, Recording, RecordingTimeline
from framekit.processors.recording.upload import NoUpload, RecordingUploader

__all__ = [
    "DEFAULT_DIRECTORY",
    "ENCRYPTED_SUFFIX",
    "BotSegment",
    "CallAudioRecorder",
    "NoUpload",
    "Playback",
    "Recording",
    "RecordingTimeline",
    "RecordingUploader",
]
