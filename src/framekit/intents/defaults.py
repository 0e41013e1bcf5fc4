"""The contact center's intents: orders, appointments, FAQs, a human, and small talk.

Tool names and arguments match the contact-center tools the LLM path calls, so
either brain drives the same business logic. What each tool is expected to
return (a mapping; any tool may instead return ``{"message": "..."}``, which is
said as is, or ``{"error": "..."}``, which takes the intent's failure reply):

* ``order_status(order_number)`` -> ``status`` and optionally ``eta`` (ISO date);
* ``order_tracking(order_number)`` -> ``status``, optionally ``location`` and ``eta``;
* ``check_availability(date)`` -> ``slots``: a list of ISO datetimes or ``HH:MM`` times;
* ``book_appointment(name, when)`` / ``reschedule_appointment(name, when)`` -> ``when``;
* ``cancel_appointment(name)`` -> anything; ``faq_answer(topic)`` -> ``answer``;
* ``transfer_to_human()`` and ``end_call()`` -> anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from framekit.intents.slots import speak_date, speak_time
from framekit.intents.spec import Intent, SlotSpec

__all__ = ["CONTACT_CENTER_INTENTS"]

_ORDER = SlotSpec(
    "order_number",
    "order_number",
    "Sure. What's your order number? It's four to eight digits.",
    remember=True,
)
_NAME = SlotSpec("name", "name", "Can I have the name the appointment is under?", remember=True)
_WHEN = SlotSpec("when", "datetime", "What day and time would suit you?")


def _message(context: Mapping[str, Any]) -> str | None:
    result = context.get("result")
    if isinstance(result, str):
        return result
    message = context.get("message")
    return message if isinstance(message, str) else None


def _spoken_day(value: Any) -> str:
    """An ISO date or datetime from a tool as words; anything else as it is."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    day = speak_date(moment.date())
    has_time = "T" in str(value) or " " in str(value).strip()
    return f"{day} at {speak_time(moment.time())}" if has_time else day


def _order_status(context: Mapping[str, Any]) -> str:
    text = _message(context)
    if text is not None:
        return text
    reply = f"Order {context['order_number']} is {context['status']}."
    if context.get("eta"):
        reply += f" It should arrive on {_spoken_day(context['eta'])}."
    return reply


def _order_tracking(context: Mapping[str, Any]) -> str:
    text = _message(context)
    if text is not None:
        return text
    reply = f"Order {context['order_number']} is {context['status']}"
    if context.get("location"):
        reply += f", last seen in {context['location']}"
    reply += "."
    if context.get("eta"):
        reply += f" Expected delivery is {_spoken_day(context['eta'])}."
    return reply


def _availability(context: Mapping[str, Any]) -> str:
    text = _message(context)
    if text is not None:
        return text
    slots = list(context.get("slots") or [])
    if not slots:
        return f"I'm afraid {context['date']} is fully booked. Which other day should I check?"
    times = []
    for slot in slots[:4]:
        value = str(slot)
        try:
            times.append(speak_time(dt.time.fromisoformat(value[-5:])))
        except ValueError:
            times.append(value)
    listed = times[0] if len(times) == 1 else ", ".join(times[:-1]) + " or " + times[-1]
    return f"On {context['date']} I have {listed}. Would you like me to book one?"


def _booked(verb: str) -> Any:
    def answer(context: Mapping[str, Any]) -> str:
        text = _message(context)
        if text is not None:
            return text
        when = _spoken_day(context["result"]["when"]) if _has_when(context) else context["when"]
        return f"Done: {context['name']}, you're {verb} for {when}. Anything else?"

    return answer


def _has_when(context: Mapping[str, Any]) -> bool:
    result = context.get("result")
    return isinstance(result, Mapping) and bool(result.get("when"))


def _faq(context: Mapping[str, Any]) -> str:
    text = _message(context)
    if text is not None:
        return text
    return str(context["answer"])


