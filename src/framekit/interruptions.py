"""Interruptions (barge-in): every rule, in one place.

When the caller talks over the bot, what the bot was about to say must go, and
nothing the conversation depends on may go with it. Processors *apply* the rules
below (they call these functions or read these tables); none decides on its own.
``docs/interruptions.md`` lists each rule with the test that pins it.

How one barge-in goes:

1. **Detection** (:data:`DETECTORS`): whoever notices it pushes an
   :class:`~framekit.frames.InterruptionRequestFrame` *upstream*.
2. **Decision** (:func:`should_interrupt`): the pipeline task honours it or not.
3. **Propagation**: the task drops what may go from its own input queue
   (:func:`drop_interruptible`) and sends one :class:`~framekit.frames.InterruptionFrame`
   *downstream from the top*: a system frame, so every processor sees it at once,
   in pipeline order, whoever asked.
4. **Dropping** (:func:`survives_interruption`, :func:`drop_interruptible`): each
   queued processor drops what may go from its queue and cancels the frame in
   progress if that frame may go.
5. **Consequences**: the tool runner treats each tool call by its stage
   (:data:`TOOL_CALL_RULES`); the LLM is not run again for the interrupted response
   (:func:`may_rerun_llm`); the output transport stops the line
   (:data:`OUTPUT_ON_INTERRUPTION`); a hang-up or transfer the bot's generation
   decided goes with the words in front of it (:data:`GENERATED_CALL_CONTROL`),
   unless the caller's words over it are only a farewell (:class:`TalkedOverGoodbye`).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Final, TypeVar

from framekit.frames import (
    DTMFFrame,
    Frame,
    GenerationHangUpFrame,
    GenerationTransferCallFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    SystemFrame,
    Uninterruptible,
    UserStartedSpeakingFrame,
)

__all__ = [
    "DETECTORS",
    "FAREWELL_REPLY",
    "GENERATED_CALL_CONTROL",
    "OUTPUT_ON_INTERRUPTION",
    "SENSITIVE_ENTRY",
    "TOOL_CALL_RULES",
    "Detector",
    "GoodbyeTalkedOverFrame",
    "PlaybackStep",
    "SensitiveEntryRule",
    "TalkedOverGoodbye",
    "ToolCallRule",
    "ToolCallStage",
    "drop_interruptible",
    "farewell",
    "may_rerun_llm",
    "only_farewell",
    "should_interrupt",
    "survives_interruption",
]

T = TypeVar("T")


# --- 1. detection ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Detector:
    """Who asks for an interruption, on which frame, and how much it takes."""

    processor: str
    """The processor that pushes the :class:`~framekit.frames.InterruptionRequestFrame`."""
    trigger: type[Frame]
    """The frame whose arrival (or emission) makes the request."""
    threshold: str
    """What must happen first: the guard against coughs, clicks and stray keys."""
    reason: str
    """``InterruptionRequestFrame.reason`` of its requests."""


DETECTORS: Final[tuple[Detector, ...]] = (
    Detector(
        processor="framekit.processors.vad.VADProcessor",
        trigger=UserStartedSpeakingFrame,
        threshold="VADParams.min_speech_duration of speech (0.2 s); no minimum of words",
        reason="user started speaking",
    ),
    Detector(
        processor="framekit.processors.dtmf.DTMFAggregator",
        trigger=DTMFFrame,
        threshold="the first key of an entry, when built with interrupt=True (the default)",
        reason="keypad",
    ),
)
"""Every processor in framekit that asks for an interruption.

None of them interrupts the bot while a sensitive entry is open (:data:`SENSITIVE_ENTRY`).

Why words are not waited for: the VAD hears speech a recognizer has not transcribed
yet, and a caller who talks over the bot should not hear it go on for the time a
transcript takes. ``min_speech_duration`` is what keeps a cough from cutting the bot.
"""


# --- 2. decision -----------------------------------------------------------------------


def should_interrupt(*, allow_interruptions: bool, pending: bool) -> bool:
    """Whether the pipeline task answers a request with a new interruption.

    No when interruptions are off for the call (``PipelineParams.allow_interruptions``).
    No when an interruption the task created is still waiting in its input queue
    (``pending``): it has not reached any processor yet, so it already answers this
    request too. One barge-in heard twice (the VAD and a key, or a stutter of the
    VAD) then costs each queued processor one restart, not two.
    """
    return allow_interruptions and not pending


# --- 3, 4. what is dropped, what survives -------------------------------------------------


GENERATED_CALL_CONTROL: Final[tuple[type[Frame], ...]] = (
    GenerationHangUpFrame,
    GenerationTransferCallFrame,
)
"""Hang-ups and transfers that an interruption drops although they are call control.

