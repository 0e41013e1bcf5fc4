"""Who is speaking, and the interruption (barge-in) when the caller talks over the bot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from framekit.frames.base import SystemFrame

__all__ = [
    "BotStartedSpeakingFrame",
    "BotStoppedSpeakingFrame",
    "ExpectedSpeech",
    "ExpectedSpeechFrame",
    "InterruptionFrame",
    "InterruptionRequestFrame",
    "UserStartedSpeakingFrame",
    "UserStoppedSpeakingFrame",
]


@dataclass(slots=True, eq=False)
class UserStartedSpeakingFrame(SystemFrame):
    """VAD heard the caller start to speak.

    ``started_at`` is the clock time at which speech really began (VAD confirms it
    after a minimum speech duration, so it lies a little in the past).
    """

    started_at: float | None = None


@dataclass(slots=True, eq=False)
class UserStoppedSpeakingFrame(SystemFrame):
    """VAD heard the caller stop; per-turn latency is measured from here.

    ``stopped_at`` is the clock time at which speech really ended (VAD reports it
    after a silence window, so it lies a little in the past).
    """

    stopped_at: float | None = None


@dataclass(slots=True, eq=False)
class BotStartedSpeakingFrame(SystemFrame):
    """The caller started to hear the bot (the output transport played the first audio)."""


@dataclass(slots=True, eq=False)
class BotStoppedSpeakingFrame(SystemFrame):
    """The caller stopped hearing the bot: its audio ran out or was cut by an interruption."""


@dataclass(slots=True, eq=False)
class InterruptionFrame(SystemFrame):
    """The caller barged in: drop what the bot was about to say.

    Every processor that holds queued frames drops the interruptible ones when
    this frame passes (see :mod:`framekit.interruptions`).
    """


@dataclass(slots=True, eq=False)
class InterruptionRequestFrame(SystemFrame):
    """Upstream request to interrupt the bot, sent by whoever detected the barge-in.

    It travels to the pipeline task, which answers with one :class:`InterruptionFrame`
    sent downstream from the top of the pipeline, so every processor sees the same
    interruption in the same order.
    """

    reason: str = "user started speaking"


ExpectedSpeech: TypeAlias = Literal["digits", "date", "name", "yes_no"]
"""What the dialogue just asked the caller for, as a hint to the recognizer."""


@dataclass(slots=True, eq=False)
class ExpectedSpeechFrame(SystemFrame):
    """Upstream from the dialogue to speech recognition: what the caller's next answer holds.

    A bot that asked for an order number expects digits; one that asked "shall I
    book it?" expects yes or no. The recognizer uses it for the caller's following
    utterances, until the next one of these (``expect=None``: nothing in particular),
    to bias its decoding (:class:`~framekit.processors.stt.second_pass.SecondPassRecognizer`
    asks its second engine, prompted for digits); recognizers that cannot be biased
    ignore it. A system frame, so it is not dropped by the caller's barge-in.
    """

    expect: ExpectedSpeech | None = None