CONTACT_CENTER_INTENTS: tuple[Intent, ...] = (
    Intent(
        "order_status",
        (
            "Where is my order?",
            "What's the status of my order?",
            "Has my order shipped yet?",
            "I'd like to check on an order I placed.",
            "Can you look up my order for me?",
            "Is my purchase on its way?",
            "I want to know what's happening with my order.",
            "My order hasn't arrived yet.",
            "I ordered something last week and haven't received it.",
            "order status",
            "Has my order been dispatched?",
            "Checking on order number 4271.",
        ),
        slots=(_ORDER,),
        tool="order_status",
        answer=_order_status,
        keywords=("order", "purchase", "shipped", "dispatched"),
    ),
    Intent(
        "order_tracking",
        (
            "Can I get the tracking information for my package?",
            "Where is my parcel right now?",
            "When will my delivery arrive?",
            "I need the tracking number for my shipment.",
            "Track my package please.",
            "What's the delivery date for my order?",
            "How long until my package gets here?",
            "Which courier has my parcel?",
            "Is the delivery coming today?",
            "Where's the driver with my package?",
        ),
        slots=(_ORDER,),
        tool="order_tracking",
        answer=_order_tracking,
        keywords=("track", "parcel", "package", "courier", "arrive", "delivery"),
    ),
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
        ),
        slots=(_NAME, _WHEN),
        tool="book_appointment",
        confirm="Shall I book {name} for {when}?",
        answer=_booked("booked"),
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
        keywords=(
            "reschedule",
            "rebook",
            "move",
            "change",
            "switch",
            "shift",
            "postpone",
            "push",
            "forward",
            "earlier",
            "later",
            "instead",
            "another day",
            "another time",
            "different",
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
        confirm="Just to confirm, shall I cancel the appointment for {name}?",
        answer="Your appointment is cancelled, {name}. Is there anything else?",
        keywords=(
            "cancel",
            "call off",
            "scrap",
            "drop",
            "delete",
            "remove",
            "no longer",
            "won't be able",
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
        slots=(SlotSpec("date", "date", "Which day would you like me to check?"),),
        tool="check_availability",
        answer=_availability,
        offer="book_appointment",
        offer_if=lambda context: bool(context.get("slots")),
        keywords=("available", "availability", "free", "openings", "slots", "fully booked"),
    ),
    Intent(
        "faq",
        (
            "What are your opening hours?",
            "When are you open?",
            "What's your return policy?",
            "How do I return an item?",
            "How much is shipping?",
            "Do you ship internationally?",
            "What payment methods do you accept?",
            "Can I pay with a credit card?",
            "Where are you located?",
            "Are you open on weekends?",
            "How long does a refund take?",
            "I have a question about your policies.",
            "What does delivery cost?",
            "What time do you close?",
        ),
        slots=(
            SlotSpec(
                "topic",
                "topic",
                "Happy to help. Is it about opening hours, returns, shipping, payment or our "
                "address?",
            ),
        ),
        tool="faq_answer",
        answer=_faq,
        keywords=(
            "hours",
            "open",
            "close",
            "policy",
            "return",
            "refund",
            "pay",
            "cost",
            "price",
            "how much",
            "located",
            "address",
        ),
    ),
    Intent(
        "transfer_to_human",
        (
            "Can I speak to a real person?",
            "Transfer me to an agent please.",
            "I want to talk to a human.",
            "Let me speak to someone.",
            "Put me through to customer service.",
            "I need a representative.",
            "Get me a manager.",
            "Is there a person I can talk to?",
            "operator",
        ),
        tool="transfer_to_human",
        answer="Of course. I'm transferring you to a colleague now, please hold.",
        failure=(
            "I'm sorry, nobody is free to take your call right now. Is there anything I can "
            "help with in the meantime?"
        ),
        keywords=("human", "person", "agent", "representative", "operator", "someone", "manager"),
        ends_call=True,
    ),
    Intent(
        "goodbye",
        (
            "That's all, thank you, goodbye.",
            "Bye.",
            "Thanks for your help, have a nice day.",
            "No, that's everything. Bye.",
            "I'm done, thanks.",
            "See you later.",
            "That's all I needed.",
        ),
        tool="end_call",
        answer="Thanks for calling. Goodbye!",
        failure="Thanks for calling. Goodbye!",
        ends_call_on_failure=True,
        keywords=(
            "bye",
            "goodbye",
            "cheers",
            "take care",
            "have a good",
            "have a nice",
            "that's all",
            "that's everything",
            "that's it for",
        ),
        ends_call=True,
    ),
    Intent(
        "greeting",
        ("Hello.", "Hi there.", "Good morning.", "Hey, how are you?", "Hello, is anyone there?"),
        answer="Hello! How can I help you today?",
        dialogue_act=True,
    ),
    Intent(
        "affirm",
        ("Yes.", "Yes please.", "That's right.", "Correct.", "Sure, go ahead.", "Sounds good."),
        answer="Okay. What can I help you with?",
        dialogue_act=True,
    ),
    Intent(
        "deny",
        ("No.", "No thanks.", "That's wrong.", "Not really.", "Don't do that.", "Nope."),
        answer="Alright. What can I help you with?",
        dialogue_act=True,
    ),
)
"""The default intents of the contact-center bot, in the order the classifier sees them."""
