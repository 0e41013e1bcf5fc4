"""Audio frames: raw audio that carries its own format."""

from __future__ import annotations

from dataclasses import dataclass

from framekit.audio.format import PCM16_16K, AudioFormat
from framekit.frames.base import DataFrame, SystemFrame

__all__ = ["InputAudioFrame", "OutputAudioFrame", "TTSAudioFrame"]


@dataclass(slots=True, eq=False)
class InputAudioFrame(SystemFrame):
    """Audio heard from the caller, as the input transport received it (after conversion).

    A system frame: caller audio is never queued behind the bot's output and never
    dropped by an interruption, because VAD and STT must hear every sample.
    """

    audio: bytes = b""
    format: AudioFormat = PCM16_16K

    @property
    def duration(self) -> float:
        """Seconds of audio in this frame."""
        return self.format.duration_of(len(self.audio))


@dataclass(slots=True, eq=False)
class OutputAudioFrame(DataFrame):
    """Audio for the caller to hear; ordered and dropped when the caller interrupts."""

    audio: bytes = b""
    format: AudioFormat = PCM16_16K

    @property
    def duration(self) -> float:
        """Seconds of audio in this frame."""
        return self.format.duration_of(len(self.audio))


@dataclass(slots=True, eq=False)
class TTSAudioFrame(OutputAudioFrame):
    """Synthesized speech; ``context_id`` ties it to the utterance it belongs to."""

    context_id: str | None = None
