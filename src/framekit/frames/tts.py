"""Frames around speech synthesis, and the output transport's report of what was played."""

from __future__ import annotations

from dataclasses import dataclass

from framekit.frames.base import ControlFrame, DataFrame, SystemFrame

__all__ = ["SentencePlayedFrame", "TTSSpeakFrame", "TTSStartedFrame", "TTSStoppedFrame"]


@dataclass(slots=True, eq=False)
class TTSSpeakFrame(DataFrame):
    """Say this text as is, outside the LLM (greetings, fixed prompts)."""

    text: str = ""


@dataclass(slots=True, eq=False)
class TTSStartedFrame(ControlFrame):
    """Synthesis of one sentence began; its audio frames follow, then a :class:`TTSStoppedFrame`.

    ``text`` is the sentence exactly as the TTS cut it (its own abbreviation rules),
    and ``response_id`` the LLM response it belongs to (empty for a
    :class:`TTSSpeakFrame` phrase). The output transport keeps both with the
    sentence's audio, so that its :class:`SentencePlayedFrame` can say what was heard
    without anyone cutting the text into sentences a second time.
    """

    context_id: str | None = None
    text: str = ""
    response_id: str = ""


@dataclass(slots=True, eq=False)
class TTSStoppedFrame(ControlFrame):
    """Synthesis of the sentence begun by the last :class:`TTSStartedFrame` finished."""

    context_id: str | None = None


@dataclass(slots=True, eq=False)
class SentencePlayedFrame(SystemFrame):
    """Upstream report from the output transport: what the caller heard of one sentence.

    Sent once per sentence (a :class:`TTSStartedFrame` span), when its audio has
    played to the end (``complete``) or when a barge-in or a cancel cut it. ``heard``
    is then the whole ``text``, or the share of its words proportional to the share
    of its audio played (empty when none of it played). The one source of "what the
    caller heard" for the LLM context and the call's stored transcript.

    A system frame: it overtakes queued frames on its way up and survives the
    interruption that caused it.
    """

    text: str = ""
    """The sentence as synthesized (``TTSStartedFrame.text``)."""
    response_id: str = ""
    """The LLM response it belongs to; empty for a ``TTSSpeakFrame`` phrase."""
    heard: str = ""
    """What the caller heard of ``text``."""
    complete: bool = False
    """True when the whole sentence played."""
    played_seconds: float = 0.0
    """Seconds of the sentence's audio that played."""
    seconds: float = 0.0
    """Seconds of audio the sentence had when it was reported."""
    started_at: float | None = None
    """Clock time its first audio played (the local schedule); ``None`` if none did."""
