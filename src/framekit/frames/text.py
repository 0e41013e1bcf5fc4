"""Text and transcriptions."""

from __future__ import annotations

from dataclasses import dataclass

from framekit.frames.base import DataFrame, Uninterruptible

__all__ = ["InterimTranscriptionFrame", "TextFrame", "TranscriptionFrame"]


@dataclass(slots=True, eq=False)
class TextFrame(DataFrame):
    """A piece of text on its way to be spoken or shown."""

    text: str = ""


@dataclass(slots=True, eq=False)
class InterimTranscriptionFrame(DataFrame):
    """What STT thinks the caller is saying so far; may still change."""

    text: str = ""
    user_id: str = ""
    timestamp: float = 0.0
    language: str | None = None


@dataclass(slots=True, eq=False)
class TranscriptionFrame(Uninterruptible, DataFrame):
    """What the caller said, final.

    Uninterruptible: the caller's words were heard, so a barge-in that follows
    them must not erase them from the conversation or the call record.
    """

    text: str = ""
    user_id: str = ""
    timestamp: float = 0.0
    language: str | None = None
    confidence: float | None = None
    """How sure the recognizer is, in [0, 1] (Moonshine's and Whisper's geometric mean token
    probability, Deepgram's own); ``None`` when it gives none (keys pressed). A dialogue can
    ask the caller to confirm what it heard when this is low."""
    cut: bool = False
    """The caller was still speaking: the recognizer's utterance limit cut it here."""
