"""Putting what a caller said into a request's slots, normalized once.

Why its own module: every rule of the conversation (a first request, an answer
to a question, a correction at confirmation, an accepted offer) fills slots the
same way, so the rules live in the engine and the one way of reading values lives
here. A value is normalized when it is read (digits for an order number,
``YYYY-MM-DD`` and ``YYYY-MM-DDTHH:MM`` in the shop's clock, a capitalized name),
together with how the bot says it back, so nothing downstream parses speech again.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping

from framekit.intents.dialogue import DialogueState, SlotValue
from framekit.intents.slots import (
    extract_name,
    extract_order_number,
    parse_when,
    parse_yes_no,
    speak_date,
    speak_digits,
    speak_time,
)
from framekit.intents.spec import Intent, SlotSpec
from framekit.text.numbers import number_runs, tokenize

__all__ = [
    "carry",
    "changed_slot",
    "extract_phone",
    "fill",
    "offer_answer",
    "pick_alternative",
    "spoken_moment",
]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"\d{2}:\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_THAT_DAY = re.compile(r"\b(?:same|that) day\b")
_PHONE_CUE = re.compile(r"\b(?:phone|number|mobile|cell)\b", re.IGNORECASE)
_PHONE_DIGITS = (7, 11)
_SECOND = ("second", "later", "latter", "other", "last")
_FIRST = ("first", "earlier", "former")


def fill(
    state: DialogueState,
    intent: Intent,
    text: str,
    now: dt.datetime,
    *,
    expecting: str | None,
    overwrite: bool = False,
    topic: str | None = None,
) -> bool:
    """Put every slot value of ``intent`` found in ``text`` into ``state``; any found?

    ``expecting`` names the slot the bot just asked for (a bare answer then counts);
    ``overwrite`` lets new values replace filled ones (a correction); ``topic`` is
    the FAQ topic the engine's topic model found in ``text``.
    """
    found = False
    for spec in intent.slots:
        if spec.name in state.slots and not overwrite:
            continue
        before = (state.partial_date, state.partial_time)
        value = _extract(
            state, intent, spec, text, now, expecting=expecting == spec.name, topic=topic
        )
        if value is not None:
            state.slots[spec.name] = value
        found = found or value is not None or before != (state.partial_date, state.partial_time)
    return found


def carry(state: DialogueState, intent: Intent, carried: Mapping[str, SlotValue]) -> None:
    """Slots of an earlier request into this one: same-named ones, a day into a day-and-time."""
    days = [v for v in carried.values() if _ISO_DAY.fullmatch(v.value)]
    times = [v for v in carried.values() if _CLOCK.fullmatch(v.value)]
    moments = [v for v in carried.values() if _ISO_MOMENT.fullmatch(v.value)]
    for spec in intent.slots:
        if spec.name in carried and carried[spec.name].value:
            state.slots[spec.name] = carried[spec.name]
        elif spec.kind == "date" and moments:  # a booking's day, for checking that day
            day = dt.date.fromisoformat(moments[0].value[:10])
            state.slots[spec.name] = SlotValue(day.isoformat(), moments[0].spoken.split(" at ")[0])
        elif spec.kind == "datetime" and days and times:
            day = dt.date.fromisoformat(days[0].value)
            moment = dt.datetime.combine(day, dt.time.fromisoformat(times[0].value))
            state.slots[spec.name] = SlotValue(
                moment.strftime("%Y-%m-%dT%H:%M"), f"{days[0].spoken} at {times[0].spoken}"
            )
        elif spec.kind == "datetime" and days:
            state.partial_date = dt.date.fromisoformat(days[0].value)


def changed_slot(
    last: Intent, slots: Mapping[str, SlotValue], text: str, now: dt.datetime
) -> str | None:
    """The slot of the last request that ``text`` gives a new value ("make it three"),
    read with the last request's values known, or ``None``."""
    for spec in last.slots:
        trial = DialogueState()
        carry(trial, last, slots)
        if fill(trial, last, text, now, expecting=spec.name, overwrite=True) and (
            trial.slots != dict(slots) or trial.partial_date or trial.partial_time
        ):
            return spec.name
    return None


