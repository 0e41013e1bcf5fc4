"""The contact center's tools: one registry for the offline intent engine and the LLMs.

Names, arguments and result keys are the contract in
``framekit.intents.defaults``: a result never repeats an argument's key
(``order_number``, ``name``, ``date``), because the engine's reply templates
would then read the raw value instead of its spoken form. A failure the caller
should hear about returns ``{"error": ...}``; the engine says its failure reply,
an LLM reads the message, which says what went wrong and what to do next
(ask again, offer the nearest free times, offer a colleague), so that a model
is never left to guess.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

from framekit.frames import (
    SensitiveEntry,
    SensitiveEntryEnd,
    SensitiveEntryRequestFrame,
    TTSSpeakFrame,
)
from framekit.intents.scheduling import nearest, spoken_times
from framekit.privacy.kinds.numbers import luhn_valid
from framekit.processors.base import FrameDirection
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
    "take_card_payment",
)
# A card number said or typed on the keypad: the caller has this long from the prompt's start.
_CARD_ENTRY_SECONDS = 60.0
_CARD_PROMPT = "Please say the card number, or type it on your keypad and press the hash key."
_CARD_DIGITS = (13, 19)  # the shortest and the longest card numbers
_CARD_BRANDS = {"3": "American Express", "4": "Visa", "5": "Mastercard", "6": "Discover"}


def build_tools(
    store: BusinessStore,
    *,
    transfer_to: str = "",
    clock: Callable[[], dt.datetime] = dt.datetime.now,
    timeout: float = 5.0,
) -> ToolRegistry:
    """The eleven contact-center tools over ``store``, in one :class:`ToolRegistry`."""
    tools = ToolRegistry(default_timeout=timeout)

    @tools.tool
    def order_status(order_number: str) -> dict[str, Any]:
        """Look up an order's status, expected arrival date, carrier and items.

        Call it before saying anything about an order, and say only what it
        returns: never guess a status, a date or a carrier. Read the number back
        digit by digit. An error means there is no such order: ask the caller to
        repeat the number digit by digit or type it on the keypad; after the second
        number that is not found, offer a colleague (transfer_to_human).

        Args:
            order_number: The order number, 4 to 8 digits.
        """
        order = store.order(_digits(order_number))
        if order is None:
            return {"error": _no_order(order_number, "status")}
        result: dict[str, Any] = {"status": order.status, "eta": order.eta}
        if order.carrier:
            result["carrier"] = order.carrier
        result["items"] = [f"{q} x {d}" for d, q in order.items]
        return result

    @tools.tool
    def order_tracking(order_number: str) -> dict[str, Any]:
        """Tracking of an order's parcel: carrier, last scan and expected delivery.

        Say only what it returns: never guess where a parcel is or when it
        arrives. An error means there is no such order: ask the caller to repeat
        the number digit by digit or type it on the keypad; after the second number
        that is not found, offer a colleague (transfer_to_human).

        Args:
            order_number: The order number, 4 to 8 digits.
        """
        order = store.order(_digits(order_number))
        if order is None:
            return {"error": _no_order(order_number, "tracking")}
        result: dict[str, Any] = {"status": order.status, "eta": order.eta}
        if order.tracking:
            last = order.tracking[-1]
            result.update(location=last.location, last_scan=last.description, scanned_at=last.at)
        if order.carrier:
            result["carrier"] = order.carrier
        return result

    @tools.tool
    def check_availability(date: str) -> dict[str, Any]:
        """Free appointment times on a day, as HH:MM. Call it before booking or moving.

        Offer only these times. If the caller's time is not among them, offer the
        nearest free ones. An empty list means nothing is free that day: say so and
        offer another day.

        Args:
            date: The day, as YYYY-MM-DD.
        """
        day = _parse_date(date)
        return {"slots": [slot[-5:] for slot in store.free_slots(day)]}

    @tools.tool
    def book_appointment(name: str, when: str) -> dict[str, Any]:
        """Book an appointment for the caller.

        Only after check_availability showed the time free, you read the day and
        time back, and the caller said yes. Until it returns "when", nothing is
        booked: never say it is.

        Args:
            name: The caller's full name.
            when: Start of the slot, as YYYY-MM-DDTHH:MM.
        """
        try:
            at = _parse_datetime(when)
        except BookingError as exc:
            return {"error": f"{exc} Nothing was booked. {_ASK_AGAIN}"}
        try:
            return {"when": store.book(name, at, now=clock())}
        except BookingError as exc:
            if store.booking_of(name) is not None:
                return {
                    "error": f"{exc} Nothing was booked. Offer to move the existing appointment: "
                    "find it with find_appointment, and move it only after the caller says yes."
                }
            return {"error": f"{exc} Nothing was booked. {_free_instead(store, at)}"}

    @tools.tool
    def reschedule_appointment(name: str, when: str) -> dict[str, Any]:
        """Move the caller's existing appointment to another slot.

        Only after find_appointment found it and you told the caller which
        appointment it is, check_availability showed the new time free, and the
        caller said yes to the new day and time.

        Args:
            name: The name the appointment is under, as find_appointment returned it.
            when: Start of the new slot, as YYYY-MM-DDTHH:MM.
        """
        try:
            at = _parse_datetime(when)
        except BookingError as exc:
            return {"error": f"{exc} The appointment was not moved. {_ASK_AGAIN}"}
        try:
            return {"when": store.reschedule(name, at)}
        except BookingError as exc:
            if store.booking_of(name) is None:
                return {"error": f"{exc} Nothing was moved. {_find_first(name)}"}
            free = _free_instead(store, at)
            return {"error": f"{exc} The appointment was not moved. {free}"}

    @tools.tool
    def cancel_appointment(name: str) -> dict[str, Any]:
        """Cancel the caller's appointment.

        Only after find_appointment found it, you told the caller which
        appointment it is, and the caller said yes to cancelling it.

        Args:
            name: The name the appointment is under, as find_appointment returned it.
        """
        try:
            return {"cancelled": store.cancel(name)}
        except BookingError as exc:
            return {"error": f"{exc} Nothing was cancelled. {_find_first(name)}"}

    @tools.tool
    def find_appointment(name: str = "", phone: str = "") -> dict[str, Any]:
        """Find the caller's existing appointment, before moving or cancelling it.

        Give the name it is under, or the phone number the caller gave us (either
        finds it). Never assume an appointment exists without this lookup. Tell the
        caller the appointment it found (the holder's name, day and time) before
        acting on it.

        Args:
            name: The name the appointment is under.
            phone: The caller's phone number, any format.
        """
        found = store.find_booking(name=name, phone=phone)
        if found is None:
            under = name or phone or "that name"
            return {
                "error": f"no appointment found under {under}. Do not say there is one: ask "
                "for the name it is under or the phone number it was booked with, or offer "
                "to book a new one."
            }
        return {"holder": found[0], "appointment": found[1]}

    @tools.tool
    def faq_answer(topic: str) -> dict[str, Any]:
        """The shop's answer to a common question; say it in your own words, add nothing.

        Never answer these questions from your own knowledge.

        Args:
            topic: One of hours, returns, exchanges, refunds, shipping, international,
                payment, location, damaged, order_changes, gift_cards, price_match.
        """
        answer = store.faq(topic.strip().lower())
        if answer is None:
            topics = ", ".join(store.faq_topics())
            return {
                "error": f"no answer about {topic!r}. The topics are: {topics}. Call again with "
                "the closest topic; if none fits, do not make up an answer: offer a colleague."
            }
        return {"answer": answer}

    @tools.tool
    def transfer_to_human(context: ToolContext) -> dict[str, Any]:
        """Hand the caller to a colleague.

        When the caller asks for a person, after a second order number that is not
        found, after two turns you could not understand, or when you cannot help.
        """
        if not transfer_to:
            return {
                "error": "nobody is available to take the call. Tell the caller no colleague "
                "is free right now, and offer to help with anything else."
            }
        context.transfer_call(transfer_to, "caller asked for a human")
        return {"transferred_to": transfer_to}

    @tools.tool
    def end_call(context: ToolContext) -> dict[str, Any]:
        """Hang up, once the caller has said goodbye or has nothing else. Say goodbye first."""
        context.end_call("caller said goodbye")
        return {"ended": True}

    @tools.tool(timeout=_CARD_ENTRY_SECONDS + 5.0)
    async def take_card_payment(order_number: str, context: ToolContext) -> dict[str, Any]:
        """Take a card payment for an order: the caller says or types the card number.

        Call it when the caller wants to pay for an order. Never ask for the card
        number yourself and never repeat one: this tool asks the caller for it,
        and neither you nor the call record ever see it. Say only what it returns.

        Args:
            order_number: The order number, 4 to 8 digits.
        """
        if store.order(_digits(order_number)) is None:
            return {"error": _no_order(order_number, "payment")}
        entry = await _card_number(context)
        if entry is None:
            return {"error": "card payments need a phone call. Nothing was charged."}
        if entry.end is not SensitiveEntryEnd.COMPLETE:
            return {
                "error": f"the card entry ended ({entry.end.value}) before a number was given. "
                "Nothing was charged: ask if they want to try again."
            }
        number = entry.reveal()
        if not _CARD_DIGITS[0] <= len(number) <= _CARD_DIGITS[1] or not luhn_valid(number):
            return {
                "error": "that is not a valid card number. Nothing was charged: ask them to "
                "say or type it again."
            }
        # A real shop hands ``number`` to its payment provider here, and keeps nothing of it.
        return {"paid": True, "card": _CARD_BRANDS.get(number[0], "card")}

    return tools


_ASK_AGAIN = "Ask the caller for the day and time again."


async def _card_number(context: ToolContext) -> SensitiveEntry | None:
    """The caller's card number, taken by the call's sensitive-entry gate; ``None`` without one.

    The request goes up first, so that keys typed or words said over the prompt are
    already the entry's. Spoken, the entry completes once a sentence of the caller's
    brings the digits to the shortest card's length. Only this tool sees them
    (``docs/privacy.md``, "Sensitive entry").
    """
    request = SensitiveEntryRequestFrame(
        max_digits=_CARD_DIGITS[1],
        timeout=_CARD_ENTRY_SECONDS,
        spoken=True,
        min_digits=_CARD_DIGITS[0],
    )
    if not await context.push_frame(request, FrameDirection.UPSTREAM):
        return None
    await context.push_frame(TTSSpeakFrame(_CARD_PROMPT))
    try:  # a call with no gate never answers
        return await asyncio.wait_for(request.answer, _CARD_ENTRY_SECONDS + 1.0)
    except TimeoutError:
        return None


def _free_instead(store: BusinessStore, wanted: dt.datetime) -> str:
    """The nearest free times on ``wanted``'s day, to offer instead of a slot that is not free."""
    free = [dt.datetime.fromisoformat(slot) for slot in store.free_slots(wanted.date())]
    if not free:
        return "Nothing is free that day: offer another day, checked with check_availability."
    offer = nearest(free, wanted)[:3]
    slots = ", ".join(t.strftime("%Y-%m-%dT%H:%M") for t in offer)
    return (
        f"The nearest free times that day are {spoken_times(offer)} ({slots}): offer them, "
        "and book one only after the caller says yes."
    )


def _find_first(name: str) -> str:
    """What to do when no appointment is under ``name``."""
    return (
        "Call find_appointment with the caller's name or phone number to find the name the "
        f"appointment is under; never assume {name} has one."
    )


def _no_order(order_number: str, what: str) -> str:
    """The error of a lookup that found no order: not found, do not guess, ask again."""
    digits = _digits(order_number)
    length = ""
    if not 4 <= len(digits) <= 8:
        length = f" (order numbers have 4 to 8 digits, that one has {len(digits)})"
    return (
        f"no order numbered {order_number}{length}. Do not guess a {what}: tell the caller you "
        "cannot find it and ask them to repeat the number digit by digit or type it on the "
        "keypad. If this is the second number not found, offer a colleague (transfer_to_human)."
    )


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
