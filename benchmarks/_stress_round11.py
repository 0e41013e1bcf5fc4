"""The stress harness's eleventh round: numbers broken by a pause or a retaken group, and
postcodes said with "double" or of six digits.

Written by helper-117 (issue 17) from the causes of heldout8's misses, before the
redactor was changed for them, in other words, values and countries than that file's:

* a hold said inside a number that starts with a digit's word ("one sec", "one moment",
  "one minute"), or not ("just a sec", "bear with me"), cards of every network and
  length (Visa 13 and 16, Amex 15, Diners 14, Discover, Mastercard 2-series), with a
  card's label or none;
* a correction that says the value's last group again, not its last digit nor all of it
  ("... five six three four i mean five six five four ...", a social's middle group
  "... one five no one two ..."), for cards (groups of four), SSNs (3-2-4) and phones
  (3-3-4), a group said whole or cut short before the take-back;
* a postcode said after its label with "double" or "triple", or of six digits (India's
  PIN, Singapore's, China's, Russia's), and one said after the town of an address with
  no street type (a unit, a building, a district, a city, the code).

Its look-alikes share the words: "one sec" and take-backs beside an order's, a room's,
a price's or a ticket's number, a door's or a promo's code said with "double", six
digits after a city that are an amount or a reference.

    .venv/bin/python benchmarks/privacy_stress.py --round 11 --per-carrier 3
    .venv/bin/python benchmarks/privacy_stress.py --round 11 --per-carrier 3 --misses 40
"""

from __future__ import annotations

import random
from itertools import accumulate
from typing import Any

import _stress_forms as forms

_HOLDS_DIGIT = ["one sec", "one second", "one moment", "one minute", "one sec sorry"]
"""Holds that start with a digit's word."""
_HOLDS = ["just a sec", "bear with me", "hang on a tick", "give me a second", "one sec"]
_TAKE_BACKS = ["i mean", "actually", "no", "sorry", "no sorry", "or rather", "make that"]
_NETWORKS = [
    ("4", 16, [4, 4, 4, 4]),
    ("4", 13, [4, 4, 5]),
    ("37", 15, [4, 6, 5]),
    ("36", 14, [4, 6, 4]),
    ("6011", 16, [4, 4, 4, 4]),
    ("2720", 16, [4, 4, 4, 4]),
    ("54", 16, [4, 4, 4, 4]),
]


def _say(digits: str, rng: random.Random) -> str:
    """Digits one by one ("oh" or "zero"), or with "double"; never in pairs (a retaken
    group is said digit by digit)."""
    return forms.say_digits(digits, rng, style=rng.choice(["ones", "ones", "double"]))


def _groups(digits: str, sizes: list[int]) -> list[str]:
    """``digits`` cut in groups of ``sizes``."""
    return [digits[end - size : end] for size, end in zip(sizes, accumulate(sizes), strict=True)]


def _wrong(group: str, rng: random.Random) -> str:
    """``group`` with one digit said wrong (the slip the caller takes back)."""
    i = rng.randrange(len(group))
    other = rng.choice([d for d in "0123456789" if d != group[i]])
    return group[:i] + other + group[i + 1 :]


def _card(rng: random.Random) -> list[str]:
    prefix, length, sizes = rng.choice(_NETWORKS)
    return _groups(forms.luhn_complete(prefix, length, rng), sizes)


def _held(groups: list[str], rng: random.Random, holds: list[str]) -> str:
    """The groups said with a hold between two of them."""
    at = rng.randrange(1, len(groups))
    said = [_say(g, rng) for g in groups]
    return " ".join([*said[:at], rng.choice(holds), *said[at:]])


def _retaken(groups: list[str], rng: random.Random) -> str:
    """The groups said with one (not the first) slipped, taken back and said again with
    the rest; the slip said whole or cut short."""
    at = rng.randrange(1, len(groups))
    slip = _wrong(groups[at], rng)
    if len(slip) > 2 and rng.random() < 0.3:
        slip = slip[: rng.randint(1, len(slip) - 1)]
    said = [_say(g, rng) for g in groups[:at]] + [_say(slip, rng), rng.choice(_TAKE_BACKS)]
    return " ".join(said + [_say(g, rng) for g in groups[at:]])


def _card_held(rng: random.Random) -> str:
    return _held(_card(rng), rng, _HOLDS_DIGIT if rng.random() < 0.7 else _HOLDS)


def _card_retaken(rng: random.Random) -> str:
    return _retaken(_card(rng), rng)


def _ssn_groups(rng: random.Random) -> list[str]:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return [f"{area:03d}", f"{rng.randint(1, 99):02d}", f"{rng.randint(1, 9999):04d}"]


def _phone_groups(rng: random.Random) -> list[str]:
    return [f"{rng.randint(2, 9)}{rng.randint(0, 99):02d}", f"{rng.randint(200, 999)}",
            f"{rng.randint(0, 9999):04d}"]  # fmt: skip


