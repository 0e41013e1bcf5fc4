"""The contact center's intents: orders, appointments, FAQs, a human, and small talk.

Tool names and arguments match the contact-center tools the LLM path calls, so
either brain drives the same business logic. What each tool is expected to
return (a mapping; any tool may instead return ``{"message": "..."}``, which is
said as is, or ``{"error": "..."}``, which takes the intent's failure reply):

* ``order_status(order_number)`` -> ``status``, optionally ``eta`` (ISO date) and ``carrier``;
* ``order_tracking(order_number)`` -> ``status``, optionally ``carrier``, ``location`` and ``eta``;
* ``check_availability(date)`` -> ``slots``: a list of ISO datetimes or ``HH:MM`` times;
* ``book_appointment(name, when)`` / ``reschedule_appointment(name, when)`` -> ``when``;
* ``find_appointment(name)`` or ``find_appointment(phone)`` -> ``appointment`` (ISO
  datetime) and ``holder`` (the name it is under);
* ``cancel_appointment(name)`` -> anything; ``faq_answer(topic)`` -> ``answer``;
* ``transfer_to_human()`` and ``end_call()`` -> anything;
* ``take_card_payment(order_number)`` -> ``paid`` and ``card`` (the brand): it takes
  the card number itself, through a sensitive entry (:mod:`framekit.intents.payment`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from framekit.intents.payment import PAY_ORDER
from framekit.intents.slots import speak_date, speak_time
from framekit.intents.spec import Intent, SlotSpec, Topic

__all__ = ["CONTACT_CENTER_INTENTS", "CONTACT_CENTER_TOPICS"]

_ORDER = SlotSpec(
    "order_number",
    "order_number",
    "Sure. What's your order number? It's four to eight digits.",
    remember=True,
)
_NAME = SlotSpec("name", "name", "Can I have the name the appointment is under?", remember=True)
_BOOKING_NAME = SlotSpec("name", "name", "Can I have your full name, please?", remember=True)
_WHEN = SlotSpec("when", "datetime", "What day and time would suit you?")
_ORDER_NOT_FOUND = "I'm sorry, I can't find an order numbered {order_number}."
_NO_APPOINTMENT = "I'm sorry, I can't find an appointment under {name}."
_FOUND_APPOINTMENT = "I can see your appointment for {appointment}."

CONTACT_CENTER_TOPICS: tuple[Topic, ...] = (
    Topic(
        "hours",
        (
            "What are your opening hours?",
            "When do you close today?",
            "Are you open on Saturdays?",
            "What time do you open in the morning?",
            "Is the shop open on Sunday?",
            "How late are you open?",
        ),
        ("hour", "open", "close", "closing", "weekend", "sunday", "holiday"),
    ),
    Topic(
        "returns",
        (
            "How do I return an item?",
            "What's your return policy?",
            "I want to send something back.",
            "I don't want the thing I bought anymore, can I give it back?",
            "How many days do I have to return something?",
            "Can I get my money back if I don't like it?",
        ),
        ("return", "send back", "send it back", "money back"),
    ),
    Topic(
        "exchanges",
        (
            "Can I exchange something for a different size?",
            "The shoes I got don't fit.",
            "The jacket is too small, can I swap it?",
            "I got the wrong colour, can I change it for another one?",
            "What do I do if it doesn't fit?",
            "Can I trade it for a bigger one?",
        ),
        ("exchange", "swap", "fit", "size", "too small", "too big", "colour", "color"),
    ),
    Topic(
        "refunds",
        (
            "How long does a refund take?",
            "When will I get my money back?",
            "I sent my return, where's my refund?",
            "Has my refund been processed?",
            "Does the refund go back on my card?",
        ),
        ("refund",),
    ),
    Topic(
        "shipping",
        (
            "How much is shipping?",
            "How long does delivery take?",
            "Is delivery free?",
            "Do you have express delivery?",
            "What does postage cost?",
            "How fast can you ship something?",
        ),
        ("shipping", "postage", "express", "free delivery", "delivery cost"),
    ),
    Topic(
        "international",
        (
            "Do you ship internationally?",
            "Can you send an order to Canada?",
            "Do you deliver to Europe?",
            "I live abroad, can I still order?",
            "Do you ship outside the US?",
        ),
        ("international", "abroad", "overseas", "canada", "mexico", "europe", "country"),
    ),
    Topic(
        "payment",
        (
            "What payment methods do you accept?",
            "Can I pay with PayPal?",
            "Do you take American Express?",
            "Can I use Apple Pay?",
            "Which cards can I pay with?",
        ),
        ("pay", "card", "paypal", "credit", "debit", "visa", "mastercard", "amex"),
    ),
    Topic(
        "location",
        (
            "Where are you located?",
            "What's the store's address?",
            "Where is the store?",
            "How do I find your shop?",
            "Is there parking near the store?",
        ),
        (
            "address",
            "located",
            "location",
            "where are you",
            "whereabouts",
            "find you",
            "parking",
            "store",
        ),
    ),
    Topic(
        "damaged",
        (
            "My item arrived broken.",
            "The thing I got is damaged.",
            "It stopped working after a week.",
            "Is there a warranty?",
            "The package came crushed and the lamp is cracked.",
            "What do I do if something is faulty?",
        ),
        ("damage", "broken", "broke", "warranty", "faulty", "defect", "cracked", "stopped working"),
    ),
    Topic(
        "order_changes",
        (
            "Can I change the delivery address on my order?",
            "I want to cancel my order.",
            "Can I still change my order?",
            "I put the wrong address, can I fix it?",
            "Is it too late to cancel what I ordered?",
        ),
        (
            "change my order",
            "cancel my order",
            "cancel an order",
            "wrong address",
            "change the address",
        ),
    ),
    Topic(
        "gift_cards",
        (
            "Do you sell gift cards?",
            "Does a gift card expire?",
            "Can I buy a voucher for a friend?",
            "How much can I put on a gift card?",
        ),
        ("gift", "voucher"),
    ),
    Topic(
        "price_match",
        (
            "Do you price match?",
            "I saw it cheaper somewhere else.",
            "Another shop has it for less, will you match it?",
            "The price dropped after I bought it.",
        ),
        ("price match", "cheaper", "lower price", "match"),
    ),
)
"""The shop's FAQ topics (the keys of the seeded FAQ), with how callers ask about them."""


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
    carrier = f" with {context['carrier']}" if context.get("carrier") else ""
    reply = f"Order {context['order_number']} is {context['status']}{carrier}."
    if context.get("eta"):
        reply += f" It should arrive on {_spoken_day(context['eta'])}."
    return reply