A :class:`~framekit.frames.HangUpFrame` or :class:`~framekit.frames.TransferCallFrame`
that the application sends is kept: the application decided, whatever the caller says.
One that the bot's own generation decided (the model's ``end_call`` tool, the dialogue
engine's goodbye, the silence goodbye of
:class:`~framekit.processors.call_flow.CallFlowProcessor`) belongs to the words in front
of it: a caller who talks over the goodbye has not finished the conversation, so the
hang-up goes with the goodbye, and the processor that generated it listens again
(unless what the caller says is only a farewell: :class:`TalkedOverGoodbye`).
"""


def survives_interruption(frame: Frame) -> bool:
    """True if an interruption must keep ``frame``, in a queue or in progress.

    Kept: system frames (lifecycle, caller audio, speaking events, errors, metrics)
    and frames marked :class:`~framekit.frames.Uninterruptible` (final transcriptions:
    the caller said them; tool results: the model must see them; the end of the call;
    the application's hang-up and transfer), except :data:`GENERATED_CALL_CONTROL`.
    Dropped: everything else (bot text, bot audio, response start and end, tool
    calls requested but not started).
    """
    if isinstance(frame, SystemFrame):
        return True
    return isinstance(frame, Uninterruptible) and not isinstance(frame, GENERATED_CALL_CONTROL)


def drop_interruptible(queue: deque[tuple[Frame, T]]) -> int:
    """Remove every frame an interruption may drop from ``queue``, in place.

    The survivors keep their order. Returns how many frames were dropped.
    """
    before = len(queue)
    if before:
        survivors = [item for item in queue if survives_interruption(item[0])]
        queue.clear()
        queue.extend(survivors)
    return before - len(queue)


# --- 5. a farewell over the goodbye ---------------------------------------------------------


@dataclass(slots=True, eq=False)
class GoodbyeTalkedOverFrame(SystemFrame):
    """Upstream report: the caller talked over a generated hang-up on its way.

    Pushed by whoever carried out the hang-up for the brain (the LLM path's
    :class:`~framekit.tools.ToolRunner`) when an interruption comes after it, so the
    brain's entry above (the user aggregator) knows the caller's next words answer a
    goodbye: :class:`TalkedOverGoodbye` decides what they do.
    """


FAREWELL_REPLY: Final = "Goodbye!"
"""What the bot says before hanging up when the caller's words over its goodbye were a
farewell of their own."""

_PARTING = re.compile(r"\b(?:bye|goodbye|good-by|ta-ra|cheers)\b")
_FAREWELL_WORD = re.compile(
    r"bye|goodbye|good-bye|good-by|bye-bye|cheers|ta|ta-ra|thanks|thank|you|too|ok|okay|alright|"
    r"right|then|all|that|that's|is|it|great|have|a|nice|good|day|see|ya|later"
)
"""A word a farewell is made of ("thanks", "you too", "have a good day", "bye")."""


def only_farewell(text: str) -> bool:
    """The words are a farewell and nothing else: "Goodbye.", "Thanks, bye!", "You too, bye".

    "good-by" is how Whisper writes some goodbyes; "wait, one more thing, bye" is not
    only a farewell.
    """
    words = re.findall(r"[a-z'-]+", text.lower())
    parting = any(_PARTING.search(word) for word in words)
    return parting and all(_FAREWELL_WORD.fullmatch(word) for word in words)


class TalkedOverGoodbye:
    """The rule for the caller's words over the bot's own goodbye, kept by a brain's entry.

    :data:`GENERATED_CALL_CONTROL` drops a generated hang-up the caller talks over, and
    the brain listens again. Its entry (the processor that turns the caller's words
    into a turn: the LLM's user aggregator, the intent engine's processor) calls
    :meth:`note` when that happens (its own hang-up, or a
    :class:`GoodbyeTalkedOverFrame` from below), and asks :meth:`ends_call` of the
    caller's next turn. A turn that is only a farewell ("That is all." ... "Goodbye.",
    a comma's pause apart) ends the call with :func:`farewell`, without asking the
    brain: the caller meant to leave, and a brain asked again would call ``end_call``
    a second time. Anything else ("wait, one more thing") goes to the brain: the call
    is reopened. A transfer talked over is not noted: a farewell there answers a
    hand-over, which the brain decides.
    """

    __slots__ = ("_noted",)

    def __init__(self) -> None:
        self._noted = False

    def note(self) -> None:
        """The caller talked over a generated hang-up: their next turn answers it."""
        self._noted = True

    def ends_call(self, text: str) -> bool:
        """Whether the caller's turn ``text`` ends the call (asked once per turn)."""
        noted, self._noted = self._noted, False
        return noted and only_farewell(text)


def farewell(response_id: str, reply: str = FAREWELL_REPLY) -> list[Frame]:
    """What a brain pushes downstream when :meth:`TalkedOverGoodbye.ends_call` says so:
    a short goodbye, as a response of its own, then a generated hang-up."""
    return [
        LLMResponseStartFrame(response_id=response_id),
        LLMTextFrame(text=reply, response_id=response_id),
        LLMResponseEndFrame(response_id=response_id),
        GenerationHangUpFrame(reason="caller said goodbye"),
    ]


# --- 5. tool calls -----------------------------------------------------------------------


class ToolCallStage(Enum):
    """Where a tool call stands when the caller interrupts the response that asked for it."""

    QUEUED = "requested, not started"
    LATE = "requested after the interruption, by a response the interruption discarded"
    RUNNING = "started"


@dataclass(frozen=True, slots=True)
class ToolCallRule:
    """What an interruption does to a tool call at one :class:`ToolCallStage`."""

    runs: bool
    """Whether the tool runs (or goes on running). A call that does not run is
    reported with a :class:`~framekit.frames.FunctionCallCancelledFrame`."""
    result_kept: bool
    """Whether its :class:`~framekit.frames.FunctionCallResultFrame` reaches the context."""
    actions_carried_out: bool
    """Whether the hang-up or transfer it recorded through its ``ToolContext`` happens."""
    may_push: bool
    """Whether ``ToolContext.push_frame`` still pushes."""
    why: str


TOOL_CALL_RULES: Final[dict[ToolCallStage, ToolCallRule]] = {
    ToolCallStage.QUEUED: ToolCallRule(
        runs=False,
        result_kept=False,
        actions_carried_out=False,
        may_push=False,
        why="a call asked for by words the caller cut off must never run after the fact",
    ),
    ToolCallStage.LATE: ToolCallRule(
        runs=False,
        result_kept=False,
        actions_carried_out=False,
        may_push=False,
        why="the same call, only flushed late by its LLM: the same rule",
    ),
    ToolCallStage.RUNNING: ToolCallRule(
        runs=True,
        result_kept=True,
        actions_carried_out=False,
        may_push=False,
        why=(
            "its effect may have happened (a booking made), so the model must see the "
            "result; but an end-call from a discarded generation must never hang up a "
            "caller who is still talking"
        ),
    ),
}
"""What an interruption does to each tool call of the response it cuts off."""


def may_rerun_llm(*, interrupted: bool, answered: bool) -> bool:
    """Whether the LLM runs again once every tool call of a response has settled.

    Only if at least one call was answered (a result, not only cancellations) and the
    response was not interrupted: after a barge-in the caller is speaking, and their
    next turn runs the LLM, with every result that arrived meanwhile already in the
    context. Running it now would talk over the caller with an answer to the old turn.
    """
    return answered and not interrupted


# --- 5. the output transport ---------------------------------------------------------------


class PlaybackStep(Enum):
    """One thing the output transport does when the interruption passes it."""

    MEASURE_HEARD = "take the seconds of the utterance the caller has heard"
    FORGET_HELD_AUDIO = "drop the audio held back for the next chunk"
    CLEAR_FAR_END = "tell the far end to drop what it holds unplayed (Twilio's clear)"
    REPORT_SENTENCES = (
        "a SentencePlayedFrame for each sentence not yet reported, cut to what was heard"
    )
    REPORT_STOPPED = "if it was speaking: PlayedUpToFrame, then BotStoppedSpeakingFrame"


OUTPUT_ON_INTERRUPTION: Final[tuple[PlaybackStep, ...]] = (
    PlaybackStep.MEASURE_HEARD,
    PlaybackStep.FORGET_HELD_AUDIO,
    PlaybackStep.CLEAR_FAR_END,
    PlaybackStep.REPORT_SENTENCES,
    PlaybackStep.REPORT_STOPPED,
)
"""What ``OutputTransport.on_interruption`` does, in this order.

The queued base has already dropped the audio not yet written (step 4 above).
Measured first, because clearing the line ends the utterance; reported after the
line is cleared, so that the reports tell the truth about what the caller heard.
The sentence reports are what the conversation keeps of the cut-off response: the
assistant aggregator reads them in its ``after_interruption`` hook, once the
interruption has passed the output transport and every report has arrived.
"""


# --- the caller's sensitive entry -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SensitiveEntryRule:
    """How a sensitive entry (a card number typed for a tool) and barge-in meet."""

    caller_may_interrupt: bool
    """Whether the caller's keys and voice may interrupt the bot while the entry is open."""
    ends_on_interruption: bool
    """Whether an interruption passing the gate ends the entry (``INTERRUPTED``)."""
    why: str


SENSITIVE_ENTRY: Final = SensitiveEntryRule(
    caller_may_interrupt=False,
    ends_on_interruption=True,
    why=(
        "while the entry is open the caller's keys and audio belong to the tool: the keys never "
        "reach the detectors (the gate swallows them; a keyed entry's audio is silenced), and "
        "the requests of the detectors that do hear the caller (the VAD, in a spoken entry) "
        "end at the gate, so typing or speaking over the prompt does not cut it. An "
        "interruption from elsewhere (the application) "
        "means the conversation moved on: the entry ends and the tool is told, rather than "
        "keys typed later going to a tool whose turn was discarded"
    ),
)
"""Applied by :class:`~framekit.processors.sensitive.SensitiveEntryGate` (it knows the
caller's detectors by the reasons in :data:`DETECTORS`)."""
