"""The contact center's card payment for an order, as an offline intent.

Why it is its own module: the other default intents (:mod:`framekit.intents.defaults`)
only read or book; this one hands the call to a tool that takes a card number
through a sensitive entry (``docs/privacy.md``, "Sensitive entry"). The engine
never sees the number: ``take_card_payment(order_number)`` opens the entry through
its :class:`~framekit.tools.ToolContext`, asks the caller to say or type it, and
returns only ``paid`` and the card's brand (``card``), or ``{"error": ...}``.

The tool's errors are written for a model (they say what to do next); the caller
hears a sentence of their own for each (:func:`payment_failed`), and every one of
them says that nothing was charged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framekit.intents.spec import Intent, SlotSpec

__all__ = ["PAY_ORDER", "payment_failed"]

_AGAIN = "If you'd like to try again, just say you want to pay."
_FAILURES: tuple[tuple[str, str], ...] = (
    # (how the tool's error begins, what the caller hears)
    ("no order", "I'm sorry, I can't find an order numbered {order_number}. Nothing was charged."),
    (
        "card payments need a phone call",
        "I'm sorry, I can't take a card payment on this line. Nothing was charged.",
    ),
    (
        "the card entry ended",
        f"I didn't get a card number, so nothing was charged. {_AGAIN}",
    ),
    (
        "that is not a valid card number",
        f"That card number doesn't look valid, so nothing was charged. {_AGAIN}",
    ),
)
_DID_NOT_GO_THROUGH = "I'm sorry, the payment didn't go through, and nothing was charged."


def _paid(context: Mapping[str, Any]) -> str:
    if context.get("paid") is not True:
        return payment_failed(context)
    card = context.get("card")
    with_card = f" with your {card} card" if isinstance(card, str) and card != "card" else ""
    return f"Thank you, the payment for order {context['order_number']} went through{with_card}."


def payment_failed(context: Mapping[str, Any]) -> str:
    """What the caller hears when ``take_card_payment`` returned an error (or failed)."""
    error = context.get("error")
    if isinstance(error, str):
        for start, said in _FAILURES:
            if error.startswith(start):
                return said.format(order_number=context.get("order_number", "you gave"))
    return _DID_NOT_GO_THROUGH


PAY_ORDER = Intent(
    "pay_order",
    (
        "I'd like to pay for my order.",
        "Can I pay for an order over the phone?",
        "I want to make a payment on order 5120.",
        "I need to pay for what I ordered.",
        "Can I settle my order by card?",
        "Please take a card payment for my order.",
        "I'd like to give you my card details for an order.",
        "Pay for order 6021.",
        "My order is waiting for payment, can I pay it now?",
        "I want to pay the balance on my order.",
        "Can I put the payment for my order on my debit card?",
    ),
    slots=(
        SlotSpec(
            "order_number",
            "order_number",
            "Sure. Which order would you like to pay for? It's four to eight digits.",
            remember=True,
        ),
    ),
    tool="take_card_payment",
    confirm="Shall I take a card payment for order {order_number}?",
    answer=_paid,
    failure=payment_failed,
    summary="pay for an order",
    keywords=("pay for", "payment for", "payment on", "card payment"),
)
"""Paying for an order by card: asks for the order number, confirms, and the tool
takes the card through a sensitive entry."""
