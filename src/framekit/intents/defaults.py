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

The intents live by family (:mod:`~framekit.intents.orders`,
:mod:`~framekit.intents.payment`, :mod:`~framekit.intents.appointments`,
:mod:`~framekit.intents.faq`); this module adds the call's own (a colleague,
goodbye, a greeting, yes and no) and puts them in the order the classifier sees.
"""

from __future__ import annotations

from framekit.intents.appointments import APPOINTMENT_INTENTS
from framekit.intents.faq import CONTACT_CENTER_TOPICS, FAQ
from framekit.intents.orders import ORDER_INTENTS
from framekit.intents.payment import PAY_ORDER
from framekit.intents.spec import Intent

__all__ = ["CONTACT_CENTER_INTENTS", "CONTACT_CENTER_TOPICS"]

CONTACT_CENTER_INTENTS: tuple[Intent, ...] = (
    *ORDER_INTENTS,
    PAY_ORDER,
    *APPOINTMENT_INTENTS,
    FAQ,
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
