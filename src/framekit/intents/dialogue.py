"""What one call's conversation with the intent engine has reached, and what the engine says back.

Why a separate, plain state object: one :class:`~framekit.intents.engine.IntentEngine`
(with its shared model) serves every call, so everything that belongs to a call
(the request in progress, the slots filled so far, the question waiting for an
answer) lives here, one instance per call, and can be inspected by tests and
call records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from framekit.tools.context import ToolContext

__all__ = ["DialogueState", "Reply", "SlotValue", "ToolCall"]


@dataclass(frozen=True, slots=True)
class SlotValue:
    """A filled slot: what the tool gets (``value``) and how the bot says it (``spoken``)."""

    value: str
    spoken: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool the engine called: its arguments and what came back (or the error)."""

    name: str
    arguments: dict[str, Any]
    result: Any = None
    error: str | None = None
    context: ToolContext | None = field(default=None, compare=False, repr=False)
    """The call's :class:`~framekit.tools.ToolContext` when the tool was given one: the
    actions it recorded (end or transfer the call) are carried out after the reply."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says after one caller turn, and why."""

    text: str
    intent: str | None
    """The request being served (``None`` when the engine did not understand)."""
    confidence: float = 0.0
    tool_calls: tuple[ToolCall, ...] = ()
    awaiting: str | None = None
    """The slot the bot just asked for, ``"confirmation"``, or ``None``."""
    end_call: bool = False
    """The call should end after this reply is spoken (goodbye, transfer)."""


@dataclass(slots=True)
class DialogueState:
    """One call's progress: the request in progress, its slots, the pending question."""

    intent: str | None = None
    slots: dict[str, SlotValue] = field(default_factory=dict)
    memory: dict[str, SlotValue] = field(default_factory=dict)
    """Slots kept across requests (the order number, the caller's name)."""
    pending_slot: str | None = None
    awaiting_confirmation: bool = False
    partial_date: dt.date | None = None
    """Half of a date-and-time slot, while the other half is being asked for."""
    partial_time: dt.time | None = None
    offer: str | None = None
    """The intent a plain yes now starts ("Would you like me to book one?")."""
    offer_slots: dict[str, SlotValue] = field(default_factory=dict)
    """The slots of the answer that made the offer, carried into it."""
    last_intent: str | None = None
    """The last request served with slots: a turn with only new values repeats it."""
    last_slots: dict[str, SlotValue] = field(default_factory=dict)
    misses: int = 0
    """Consecutive turns the engine could not use; past a limit it offers a human."""
    failures: int = 0
    """Lookups or tools of the request in progress that found nothing (an unknown order)."""
    found: dict[str, Any] | None = None
    """What the request's lookup found (the appointment being moved or cancelled)."""
    checked: str | None = None
    """The ``datetime`` slot value the availability tool has confirmed is free."""
    alternatives: list[dt.datetime] = field(default_factory=list)
    """Free times the bot offered instead of the one asked for, nearest first."""
    free: dict[dt.date, list[dt.datetime] | None] = field(default_factory=dict)
    """Free times per day, as the availability tool said during this request."""
    closing: bool = False
    """The bot just asked "anything else?": a plain no ends the call."""
    tentative: str | None = None
    """Words heard with low confidence, waiting for the caller's yes before acting."""
    queued: list[tuple[str, str]] = field(default_factory=list)
    """Other requests said in the same sentence, ``(intent, words)``, served next."""
    ended: bool = False
    turns: int = 0

    def finish_request(self) -> None:
        """Forget the request in progress (done, declined or replaced), keep the memory."""
        self.intent = None
        self.slots = {}
        self.pending_slot = None
        self.awaiting_confirmation = False
        self.partial_date = None
        self.partial_time = None
        self.failures = 0
        self.found = None
        self.checked = None
        self.alternatives = []
        self.free = {}
