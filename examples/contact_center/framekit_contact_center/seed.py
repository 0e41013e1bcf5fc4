"""A deterministic seed: a fresh install answers calls about realistic data at once.

Same ``seed`` and ``today``, same rows, so tests and the demo can name an order
number that exists. Dates are relative to ``today`` (orders placed in the last
weeks, appointment slots over the next two weeks), so the data never goes stale.
"""

from __future__ import annotations

import datetime as dt
import random

from framekit_contact_center.data import BusinessStore

__all__ = ["FAQ", "seed_store"]

_FIRST = (
    "Jane", "John", "Maria", "David", "Aisha", "Liam", "Sofia", "Noah", "Emma", "Omar",
    "Chloe", "Lucas", "Priya", "Ethan", "Grace", "Mateo", "Hannah", "Kenji", "Zoe", "Samuel",
)  # fmt: skip
_LAST = (
    "Doe", "Smith", "Garcia", "Johnson", "Khan", "Brown", "Rossi", "Miller", "Nguyen", "Wilson",
    "Lopez", "Taylor", "Patel", "Anderson", "Kim", "Martin", "Clark", "Tanaka", "Lewis", "Young",
)  # fmt: skip
_PRODUCTS = (
    "wireless headphones", "coffee grinder", "running shoes", "desk lamp", "yoga mat",
    "water bottle", "backpack", "phone case", "kettle", "throw blanket", "notebook set",
    "bluetooth speaker",
)  # fmt: skip
_CITIES = ("Newark", "Columbus", "Memphis", "Louisville", "Indianapolis", "Denver", "Reno")
_CARRIERS = ("UPS", "FedEx", "USPS")
_STATUSES = ("processing", "shipped", "out for delivery", "delivered", "cancelled")
_HOURS = tuple(range(9, 17))  # appointment slots start on the hour, 9 AM to 4 PM

FAQ: dict[str, str] = {
    "hours": "We're open Monday to Friday from 9 AM to 6 PM, and Saturday from 10 AM to 4 PM.",
    "returns": (
        "You can return any item within 30 days for a full refund. Start a return on our "
        "website and we'll email you a free shipping label."
    ),
    "exchanges": (
        "If something doesn't fit or isn't quite right, you can exchange it for another size "
        "or colour within 30 days, free of charge. Start the exchange on our website and "
        "we'll send the new item as soon as the old one is on its way back."
    ),
    "refunds": (
        "Refunds go back to your original payment method within 5 business days of your "
        "return reaching our warehouse."
    ),
    "shipping": (
        "Standard shipping is free on orders over 50 dollars and takes 3 to 5 business days. "
        "Express shipping is 12 dollars and takes 1 to 2 days."
    ),
    "international": (
        "We ship to Canada, Mexico and most of Europe. International delivery takes 7 to 14 "
        "days and costs 25 dollars; import duties are paid on delivery."
    ),
    "payment": "We accept Visa, Mastercard, American Express, PayPal and Apple Pay.",
    "location": "Our store is at 120 Market Street, San Francisco, next to the central station.",
    "damaged": (
        "I'm sorry about that. If an item arrives damaged or stops working within a year, "
        "it's covered by our warranty: send us a photo from your order page and we'll "
        "replace it or refund you, and we cover the return postage."
    ),
    "order_changes": (
        "You can change the delivery address or cancel an order on our website until it "
        "ships. Once it has shipped, you can refuse the delivery or return it for free."
    ),
    "gift_cards": (
        "Gift cards come in any amount from 10 to 500 dollars, never expire, and can be "
        "used online and in the store."
    ),
    "price_match": (
        "If you find the same item cheaper at a major retailer within 14 days of buying it, "
        "we'll refund the difference."
    ),
}


