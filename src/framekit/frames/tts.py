"""Frames around speech synthesis."""

from __future__ import annotations

from dataclasses import dataclass

from framekit.frames.base import ControlFrame, DataFrame

__all__ = ["TTSSpeakFrame", "TTSStartedFrame", "TTSStoppedFrame"]


@dataclass(slots=True, eq=False)
class TTSSpeakFrame(DataFrame):
    """Say this text as is, outside the LLM (greetings, fixed prompts)."""

    text: str = ""


@dataclass(slots=True, eq=False)
class TTSStartedFrame(ControlFrame):
    """Synthesis of an utterance began; audio frames with ``context_id`` follow."""

    context_id: str | None = None


@dataclass(slots=True, eq=False)
class TTSStoppedFrame(ControlFrame):
    """Synthesis of an utterance finished."""

    context_id: str | None = None
