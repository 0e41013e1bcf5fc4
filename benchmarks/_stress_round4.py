"""The stress harness's fourth round: addresses in the forms that missed most on unseen text.

Written after the third round's fixes and before this round was run. Addresses were
the weakest kind on every held-out file (70.5 %, then 90.0 %), so this round writes
their less usual shapes whole, with the house, the street and the tail drawn at
random: a unit before the house, a house number with a letter or a range, "number"
before it, boxes, a postcode said letter by letter, and the look-alikes that sit next
to addresses (a shop's street, an aisle, a gate, a room).
"""

from __future__ import annotations

import random
from typing import Any

import _stress_forms as forms

_TOWNS = ["leeds", "galway", "hamilton", "ballarat", "tacoma", "kelowna", "cork", "bendigo"]


def _said(n: int, rng: random.Random) -> str:
    if n > 99:
        return forms.say_digits(str(n), rng, style="ones")
    return forms.two(n).replace("oh ", "")


def _address(rng: random.Random, source: str) -> str:
    """One address in a shape drawn at random, said or typed."""
    n, street = rng.randint(2, 980), rng.choice(forms.STREETS)
    kind = rng.choice(["road", "street", "avenue", "drive", "close", "crescent", "lane"])
    unit, town = rng.randint(1, 40), rng.choice(_TOWNS)
    if source == "speech":
        shapes = [
            f"flat {_said(unit, rng)} {_said(n, rng)} {street} {kind}",
            f"number {_said(n, rng)} {street} {kind} {town}",
            f"{_said(n, rng)} b {street} {kind}",
            f"unit {_said(unit, rng)} {_said(n, rng)} {street} {kind} {town}",
            f"p o box {_said(n, rng)} {town}",
            f"{_said(n, rng)} {street} {kind} {town} l s {forms.ONES[unit % 10]} two a b",
            f"apartment {_said(unit, rng)} at {_said(n, rng)} {street} {kind}",
        ]
    else:
        shapes = [
            f"Flat {unit}, {n} {street.title()} {kind.title()}",
            f"{unit}/{n} {street.title()} {kind.title()}, {town.title()} VIC 3350",
            f"{n}A {street.title()} {kind.title()}",
            f"{n}-{n + 4} {street.title()} {kind.title()}, {town.title()}",
            f"PO Box {n}, {town.title()} WA 98402",
            f"Unit {unit} {n} {street.title()} {kind.title()} {town.title()} BC V1Y 2K5",
            f"{n} {street.title()} {kind.title()} #{unit}, {town.title()}, OR 97214",
        ]
    return rng.choice(shapes)


SAID = [
    "it's {v}",
    "the address is {v}",
    "send it to {v}",
    "{v} that's where i am",
    "i'm at {v} now",
    "we moved to {v} last month",
]
TYPED = ["{v}", "Address: {v}", "ship to {v}", "my new address is {v} thanks"]


def rows(rng: random.Random, per_carrier: int) -> list[dict[str, Any]]:
    """The round's lines: addresses in every carrier, then the look-alikes."""
    out: list[dict[str, Any]] = []
    for source, carriers in (("speech", SAID), ("text", TYPED)):
        for carrier in carriers:
            for _ in range(per_carrier):
                value = _address(rng, source)
                head, tail = carrier.split("{v}")
                span = {"start": len(head), "end": len(head) + len(value), "kind": "address"}
                out.append({"text": head + value + tail, "spans": [span]})
    for _ in range(per_carrier):
        street = rng.choice(forms.STREETS).title()
        n = rng.randint(2, 99)
        for note, text in [
            ("street", f"the store on {street} Road opens at 9"),
            ("street", f"is the {street} street branch open"),
            ("street", f"our shop at {n} {street} Street is closed sunday"),
            ("qty", f"aisle {n} next to the bread"),
            ("qty", f"gate {n % 9 + 1} terminal {n % 3 + 1}"),
            ("room", f"room {n}{rng.randint(10, 99)} building {n % 7 + 1}"),
            ("qty", f"i ordered {n} {street.lower()} road bikes"),
            ("qty", f"{forms.two(n)} boxes of the {street.lower()} park tea"),
        ]:
            out.append({"text": text, "spans": [], "note": note})
    return out
