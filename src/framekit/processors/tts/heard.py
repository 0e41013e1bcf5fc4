"""What the caller heard of a spoken sentence: shared by context trimming and call records.

Two consumers estimate "what was heard" after a barge-in the same way
(:mod:`framekit.processors.llm.playback` trims the LLM's context, :mod:`framekit.storage`
records the transcript): a sentence whose audio played to the end was heard in
full; the sentence cut by the barge-in keeps the share of its words proportional
to the share of its audio played. This module is that rule, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PLAYBACK_SLACK", "SpokenSentence", "heard_share", "heard_text"]

PLAYBACK_SLACK = 0.03
"""Seconds of slack when comparing audio written with audio played (resampling, padding)."""


def heard_share(text: str, fraction: float) -> str:
    """The whole words of ``text`` within its first ``fraction`` of characters."""
    if fraction >= 1:
        return text
    if fraction <= 0:
        return ""
    cut = int(len(text) * fraction)
    if cut < len(text) and not text[cut].isspace():
        cut = text.rfind(" ", 0, cut + 1)
        if cut < 0:
            return ""
    return text[:cut].rstrip()


@dataclass(eq=False, slots=True)
class SpokenSentence:
    """One synthesized sentence on the output timeline: where its audio starts, how long it is."""

    text: str
    start: float
    seconds: float = 0.0
    stopped: bool = False

    def finished_by(self, played: float) -> bool:
        """Whether the whole sentence had played once ``played`` seconds of output had."""
        return self.stopped and self.start + self.seconds <= played + PLAYBACK_SLACK


def heard_text(sentences: Iterable[SpokenSentence], played: float) -> str:
    """What the caller heard of consecutive ``sentences`` after ``played`` seconds of output."""
    parts: list[str] = []
    for sentence in sentences:
        if sentence.finished_by(played):
            parts.append(sentence.text)
            continue
        if sentence.start < played and sentence.seconds > 0:
            parts.append(heard_share(sentence.text, (played - sentence.start) / sentence.seconds))
        break
    return " ".join(part.strip() for part in parts if part.strip())
