"""Sensitive entry: a tool asks for the caller's next keys, to be seen by nobody else.

A card number typed on the keypad or said aloud must reach the tool that takes the
payment and nothing else: not the conversation (the LLM, the intent engine), not
the call record, not the logs, not the recording. The tool pushes a
:class:`SensitiveEntryRequestFrame` upstream; the
:class:`~framekit.processors.sensitive.SensitiveEntryGate` right after the input
transport takes the caller's keys out of the pipeline until the entry ends, and
answers the request's ``answer`` future with a :class:`SensitiveEntry`, never a frame.

A spoken entry (``spoken=True``) also lets the recognizer hear the caller: the gate
marks the stretch of caller audio that belongs to the entry with a
:class:`SensitiveWindowStartFrame` and a :class:`SensitiveWindowEndFrame`, so that
the recording writes silence over it, and the
:class:`~framekit.processors.sensitive.SpokenEntryStage` after the speech-to-text
stage takes the window's transcripts out of the pipeline and reads the digits in them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import Enum

from framekit.frames.base import SystemFrame

__all__ = [
    "SensitiveEntry",
    "SensitiveEntryEnd",
    "SensitiveEntryRequestFrame",
    "SensitiveWindowEndFrame",
    "SensitiveWindowStartFrame",
]


class SensitiveEntryEnd(Enum):
    """Why a sensitive entry ended."""

    COMPLETE = "complete"
    """The terminator key was pressed, ``max_digits`` keys were entered, or (a spoken
    entry) a final transcript brought the digits said to ``min_digits``."""
    TIMEOUT = "timeout"
    """``timeout`` seconds passed since the entry began."""
    INTERRUPTED = "interrupted"
    """An interruption passed the gate (the conversation moved on)."""
    ENDED = "ended"
    """The call ended (the caller hung up, or the call was cancelled)."""
    BUSY = "busy"
    """Another entry was already open: this one never started."""


class SensitiveEntry:
    """What the caller entered, held so that printing it never shows it.

    ``repr`` and ``str`` say how many keys were entered and why the entry ended, so a
    result logged by mistake, a future in a traceback or a frame printed at ``DEBUG``
    leak nothing. Only :meth:`reveal` gives the keys: call it where they are used.
    """

    __slots__ = ("_keys", "end")

    def __init__(self, keys: str, end: SensitiveEntryEnd) -> None:
        self._keys = keys
        self.end = end

    def reveal(self) -> str:
        """The digits the caller pressed (without the terminator) or said."""
        return self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"SensitiveEntry({len(self._keys)} keys, {self.end.value})"

    __str__ = __repr__


@dataclass(slots=True, eq=False)
class SensitiveEntryRequestFrame(SystemFrame):
    """Upstream from a tool: take the caller's next keys for me alone.

    A system frame: it must reach the gate at once, past any queue, before the
    caller starts typing. ``max_digits`` keys or the ``terminator`` complete the
    entry; ``timeout`` bounds it from when the gate takes the request. ``spoken``
    lets the caller say the digits instead: the recognizer hears the entry's audio,
    and the first final transcript that brings the digits said to ``min_digits``
    completes it (with every digit said, however many: the tool checks them). The caller's
    audio stays silenced for ``trailing_silence`` seconds after the entry ends: the
    last key's tone, and audio that a carrier delivers a little after the key's
    event, are not recorded either. ``answer`` is
    resolved by the gate with a :class:`SensitiveEntry` whatever the outcome; the
    requesting tool awaits it (a cancelled future ends the entry too).
    """

    max_digits: int = 16
    terminator: str | None = "#"
    timeout: float = 30.0
    trailing_silence: float = 0.5
    spoken: bool = False
    min_digits: int = 1
    answer: asyncio.Future[SensitiveEntry] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


@dataclass(slots=True, eq=False)
class SensitiveWindowStartFrame(SystemFrame):
    """Downstream from the gate: the caller's audio from here on belongs to ``request``'s entry.

    Receivers: the call's audio recorder writes silence for the caller until the
    :class:`SensitiveWindowEndFrame`; the spoken-entry stage after the recognizer
    withholds the caller's words and, for a ``spoken`` request, reads the digits in them.
    A system frame, in order with the caller's audio (itself a system frame).
    """

    request: SensitiveEntryRequestFrame | None = None


@dataclass(slots=True, eq=False)
class SensitiveWindowEndFrame(SystemFrame):
    """Downstream from the gate: the caller's audio from here on is the call's again.

    It follows the entry's end by the request's ``trailing_silence`` of audio.
    """
