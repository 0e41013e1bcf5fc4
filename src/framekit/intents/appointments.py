"""The contact center's appointment intents: book, move, cancel, and hear what is free.

Booking and moving confirm the day and time first and check it is free
(``check_availability``); moving and cancelling first find the caller's
appointment (``find_appointment``). Their tools' results are listed in
:mod:`framekit.intents.defaults`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from framekit.intents.scheduling import spoken_choices
from framekit.intents.slots import speak_time
from framekit.intents.spec import Intent, SlotSpec
from framekit.intents.tool_replies import spoken_day, tool_message

__all__ = ["APPOINTMENT_INTENTS"]

_NAME = SlotSpec("name", "name", "Can I have the name the appointment is under?", remember=True)
_BOOKING_NAME = SlotSpec("name", "name", "Can I have your full name, please?", remember=True)
_WHEN = SlotSpec("when", "datetime", "What day and time would suit you?")
_NO_APPOINTMENT = "I'm sorry, I can't find an appointment under {name}."
_FOUND_APPOINTMENT = "I can see your appointment for {appointment}."


def _availability(context: Mapping[str, Any]) -> str:
    text = tool_message(context)
    if text is not None:
        return text
    slots = list(context.get("slots") or [])
    day = context["date"]
    on_day = day if day in ("today", "tomorrow") else f"on {day}"
    if not slots:
        return f"I'm afraid we have nothing free {on_day}. Which other day should I check?"
    asked = context.get("time_value")
    if asked and any(str(slot).endswith(str(asked)) for slot in slots):
        return f"Yes, {context['time']} {on_day} is free. Would you like me to book it?"
    times = []
    for slot in slots[:4]:
        value = str(slot)
        try:
            times.append(speak_time(dt.time.fromisoformat(value[-5:])))
        except ValueError:
            times.append(value)
    taken = f"I'm sorry, {context['time']} is taken. " if asked else ""
    listed = spoken_choices(times)
    return f"{taken}{on_day[0].upper()}{on_day[1:]} I have {listed}. Would you like me to book one?"


def _booked(verb: str) -> Any:
    def answer(context: Mapping[str, Any]) -> str:
        text = tool_message(context)
        if text is not None:
            return text
        when = spoken_day(context["result"]["when"]) if _has_when(context) else context["when"]
        return f"Done: {context['name']}, you're {verb} for {when}. Anything else?"

    return answer


def _has_when(context: Mapping[str, Any]) -> bool:
    result = context.get("result")
    return isinstance(result, Mapping) and bool(result.get("when"))


APPOINTMENT_INTENTS: tuple[Intent, ...] = (
    Intent(
        "book_appointment",
        (
            "I'd like to book an appointment.",
            "Can I make an appointment for next week?",
            "I want to schedule a visit.",
            "Book me in for Friday at 2 PM.",
            "I need to set up a meeting with someone.",
            "Can I come in tomorrow morning?",
            "Please reserve a slot for me.",
            "I'd like to make a booking.",
            "Schedule an appointment for me please.",
            "Could I get an appointment on Monday?",
            "I'd like to come in and see someone.",
            "Can you fit me in this week?",
            "I'd like an appointment on the 15th.",
        ),
        slots=(_BOOKING_NAME, _WHEN),
        tool="book_appointment",
        confirm="Shall I book {name} for {when}?",
        answer=_booked("booked"),
        availability="check_availability",
        amend="reschedule_appointment",
        existing="find_appointment",
        summary="book an appointment",
        keywords=("book", "schedule", "reserve", "make an appointment", "come in", "set up"),
    ),
    Intent(
        "reschedule_appointment",
        (
            "I need to reschedule my appointment.",
            "Can I move my booking to another day?",
            "I'd like to change the time of my appointment.",
            "Could we push my appointment back?",
            "Move my appointment to Thursday.",
            "I can't make my appointment time, can we change it?",
            "Change my booking to a later date.",
            "Can I bring my appointment forward?",
            "I want a different time for my appointment.",
            "Can we do my appointment on another day instead?",
            "I'd like to rebook my appointment.",
        ),
        slots=(_NAME, SlotSpec("when", "datetime", "What new day and time would suit you?")),
        tool="reschedule_appointment",
        confirm="Shall I move {name}'s appointment to {when}?",
        answer=_booked("moved"),
        lookup="find_appointment",
        found=_FOUND_APPOINTMENT,
        not_found=_NO_APPOINTMENT,
        availability="check_availability",
        summary="move your appointment",
        keywords=(
            "reschedule",
            "rebook",
            "rearrange",
            "move",
            "change",
            "switch",
            "shift",
            "postpone",
            "push",
            "bring it forward",
            "another day",
            "another time",
        ),
    ),
    Intent(
        "cancel_appointment",
        (
            "I need to cancel my appointment.",
            "Please cancel my booking.",
            "I won't be able to come to my appointment, cancel it.",
            "Can you call off my appointment?",
            "I'd like to cancel the visit I booked.",
            "Cancel my reservation please.",
            "I don't need the appointment anymore.",
            "Remove my booking.",
            "I can't come to my appointment, please take it off.",
            "Forget the appointment, I'm not coming.",
        ),
        slots=(_NAME,),
        tool="cancel_appointment",
        confirm="Shall I cancel it?",
        answer="Your appointment is cancelled, {name}. Is there anything else?",
        lookup="find_appointment",
        found=_FOUND_APPOINTMENT,
        not_found=_NO_APPOINTMENT,
        summary="cancel your appointment",
        keywords=(
            "cancel",
            "call off",
            "scrap",
            "drop",
            "delete",
            "remove",
            "no longer",
            "won't be able",
            "pull out",
            "won't make",
            "can't make",
            "not coming",
            "anymore",
        ),
    ),
    Intent(
        "check_availability",
        (
            "What times do you have available?",
            "Do you have any openings tomorrow?",
            "Are there any free slots on Friday?",
            "When is your next available appointment?",
            "Is there availability next week?",
            "What appointments are free on Monday?",
            "Do you have anything open this afternoon?",
            "Which times can I choose from?",
            "Are you fully booked on Saturday?",
        ),
        slots=(
            SlotSpec("date", "date", "Which day would you like me to check?"),
            SlotSpec("time", "time", "", required=False, argument=False),
        ),
        tool="check_availability",
        answer=_availability,
        summary="hear which appointment times are free",
        offer="book_appointment",
        offer_if=lambda context: bool(context.get("slots")),
        keywords=("available", "availability", "free", "opening", "slots", "fully booked"),
    ),
)
"""Booking, moving and cancelling an appointment, and asking which times are free."""