def seed_store(
    store: BusinessStore,
    *,
    today: dt.date,
    seed: int = 7,
    customers: int = 40,
    orders: int = 60,
    days: int = 14,
) -> None:
    """Fill an empty ``store`` with customers, orders, slots, bookings and the FAQ.

    Slots cover ``days`` days from tomorrow (Monday to Saturday, on the hour); some
    mornings are already booked. Afternoons start free, so a caller can always get one.
    """
    rng = random.Random(seed)
    people = _people(rng, customers)
    customer_rows: list[tuple[object, ...]] = [
        (i + 1, name, f"+1555{rng.randrange(1000000, 9999999)}", _email(name))
        for i, name in enumerate(people)
    ]
    order_rows: list[tuple[object, ...]] = []
    item_rows: list[tuple[object, ...]] = []
    event_rows: list[tuple[object, ...]] = []
    numbers: set[str] = set()
    for n in range(orders):
        number = _order_number(rng, numbers)
        status = "shipped" if n == 0 else rng.choice(_STATUSES)
        placed = today - dt.timedelta(days=rng.randrange(1, 21))
        carrier = rng.choice(_CARRIERS) if status not in ("processing", "cancelled") else None
        eta = _eta(rng, status, today)
        order_rows.append(
            (number, rng.randrange(1, customers + 1), status, placed.isoformat(), eta, carrier)
        )
        for product in rng.sample(_PRODUCTS, rng.randrange(1, 4)):
            item_rows.append((number, product, rng.randrange(1, 3)))
        event_rows.extend(_tracking(rng, number, status, placed))
    slot_rows, booking_rows = _appointments(rng, today, days, people)
    store.execute_script(
        "",
        {
            "customers": customer_rows,
            "orders": order_rows,
            "order_items": item_rows,
            "tracking_events": event_rows,
            "slots": slot_rows,
            "bookings": booking_rows,
            "faq": sorted(FAQ.items()),
        },
    )


def _people(rng: random.Random, count: int) -> list[str]:
    names: list[str] = ["Jane Doe"]
    while len(names) < count:
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        if name not in names:
            names.append(name)
    return names


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@example.com"


def _order_number(rng: random.Random, taken: set[str]) -> str:
    """4 to 8 digits, no leading zero: the intent engine's order-number format."""
    while True:
        digits = rng.randrange(4, 9)
        number = str(rng.randrange(10 ** (digits - 1), 10**digits))
        if number not in taken:
            taken.add(number)
            return number


def _eta(rng: random.Random, status: str, today: dt.date) -> str | None:
    if status in ("shipped", "processing"):
        return (today + dt.timedelta(days=rng.randrange(1, 6))).isoformat()
    if status == "out for delivery":
        return today.isoformat()
    return None


def _tracking(
    rng: random.Random, number: str, status: str, placed: dt.date
) -> list[tuple[object, ...]]:
    if status in ("processing", "cancelled"):
        return []
    steps = {"shipped": 2, "out for delivery": 3, "delivered": 4}[status]
    route = rng.sample(_CITIES, steps)
    descriptions = ("picked up", "in transit", "out for delivery", "delivered")
    events: list[tuple[object, ...]] = []
    for i in range(steps):
        at = dt.datetime.combine(placed + dt.timedelta(days=i + 1), dt.time(8 + 3 * i, 15))
        events.append((number, at.isoformat(timespec="minutes"), route[i], descriptions[i]))
    return events


def _appointments(
    rng: random.Random, today: dt.date, days: int, people: list[str]
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    slots: list[tuple[object, ...]] = []
    bookings: list[tuple[object, ...]] = []
    guests = iter(people[1:])  # Jane Doe has no appointment yet: the demo books one
    for offset in range(1, days + 1):
        day = today + dt.timedelta(days=offset)
        if day.weekday() == 6:  # closed on Sundays
            continue
        for hour in _HOURS:
            slot_id = len(slots) + 1
            slots.append(
                (slot_id, dt.datetime.combine(day, dt.time(hour)).strftime("%Y-%m-%dT%H:%M"))
            )
            guest = next(guests, None) if hour < 12 and rng.random() < 0.35 else None
            if guest is not None:
                created = dt.datetime.combine(today, dt.time(9)).isoformat(timespec="seconds")
                bookings.append((len(bookings) + 1, slot_id, guest, created))
    return slots, bookings
