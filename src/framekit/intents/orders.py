"""The contact center's order intents: an order's status, and where its delivery is.

Both ask for the order number (remembered for the rest of the call) and call the
tool of the same name; their tools' results are listed in
:mod:`framekit.intents.defaults`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framekit.intents.spec import Intent, SlotSpec
from framekit.intents.tool_replies import spoken_day, tool_message

__all__ = ["ORDER_INTENTS"]

_ORDER = SlotSpec(
    "order_number",
    "order_number",
    "Sure. What's your order number? It's four to eight digits.",
    remember=True,
)
_ORDER_NOT_FOUND = "I'm sorry, I can't find an order numbered {order_number}."


def _order_status(context: Mapping[str, Any]) -> str:
    text = tool_message(context)
    if text is not None:
        return text
    carrier = f" with {context['carrier']}" if context.get("carrier") else ""
    reply = f"Order {context['order_number']} is {context['status']}{carrier}."
    if context.get("eta"):
        reply += f" It should arrive on {spoken_day(context['eta'])}."
    return reply


def _order_tracking(context: Mapping[str, Any]) -> str:
    text = tool_message(context)
    if text is not None:
        return text
    reply = f"Order {context['order_number']} is {context['status']}"
    if context.get("carrier"):
        reply += f" with {context['carrier']}"
    if context.get("location"):
        reply += f", last seen in {context['location']}"
    reply += "."
    if context.get("eta"):
        reply += f" Expected delivery is {spoken_day(context['eta'])}."
    return reply


ORDER_INTENTS: tuple[Intent, ...] = (
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
)
"""Checking on an order and tracking its delivery, in the classifier's order."""