def _order_tracking(context: Mapping[str, Any]) -> str:
    text = _message(context)
    if text is not None:
        return text
    reply = f"Order {context['order_number']} is {context['status']}"
    if context.get("carrier"):
        reply += f" with {context['carrier']}"
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
    listed = times[0] if len(times) == 1 else ", ".join(times[:-1]) + " or " + times[-1]
    taken = f"I'm sorry, {context['time']} is taken. " if asked else ""
    return f"{taken}{on_day[0].upper()}{on_day[1:]} I have {listed}. Would you like me to book one?"


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
            "Can you tell me if the thing I bought has been sent out yet?",
            "Has my stuff left the warehouse?",
            "I'm still waiting for my package, what's going on?",
        ),
        slots=(_ORDER,),
        tool="order_status",
        answer=_order_status,
        not_found=_ORDER_NOT_FOUND,
        retry_slot="order_number",
        summary="check on an order",
        keywords=("status", "purchase", "shipped", "dispatched", "sent out"),
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
            "Can you track order 4271 for me?",
            "Can I get the tracking details for my order?",
            "Who is delivering my order?",
            "Which company is bringing my parcel?",
            "When should I expect it?",
        ),
        slots=(_ORDER,),
        tool="order_tracking",
        answer=_order_tracking,
        not_found=_ORDER_NOT_FOUND,
        retry_slot="order_number",
        summary="track a delivery",
        keywords=(
            "track",
            "courier",
            "carrier",
            "who's delivering",
            "who is delivering",
            "which company",
        ),
    ),
    PAY_ORDER,
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
            *(example for topic in CONTACT_CENTER_TOPICS for example in topic.examples),
        ),
        slots=(
            SlotSpec(
                "topic",
                "topic",
                "Happy to help. Is it about opening hours, returns or exchanges, refunds, "
                "shipping, payment, damaged items, gift cards or our address?",
            ),
        ),
        tool="faq_answer",
        answer=_faq,
        summary="ask a question about the shop",
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
            "I want to make a complaint.",
            "I'd like to speak to a manager about a complaint.",
            "This isn't working, get me a real person.",
        ),
        tool="transfer_to_human",
        answer="Of course. I'm transferring you to a colleague now, please hold.",
        summary="speak to a colleague",
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
        summary="end the call",
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
        (
            "Hello.",
            "Hi there.",
            "Good morning.",
            "Hey, how are you?",
            "Hello, is anyone there?",
            "Hi, is this the shop?",
            "Have I got the right number?",
        ),
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
