"""The stress harness's second round: carriers written after the first round's fixes.

Why a second round: the first round's carriers (``privacy_stress.py``) were read while
the redactor was fixed, so they no longer say whether a fix was a form or a phrasing.
These were written before any of them was run, with the same value generators: their
first reading is the check; what they miss is fixed by form like the first's.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import _stress_forms as forms

Carriers = dict[str, tuple[Callable[[random.Random, str], str], list[str], list[str]]]

CARRIERS: Carriers = {
    "card": (
        forms.card,
        [
            "it's a visa {v}",
            "no the full number is {v}",
            "okay card number {v} and the security code is on the back",
            "{v}",
        ],
        ['{{"card_number": "{v}"}}', "cc# {v}", "Card no {v} exp 04/29"],
    ),
    "ssn": (
        forms.ssn,
        ["social security {v}", "my ss number is {v}", "{v} is my social security number"],
        ['{{"ssn": "{v}"}}', "SS# {v}"],
    ),
    "phone": (
        forms.phone,
        [
            "call me back at {v}",
            "number's {v}",
            "my daughter's number is {v}",
            "you can reach my husband on {v}",
            "home {v}",
        ],
        ['{{"phone": "{v}"}}', "Tel: {v}", "txt me on {v}"],
    ),
    "email": (
        forms.email,
        [
            "it's {v}",
            "my daughter's email {v}",
            "drop me a line at {v}",
            "the email on file should be {v} not the old one",
        ],
        ['{{"email": "{v}"}}', "E-mail: {v}", "reply to {v} pls"],
    ),
    "address": (
        forms.address,
        [
            "the house is {v}",
            "i'm staying at {v} for the week",
            "shipping address {v}",
            "bring it round to {v}",
            "it needs to go to my mum at {v}",
        ],
        ['{{"address": "{v}"}}', "Ship to: {v}", "Address - {v}"],
    ),
    "name": (
        forms.name,
        [
            "the booking's in the name of {v}",
            "the reservation is for {v}",
            "i spoke to {v} last week",
            "my husband {v} is the account holder",
            "{v} is the cardholder",
            "this is {v} again",
            "hello it's {v}",
            "yes hi {v} here",
            "the patient is {v}",
            "surname's {v}",
        ],
        ['{{"customer_name": "{v}"}}', "From: {v}", "Hello, my name is {v}."],
    ),
}


def lookalikes(rng: random.Random) -> list[tuple[str, str]]:
    """(category, line): more of the shop's numbers, prices and dates."""

    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    ref16 = forms.failing_ref16(rng)
    day = rng.randint(1, 28)
    return [
        ("order", f"case number {digits(8)}"),
        ("order", f"ticket {digits(7)} was closed"),
        ("order", f"my order confirmation says {digits(3)}-{digits(7)}"),
        ("ref16", f"order {ref16[:4]} {ref16[4:8]} {ref16[8:12]} {ref16[12:]}"),
        ("ref16", f'{{"order_reference": "{ref16}"}}'),
        ("tracking", f"track {digits(22)}"),
        ("tracking", f"royal mail says {rng.choice('ABCDEFGH')}X{digits(9)}GB"),
        ("sku", f"product code {digits(3)} {digits(3)} {digits(4)}"),
        ("sku", f"i need 2 pairs of size {rng.randint(5, 12)} shoes"),
        ("price", f"my account balance is {rng.randint(1, 9)},{digits(3)}.{digits(2)}"),
        ("price", f"${rng.randint(10, 99)}.99 plus {rng.randint(2, 9)}.50 shipping"),
        ("price", f"it came to {forms.two(rng.randint(20, 99))} pounds {forms.two(day)}"),
        ("appt", f"call back on december {day} at 4"),
        ("appt", f"invoice dated 12/{day:02d}/2026"),
        ("appt", f"flight ba {digits(4)} on december {day}"),
        ("appt", f"the appointment on the {forms.two(day)} of december at half ten"),
    ]