_KIND_FORMS = {
    "card": (
        [_card_held, _card_retaken],
        ["the one on file is {v}", "{v} is the card", "use {v} please",
         "my visa is {v}", "card number {v} thanks"],
    ),
    "ssn": (
        [lambda rng: _retaken(_ssn_groups(rng), rng),
         lambda rng: _held(_ssn_groups(rng), rng, _HOLDS_DIGIT)],
        ["{v} that's my social", "social security number {v}", "my ssn is {v}"],
    ),
    "phone": (
        [lambda rng: _retaken(_phone_groups(rng), rng),
         lambda rng: _held(_phone_groups(rng), rng, _HOLDS_DIGIT)],
        ["my cell is {v}", "call me back on {v}", "{v} is my mobile"],
    ),
}  # fmt: skip

_SIX = [("five six oh oh three four", "bengaluru"), ("one one oh oh seven five", "delhi"),
        ("five two nine five one oh", "singapore"), ("one two five oh oh nine", "moscow"),
        ("two oh oh oh three oh", "shanghai"), ("six eight two oh two one", "kochi")]  # fmt: skip


def _doubled(said: str) -> str:
    """Two equal digits said "double" (the first pair only), three "triple"."""
    words = said.split()
    for i in range(len(words) - 2):
        if words[i] == words[i + 1] == words[i + 2]:
            return " ".join([*words[:i], "triple", words[i], *words[i + 3 :]])
    for i in range(len(words) - 1):
        if words[i] == words[i + 1]:
            return " ".join([*words[:i], "double", words[i], *words[i + 2 :]])
    return said


_FIVE = ["nine four four oh two", "three three one eight eight", "seven five oh oh eight",
         "one oh one one five", "eight oh oh one one"]  # fmt: skip


def _code(rng: random.Random) -> str:
    """A postcode as said: five digits (a ZIP, a French, a German code) or six, doubled
    where two are alike."""
    said = rng.choice(_SIX)[0] if rng.random() < 0.5 else rng.choice(_FIVE)
    return _doubled(said) if rng.random() < 0.8 else said


def _unit_city(rng: random.Random) -> str:
    """A unit, a building, a district, a city and its six-digit code, no street type."""
    unit = rng.choice(["flat c one oh two", "a three oh one", "d fourteen", "flat nine",
                       "unit four b", "b two one one"])  # fmt: skip
    building = rng.choice(["sunrise towers", "palm residency", "green meadows",
                           "silver oak heights", "orchid enclave"])  # fmt: skip
    district = rng.choice(["koramangala", "powai", "salt lake sector two", "banjara hills",
                           "vasant kunj"])  # fmt: skip
    said, city = rng.choice(_SIX)
    return f"{unit} {building} {district} {city} {_doubled(said)}"


_ADDRESS_FORMS = [
    ("the postcode is {v}", _code), ("zip is {v}", _code), ("postal code {v} thanks", _code),
    ("my zip code's {v}", _code), ("it's {v}", _unit_city), ("ship it to {v} please", _unit_city),
    ("{v}", _unit_city),
]  # fmt: skip


def _lookalikes(rng: random.Random) -> list[tuple[str, str]]:
    d = lambda n: _say(str(n), rng)  # noqa: E731
    order = rng.randint(1000, 9999)
    return [
        ("order", f"one sec the order number is {d(order)}"),
        ("order", f"order {d(order)} i mean {d(order + 1)}"),
        ("order", f"hold on one second, order {d(order)} one moment {d(rng.randint(10, 99))}"),
        ("room", f"room {d(rng.randint(100, 999))} no {d(rng.randint(100, 999))}"),
        ("price", f"it came to {forms.two(rng.randint(20, 99))} ninety nine one sec no"
                  f" {forms.two(rng.randint(20, 99))} fifty"),
        ("ticket", f"ticket {d(rng.randint(10000, 99999))} sorry {d(rng.randint(10000, 99999))}"),
        ("ref16", f"reference {_say(forms.failing_ref16(rng), rng)}"),
        ("code", f"the door code is {_doubled('four four oh two')}"),
        ("code", f"promo code {_doubled('five five eight zero three')}"),
        ("code", f"the gate code's {_doubled('one one one two')} one sec"),
        ("price", f"the bengaluru office quoted {_doubled('five six oh oh three four')} rupees"),
        ("ref", f"your mumbai booking reference is {_doubled('four oh oh oh five three')}"),
        ("qty", f"one second we need {forms.ONES[rng.randint(2, 9)]} more, actually"
                f" {forms.ONES[rng.randint(2, 9)]}"),
    ]  # fmt: skip


def rows(rng: random.Random, per_carrier: int) -> list[dict[str, Any]]:
    """The round's values in their carriers, then its look-alikes."""
    out: list[dict[str, Any]] = []
    made: list[tuple[str, str, str]] = []
    for kind, (makers, carriers) in _KIND_FORMS.items():
        made += [(kind, c, m(rng)) for c in carriers for m in makers for _ in range(per_carrier)]
    for carrier, make in _ADDRESS_FORMS:
        made += [("address", carrier, make(rng)) for _ in range(per_carrier * 2)]
    for kind, carrier, value in made:
        head, tail = carrier.split("{v}")
        span = {"start": len(head), "end": len(head) + len(value), "kind": kind}
        out.append({"text": head + value + tail, "spans": [span]})
    for _ in range(per_carrier * 2):
        for note, text in _lookalikes(rng):
            out.append({"text": text, "spans": [], "note": note})
    return out
