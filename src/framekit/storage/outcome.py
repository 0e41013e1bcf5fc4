"""A call's outcome, decided from what happened on the call, not from who hung up.

Every call record ends with one :class:`Outcome` and one end reason (an
:class:`~framekit.frames.EndCause` code). :class:`OutcomeTracker` collects the few
facts the decision needs while the call runs, and :meth:`OutcomeTracker.decide`
makes it when the call ends:

=============== ==========================================================================
``transferred`` the carrier confirmed the hand-over to a person (a refused transfer is not)
``failed``      a fatal error or a broken protocol ended the call, or the server stopped
                before the caller's request was answered
``resolved``    the bot answered a request: a tool that serves the caller (an order
                lookup, a booking, an FAQ answer...) succeeded, and the call then ended
                without a transfer or a failure, whoever hung up
``unresolved``  the caller spoke, but no request was answered before the call ended
``abandoned``   the caller never said anything (silence until the bot gave up, or a
                hang-up before the first word)
=============== ==========================================================================

Why tools decide "resolved": a goodbye proves politeness, not help. A tool result
that is an error (``{"error": ...}``, or a failed call) answers nothing, and the
call-control tools (``end_call``, ``transfer_to_human`` by default) only move the
call along.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Any, Final

from framekit.frames import EndCause

__all__ = ["CALL_CONTROL_TOOLS", "Outcome", "OutcomeTracker"]

CALL_CONTROL_TOOLS: Final = frozenset({"end_call", "transfer_to_human"})
"""Tools that move the call along without answering the caller's request."""


class Outcome(StrEnum):
    """How a call turned out (the table in :mod:`framekit.storage.outcome`)."""

    RESOLVED = "resolved"
    TRANSFERRED = "transferred"
    UNRESOLVED = "unresolved"
    ABANDONED = "abandoned"
    FAILED = "failed"


_CUT_SHORT: Final = frozenset({EndCause.SHUTDOWN, EndCause.CANCELLED})


class OutcomeTracker:
    """What a call's outcome depends on, noted as the call goes; :meth:`decide` at the end."""

    def __init__(self, call_control_tools: Collection[str] = CALL_CONTROL_TOOLS) -> None:
        self._call_control_tools = frozenset(call_control_tools)
        self.caller_spoke = False
        """The caller said (or keyed) something."""
        self.answered: list[str] = []
        """The tools that answered a request, in order."""

    def caller_said(self, text: str) -> None:
        """The caller's final words (or keypad entry)."""
        if text.strip():
            self.caller_spoke = True

    def tool_finished(self, name: str, result: Any, error: str | None) -> None:
        """A tool returned; it answers the caller when it succeeded and serves a request."""
        if error is not None or name in self._call_control_tools:
            return
        if isinstance(result, dict) and result.get("error"):
            return
        self.answered.append(name)

    def decide(self, cause: EndCause) -> Outcome:
        """The outcome of a call that ended for ``cause``."""
        if cause is EndCause.TRANSFERRED:
            return Outcome.TRANSFERRED
        if cause is EndCause.ERROR:
            return Outcome.FAILED
        if self.answered:
            return Outcome.RESOLVED
        if cause in _CUT_SHORT:
            return Outcome.FAILED
        return Outcome.UNRESOLVED if self.caller_spoke else Outcome.ABANDONED