def offer_answer(
    target: Intent, carried: Mapping[str, SlotValue], text: str, now: dt.datetime
) -> str | None:
    """The slot an answer to an offer fills ("ten please", "Grace Liu"), if it fills one.

    An offer ("would you like me to book one?") is often accepted by answering the
    next question straight away: the time, or the name.
    """
    trial = DialogueState()
    carry(trial, target, carried)
    missing = [s for s in target.slots if s.required and s.name not in trial.slots]
    for spec in missing:
        attempt = copy.deepcopy(trial)
        fill(attempt, target, text, now, expecting=spec.name)
        if len(attempt.slots) > len(trial.slots):  # a whole value, not half a date
            return spec.name
    return None


def spoken_moment(moment: dt.datetime, now: dt.datetime) -> SlotValue:
    """A day and time as a ``datetime`` slot: ISO for the tool, words for the caller."""
    spoken = f"{speak_date(moment.date(), now)} at {speak_time(moment.time())}"
    return SlotValue(moment.strftime("%Y-%m-%dT%H:%M"), spoken)


def extract_phone(text: str) -> str | None:
    """A phone number said or typed (7 to 11 digits, in any grouping), or ``None``."""
    tokens = tokenize(text)
    digits = "".join(run.digits for run in number_runs(tokens))
    lo, hi = _PHONE_DIGITS
    return digits if lo <= len(digits) <= hi else None


def pick_alternative(
    text: str, offered: list[dt.datetime], *, named_time: bool
) -> dt.datetime | None:
    """Which offered time an answer takes: "the first one", "the later one", or a plain yes.

    ``named_time``: the answer also names a time ("yes, 2 PM"), which then wins
    over a yes (but not over "the first one").
    """
    if not offered:
        return None
    words = " " + " ".join(tokenize(text)) + " "
    if len(offered) > 1 and any(f" {w} one " in words or f" the {w} " in words for w in _SECOND):
        return offered[1]
    if any(f" {w} one " in words or f" the {w} " in words for w in _FIRST):
        return offered[0]
    if not named_time and parse_yes_no(text) is True:
        return offered[0]
    return None


def _extract(
    state: DialogueState,
    intent: Intent,
    spec: SlotSpec,
    text: str,
    now: dt.datetime,
    *,
    expecting: bool,
    topic: str | None,
) -> SlotValue | None:
    kind = spec.kind
    if kind == "order_number":
        digits = extract_order_number(text)
        return None if digits is None else SlotValue(digits, speak_digits(digits))
    if kind == "name":
        if intent.lookup is not None and (expecting or _PHONE_CUE.search(text)):
            phone = extract_phone(text)
            if phone is not None:  # "it's under 555 354 9877": the lookup finds the name
                return SlotValue(phone, "the number " + speak_digits(phone))
        name = extract_name(text, expecting=expecting)
        return None if name is None else SlotValue(name, name)
    if kind == "topic":
        return None if topic is None else SlotValue(topic, topic)
    if kind == "datetime" and expecting and state.alternatives:
        named = not parse_when(text, now, expect_time=True).empty
        chosen = pick_alternative(text, state.alternatives, named_time=named)
        if chosen is not None:
            state.partial_date = state.partial_time = None
            return spoken_moment(chosen, now)
    # a bare number is a time when the day is known and it answers for it, or is all
    # the caller said ("ten", after "Saturday")
    short = len(tokenize(text)) <= 3
    known_day = state.partial_date is not None or spec.name in state.slots
    expect_time = known_day and (expecting or short)
    when = parse_when(text, now, expect_time=expect_time)
    if kind == "date":
        day = when.date
        return None if day is None else SlotValue(day.isoformat(), speak_date(day, now))
    if kind == "time":
        time = None if when.vague else when.time
        return None if time is None else SlotValue(time.strftime("%H:%M"), speak_time(time))
    if when.date is None and _THAT_DAY.search(" ".join(tokenize(text))):
        when = parse_when(text, now, expect_time=True)  # "same day, say one"
        current = state.slots.get(spec.name)
        known = (state.found or {}).get("appointment") or (current.value if current else "")
        if isinstance(known, str) and len(known) >= 10:
            state.partial_date = dt.date.fromisoformat(known[:10])
    if when.empty:
        return None
    day, time = when.date or state.partial_date, when.time or state.partial_time
    current = state.slots.get(spec.name)
    if current is not None and (day is None or time is None):
        # "no, make it Saturday": keep the half of the old value the caller did not change
        old = dt.datetime.fromisoformat(current.value)
        day, time = day or old.date(), time or old.time()
    if day is None or time is None:
        state.partial_date, state.partial_time = day, time
        return None
    state.partial_date = state.partial_time = None
    return spoken_moment(dt.datetime.combine(day, time), now)
