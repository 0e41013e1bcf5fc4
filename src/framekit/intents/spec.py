"""Intents as data: what callers say, what the bot needs to know, which tool it calls, what it says.

Why data and not code: a business adds or rewrites an intent (its example
phrasings, its questions, its answers) without touching the engine, and the same
tool names serve the LLM path, so both brains drive one set of tools.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

__all__ = ["Answer", "Intent", "SlotKind", "SlotSpec", "Topic", "render"]

SlotKind: TypeAlias = Literal["order_number", "date", "datetime", "time", "name", "topic"]
"""How a slot's value is found in speech (see :mod:`framekit.intents.slots`).

``date`` is a day (a tool gets ``YYYY-MM-DD``), ``datetime`` a day and a time
(``YYYY-MM-DDTHH:MM``), ``time`` a time of day (``HH:MM``), ``order_number`` a
digit string, ``name`` a person's name (or, for a request with a lookup, a phone
number that finds it), ``topic`` an FAQ topic key.
"""

Answer: TypeAlias = str | Callable[[Mapping[str, Any]], str]
"""A reply: a ``str.format`` template over the context, or a function of the context.

The context holds every slot's spoken form (``{order_number}`` is "4 2 7 1",
``{when}`` is "Friday, November 27 at 2 PM"), each slot's tool value under
``{<slot>_value}``, the tool's result under ``{result}`` and, when the result is
a mapping, its keys at the top level.
"""


@dataclass(frozen=True, slots=True)
class SlotSpec:
    """One piece of information an intent's tool needs, and how to ask for it."""

    name: str
    """The tool argument it fills."""
    kind: SlotKind
    prompt: str
    """The question asked when it is missing."""
    required: bool = True
    remember: bool = False
    """Keep the value for later requests in the same call (an order number, a name)."""
    argument: bool = True
    """Passed to the tool; ``False`` for a value only the answer uses (the time asked
    about when checking a day's free slots)."""


@dataclass(frozen=True, slots=True)
class Intent:
    """Something a caller wants, with example phrasings that teach the classifier."""

    name: str
    examples: tuple[str, ...]
    """Typical phrasings; the classifier generalises from their sentence embeddings."""
    slots: tuple[SlotSpec, ...] = ()
    tool: str | None = None
    """The tool called once every required slot is filled (arguments: the slots)."""
    confirm: Answer | None = None
    """Asked before the tool runs, for actions that change something (bookings)."""
    answer: Answer = ""
    """Said after the tool returns (or at once, for intents without a tool)."""
    failure: Answer = (
        "I'm sorry, I couldn't do that just now. Would you like me to put you through to "
        "a colleague?"
    )
    """Said when the tool fails or returns ``{"error": ...}``."""
    offer: str | None = None
    """An intent that a plain yes right after this answer starts, with this one's slots."""
    offer_if: Callable[[Mapping[str, Any]], bool] | None = None
    """Whether the answer made the offer, given its context (``None``: always)."""
    keywords: tuple[str, ...] = ()
    """Word stems that, when present, nudge the classifier toward this intent."""
    ends_call: bool = False
    """The reply ends the call (goodbye, a transfer that went through)."""
    ends_call_on_failure: bool = False
    """End the call even when the tool failed (a goodbye; not a transfer that did not happen)."""
    dialogue_act: bool = False
    """Yes, no, hello: answers to the bot, never a request of their own."""
    summary: str = ""
    """What the caller wants, as the bot would check it ("check on an order"): used to
    ask "did you want to ...?" when the recognizer was unsure of the words."""
    lookup: str | None = None
    """A tool that finds what the request acts on (``find_appointment``), called once
    the first slot is filled and before anything else is asked: its result (a mapping)
    joins the context, and a ``holder`` key in it replaces the first slot's value
    (the name a phone number found). Its error re-asks the first slot."""
    found: Answer = ""
    """Said before the next question once the lookup succeeded ("I can see your
    appointment on {appointment}.")."""
    not_found: Answer = ""
    """Said when the lookup (or, with ``retry_slot``, the tool) reports an error, before
    the slot is asked again; after two such failures a colleague is offered instead."""
    retry_slot: str | None = None
    """The slot whose value the tool's error most likely rejects (an order number that
    does not exist): it is asked again with ``not_found`` rather than ending the request."""
    availability: str | None = None
    """A tool that lists free times for a day (``check_availability``): a ``datetime``
    slot is checked against it before confirming, and the nearest free times are
    offered when the one asked for is taken."""
    amend: str | None = None
    """The intent that changes this one's result: new values right after it succeeded
    ("actually, make it 3 instead" after a booking) start it with the same slots."""
    existing: str | None = None
    """A lookup for what the caller may already have (``find_appointment``), called once
    the first slot is filled: when it finds something, the request becomes ``amend``
    (booking for someone who has an appointment moves it: one each)."""


@dataclass(frozen=True, slots=True)
class Topic:
    """A question the business answers (an FAQ entry), and how callers ask it.

    ``examples`` teach the topic classifier (indirect questions and complaints
    included: "the shoes I got don't fit" is about exchanges); ``stems`` are word
    stems that name the topic outright.
    """

    name: str
    examples: tuple[str, ...]
    stems: tuple[str, ...] = ()


def render(answer: Answer, context: Mapping[str, Any]) -> str:
    """The text of ``answer`` in ``context``; a template missing a key raises ``KeyError``."""
    if callable(answer):
        return answer(context)
    return answer.format_map(dict(context))
