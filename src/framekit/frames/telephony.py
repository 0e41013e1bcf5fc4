"""Call control: keypad digits, hang-up, transfer, and what the caller has really heard."""

from __future__ import annotations

from dataclasses import dataclass

from framekit.frames.base import ControlFrame, SystemFrame, Uninterruptible
from framekit.frames.lifecycle import EndCause
from framekit.frames.text import TranscriptionFrame

__all__ = [
    "CallControlResultFrame",
    "DTMFEntryFrame",
    "DTMFFrame",
    "GenerationHangUpFrame",
    "GenerationTransferCallFrame",
    "HangUpFrame",
    "MarkFrame",
    "OutputDTMFFrame",
    "PlayedUpToFrame",
    "TransferCallFrame",
]


@dataclass(slots=True, eq=False)
class DTMFFrame(SystemFrame):
    """The caller pressed a key (``0``-``9``, ``*``, ``#``, ``A``-``D``)."""

    digit: str = ""


@dataclass(slots=True, eq=False)
class OutputDTMFFrame(ControlFrame):
    """Send keypad tones to the far end (for menus of other systems)."""

    digits: str = ""


@dataclass(slots=True, eq=False)
class HangUpFrame(Uninterruptible, ControlFrame):
    """End the phone call once everything queued before it has been played.

    ``cause`` is what the call record keeps once the carrier has hung up
    (:attr:`EndCause.SILENCE` for a bot that gave up on a silent caller).
    """

    reason: str = "completed"
    cause: EndCause = EndCause.BOT_HUNG_UP


@dataclass(slots=True, eq=False)
class TransferCallFrame(Uninterruptible, ControlFrame):
    """Hand the live call to a human at ``target`` (a phone number or SIP URI)."""

    target: str = ""
    reason: str = ""


@dataclass(slots=True, eq=False)
class GenerationHangUpFrame(HangUpFrame):
    """A hang-up the bot's own generation decided (the model's ``end_call``, a goodbye).

    It belongs to the words in front of it, so an interruption drops it with them:
    :data:`framekit.interruptions.GENERATED_CALL_CONTROL` says why. Carriers and the
    output transport treat it as any :class:`HangUpFrame`.
    """


@dataclass(slots=True, eq=False)
class GenerationTransferCallFrame(TransferCallFrame):
    """A transfer the bot's own generation decided; dropped with its words by a barge-in."""


@dataclass(slots=True, eq=False)
class CallControlResultFrame(SystemFrame):
    """Upstream report from call control: what the carrier did with a hang-up or transfer.

    Pushed once the carrier has answered, so that the conversation and the call
    record follow what happened, not what the bot intended: a refused transfer
    (``succeeded`` false, ``error`` says why) lets the bot tell the caller and go on;
    only a confirmed one makes the call ``transferred``.
    """

    action: str = ""
    """``"hang-up"`` or ``"transfer"``."""
    succeeded: bool = False
    target: str = ""
    """The transfer's number or SIP URI (empty for a hang-up)."""
    error: str = ""


@dataclass(slots=True, eq=False)
class MarkFrame(ControlFrame):
    """A named point in the outgoing audio; the transport reports when it was played."""

    mark: str = ""


@dataclass(slots=True, eq=False)
class PlayedUpToFrame(SystemFrame):
    """Upstream report from the output transport: the caller has heard audio up to ``mark``.

    ``played_seconds`` counts the bot audio of the current utterance actually
    played; with no ``mark`` the utterance has ended (played out or cut). The audio
    recorder places the bot's track with it; what was heard of each *sentence* is
    reported separately (:class:`~framekit.frames.SentencePlayedFrame`).
    """

    mark: str = ""
    played_seconds: float = 0.0


@dataclass(slots=True, eq=False)
class DTMFEntryFrame(TranscriptionFrame):
    """A complete keypad entry (``"1"``, ``"4271"``), collected by the DTMF aggregator.

    A :class:`~framekit.frames.TranscriptionFrame` on purpose: the context
    aggregators and the intent engine take it as what the caller said, with no
    special case, while a processor that cares can tell keys from speech by type.
    ``text`` is what the conversation sees (the digits, or the matching menu
    option's phrase); ``digits`` are the keys without the terminator; ``reason``
    says what ended the entry (``"terminator"``, ``"timeout"``, ``"max_length"``,
    ``"menu"``); ``intent`` is the menu option the digits selected, if any.
    """

    digits: str = ""
    reason: str = ""
    intent: str | None = None
