"""Whether a chunk of audio can be read as the format a consumer declared.

The call's start check (:mod:`framekit.pipeline.negotiation`) proves that caller audio
reaches each consumer in the format it declared (its :class:`~framekit.audio.AudioCaps`),
so a consumer reads frames without converting them. Two things still reach one
unchecked: frames fed straight in (a test, a processor run alone) in another format,
and a frame whose byte count is not a whole number of samples (a broken transport).
Every consumer that reads samples (the VAD, both STT stages) asks :func:`audio_misfit`
once per frame and reports what it answers in its own words, so the rule is written
once and costs two comparisons on the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass

from framekit.audio.format import AudioFormat

__all__ = ["AudioMisfit", "audio_misfit"]


@dataclass(frozen=True, slots=True)
class AudioMisfit:
    """Why a chunk of audio cannot be read as a consumer's format."""

    wrong_format: bool
    """``True``: another format (a consumer reports it once per call); ``False``: the right
    format, but not a whole number of samples (a corrupt frame, reported each time)."""
    reason: str
    """Reads after the frame's name: ``"is mulaw/8000Hz/1ch, not the pcm16/16000Hz/1ch"``
    (the consumer says what it is), or ``"holds 3 bytes, not a whole number of ... samples"``."""


def audio_misfit(audio: bytes, fmt: AudioFormat, consumes: AudioFormat) -> AudioMisfit | None:
    """Why ``audio`` in ``fmt`` cannot be read as ``consumes``; ``None`` when it can.

    Formats are interned (:func:`~framekit.audio.audio_format`), so the usual case is an
    identity check; an equal format made another way is accepted too.
    """
    if fmt is not consumes and fmt != consumes:
        return AudioMisfit(wrong_format=True, reason=f"is {fmt}, not the {consumes}")
    if len(audio) % fmt.bytes_per_frame:
        return AudioMisfit(
            wrong_format=False,
            reason=f"holds {len(audio)} bytes, not a whole number of {fmt} samples",
        )
    return None
