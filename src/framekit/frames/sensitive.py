"""Sensitive entry: a tool asks for the caller's next keys, to be seen by nobody else.

A card number typed on the keypad must reach the tool that takes the payment and
nothing else: not the conversation (the LLM, the intent engine), not the call
record, not the logs, not the recording. The tool pushes a
:class:`SensitiveEntryRequestFrame` upstream; the
:class:`~framekit.processors.sensitive.SensitiveEntryGate` right after the input
transport takes the caller's keys out of the pipeline until the entry ends, and
answers the request's ``answer`` future with a :class:`SensitiveEntry`, never a frame.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import Enum

from framekit.frames.base import SystemFrame

__all__ = ["SensitiveEntry", "SensitiveEntryEnd", "SensitiveEntryRequestFrame"]


class SensitiveEntryEnd(Enum):
    """Why a sensitive entry ended."""

    COMPLETE = "complete"
    """The terminator key was pressed, or ``max_digits`` keys were entered."""
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
        """The keys the caller pressed (without the terminator)."""
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
    entry; ``timeout`` bounds it from when the gate takes the request. The caller's
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
    answer: asyncio.Future[SensitiveEntry] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
