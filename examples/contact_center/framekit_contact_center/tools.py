"""The contact center's tools: one registry for the offline intent engine and the LLMs.

Names, arguments and result keys are the contract in
``framekit.intents.defaults``: a result never repeats an argument's key
(``order_number``, ``name``, ``date``), because the engine's reply templates
would then read the raw value instead of its spoken form. A failure the caller
should hear about returns ``{"error": ...}``; the engine says its failure reply,
an LLM reads the message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from framekit.tools import ToolContext, ToolRegistry
from framekit_contact_center.data import BookingError, BusinessStore

__all__ = ["TOOL_NAMES", "build_tools"]

TOOL_NAMES = (
    "order_status",
    "order_tracking",
    "check_availability",
    "book_appointment",
    "reschedule_appointment",
    "cancel_appointment",
    "find_appointment",
    "faq_answer",
    "transfer_to_human",
    "end_call",
)


def build_tools(
    store: BusinessStore,
    *,
    transfer_to: str = "",
    clock: Callable[[], dt.datetime] = dt.datetime.now,
    timeout: float = 5.0,
) -> ToolRegistry:
    """The ten contact-center tools over ``store``, in one :class:`ToolRegistry`."""
    tools = ToolRegistry(default_timeout=timeout)

    @tools.tool
    def order_status(order_number: str) -> dict[str, Any]:
        """Look up the status of an order and when it should arrive.

        Args:
            order_number: The order number, 4 to 8 digits.
        """
        order = store.order(_digits(order_number))
        if order is None:
            return {"error": f"no order numbered {order_number}"}
        result: dict[str, Any] = {"status": order.status, "eta": order.eta}
        if order.carrier:
            result["carrier"] = order.carrier
        result["items"] = [f"{q} x {d}" for d, q in order.items]
        return result

    @tools.tool
    def order_tracking(order_number: str) -> dict[str, Any]:
        """Tracking of an order's parcel: carrier, last scan and expected delivery.

        Args:
            order_number: The order number, 4 to 8 digits.
        """
        order = store.order(_digits(order_number))
        if order is None:
            return {"error": f"no order numbered {order_number}"}
        result: dict[str, Any] = {"status": order.status, "eta": order.eta}
        if order.tracking:
            last = order.tracking[-1]
            result.update(location=last.location, last_scan=last.description, scanned_at=last.at)
        if order.carrier:
            result["carrier"] = order.carrier
        return result

    @tools.tool
    def check_availability(date: str) -> dict[str, Any]:
        """Free appointment slots on a day.

        Args:
            date: The day, as YYYY-MM-DD.
        """
        day = _parse_date(date)
        return {"slots": [slot[-5:] for slot in store.free_slots(day)]}

    @tools.tool
    def book_appointment(name: str, when: str) -> dict[str, Any]:
        """Book an appointment for the caller.

        Args:
            name: The caller's full name.
            when: Start of the slot, as YYYY-MM-DDTHH:MM.
        """
        try:
            return {"when": store.book(name, _parse_datetime(when), now=clock())}
        except BookingError as exc:
            return {"error": str(exc)}

    @tools.tool
    def reschedule_appointment(name: str, when: str) -> dict[str, Any]:
        """Move the caller's existing appointment to another slot.

        Args:
            name: The name the appointment is under.
            when: Start of the new slot, as YYYY-MM-DDTHH:MM.
        """
        try:
            return {"when": store.reschedule(name, _parse_datetime(when))}
        except BookingError as exc:
            return {"error": str(exc)}

    @tools.tool
    def cancel_appointment(name: str) -> dict[str, Any]:
        """Cancel the caller's appointment.

        Args:
            name: The name the appointment is under.
        """
        try:
            return {"cancelled": store.cancel(name)}
        except BookingError as exc:
            return {"error": str(exc)}

    @tools.tool
    def find_appointment(name: str = "", phone: str = "") -> dict[str, Any]:
        """Find the caller's existing appointment, before moving or cancelling it.

        Give the name it is under, or the phone number the caller gave us (either
        finds it). Never assume an appointment exists without this lookup.

        Args:
            name: The name the appointment is under.
            phone: The caller's phone number, any format.
        """
        found = store.find_booking(name=name, phone=phone)
        if found is None:
            under = name or phone or "that name"
            return {"error": f"no appointment found under {under}"}
        return {"holder": found[0], "appointment": found[1]}

    @tools.tool
    def faq_answer(topic: str) -> dict[str, Any]:
        """The shop's answer to a common question; say it in your own words, add nothing.

        Args:
            topic: One of hours, returns, exchanges, refunds, shipping, international,
                payment, location, damaged, order_changes, gift_cards, price_match.
        """
        answer = store.faq(topic.strip().lower())
        if answer is None:
            return {"error": f"no answer about {topic!r}; topics: {', '.join(store.faq_topics())}"}
        return {"answer": answer}

    @tools.tool
    def transfer_to_human(context: ToolContext) -> dict[str, Any]:
        """Hand the caller to a person, when they ask or when you cannot help."""
        if not transfer_to:
            return {"error": "nobody is available to take the call"}
        context.transfer_call(transfer_to, "caller asked for a human")
        return {"transferred_to": transfer_to}

    @tools.tool
    def end_call(context: ToolContext) -> dict[str, Any]:
        """Hang up, once the caller has said goodbye."""
        context.end_call("caller said goodbye")
        return {"ended": True}

    return tools


def _digits(text: str) -> str:
    return "".join(ch for ch in str(text) if ch.isdigit())


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        raise ValueError(f"date must be YYYY-MM-DD, got {text!r}") from None


def _parse_datetime(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(text)).replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        raise BookingError(f"I didn't understand the time {text!r}.") from None
