"""The stress harness's twelfth round: cards read in two halves, words said inside a
number, a restart from far back, and an SSN's last four labelled after its digits.

Written by helper-119 (issue 17) from the causes of heldout9's misses, before the
redactor was changed for them, in other words and values than that file's:

* a 16-digit card read in two halves of eight with words between them ("the first half
  is X and the second half Y", "up to now i've got X then Y", "you read X and after
  that Y"): two card spans, one per half (the annotator's convention), which only
  together pass the checksum;
* continuation words between a card's groups ("yep", "got it", "alright", "mhm",
  "so", "next") where "then", "and", "erm" already go on;
* a card said, broken off past its middle ("no wait that's not right let me go again",
  "scratch that from the top") and said again whole: one span from the first digit to
  the last;
* an SSN's last four with its label after them ("its four one two nine the last four").

Its look-alikes share the words: an order number or a gift card's (failing the
checksum) read in two halves, "then" between an order number and a time, a ticket
restarted from the top, four digits then "last four" of something else.

    .venv/bin/python benchmarks/privacy_stress.py --round 12 --per-carrier 3
    .venv/bin/python benchmarks/privacy_stress.py --round 12 --per-carrier 3 --misses 40
"""

from __future__ import annotations

import random
from typing import Any

import _stress_forms as forms

_PREFIXES = ["4", "51", "55", "2221", "6011", "65"]
_HALVES = [
    ("the first half is {a} and the second half {b}", ""),
    ("up to now i've got {a} then {b}", " ok"),
    ("you read {a} and after that {b} correct", ""),
    ("so the start is {a} and the rest is {b}", " thanks"),
    ("i have {a} so far and then {b}", ""),
]
_JOINS = ["yep", "got it", "alright", "mhm", "so", "next", "then", "and", "erm"]
_RESTARTS = ["no wait that's not right let me go again", "scratch that from the top",
             "ugh i messed up let me start again", "sorry wrong let me redo it"]  # fmt: skip


def _say(digits: str, rng: random.Random) -> str:
    return forms.say_digits(digits, rng, style=rng.choice(["ones", "ones", "double"]))


def _card16(rng: random.Random) -> str:
    return forms.luhn_complete(rng.choice(_PREFIXES), 16, rng)


def _halves(rng: random.Random, digits: str) -> tuple[str, list[tuple[int, int]]]:
    """A 16-digit number read in two halves; the text and the halves' spans."""
    form, tail = rng.choice(_HALVES)
    a, b = _say(digits[:8], rng), _say(digits[8:], rng)
    head, mid = form.split("{a}")
    mid = mid.split("{b}")[0]
    text = head + a + mid + b + form.split("{b}")[1] + tail
    return text, [(len(head), len(head) + len(a)), (len(head + a + mid), len(head + a + mid + b))]


def _card_joined(rng: random.Random) -> str:
    """A card's four groups with a continuation word between two or three of them."""
    digits = _card16(rng)
    said = [_say(digits[i : i + 4], rng) for i in range(0, 16, 4)]
    out = said[0]
    for group in said[1:]:
        out += f" {rng.choice(_JOINS)} {group}" if rng.random() < 0.7 else f" {group}"
    return out


def _card_restarted(rng: random.Random) -> str:
    """A card broken off past its middle and said again whole."""
    digits = _card16(rng)
    cut = rng.randint(9, 13)
    return f"{_say(digits[:cut], rng)} {rng.choice(_RESTARTS)} {_say(digits, rng)}"


def _ssn_last(rng: random.Random) -> str:
    return _say(f"{rng.randint(1, 9999):04d}", rng)


_CARRIERS = [
    ("card", "my card is {v} please", _card_joined),
    ("card", "{v} thats the visa", _card_joined),
    ("card", "charge it to {v}", _card_joined),
    ("card", "the card number is {v} thanks", _card_restarted),
    ("card", "ok {v}", _card_restarted),
    ("ssn", "for verification its {v} the last four", _ssn_last),
    ("ssn", "sure {v} last four of my social", _ssn_last),
]


def _lookalikes(rng: random.Random) -> list[tuple[str, str]]:
    d = lambda n: _say(str(n), rng)  # noqa: E731
    order = f"{rng.randint(10**7, 10**8 - 1)}"
    gift = forms.failing_ref16(rng)
    hours = forms.ONES[rng.randint(1, 9)]
    later = rng.randint(3 * 10**7, 9 * 10**7)
    return [
        ("order", f"the order number is {d(order)} then {hours} thirty pickup"),
        ("order", f"first half of the order is {d(order)} and the second half {d(later)}"),
        ("gift", f"the gift card is {_say(gift[:8], rng)} and then {_say(gift[8:], rng)}"),
        ("gift", f"you read {_say(gift[:8], rng)} and after that {_say(gift[8:], rng)}"),
        ("ticket", f"ticket {d(rng.randint(10000, 99999))} scratch that from the top"
                   f" {d(rng.randint(10000, 99999))}"),
        ("qty", f"its {d(rng.randint(1000, 9999))} the last four shipments were late"),
        ("order", f"order {d(rng.randint(1000, 9999))} yep got it {d(rng.randint(1000, 9999))}"),
    ]  # fmt: skip


def rows(rng: random.Random, per_carrier: int) -> list[dict[str, Any]]:
    """The round's values in their carriers, the halves with two spans, then look-alikes."""
    out: list[dict[str, Any]] = []
    for kind, carrier, make in _CARRIERS:
        for _ in range(per_carrier * 2):
            value = make(rng)
            head, tail = carrier.split("{v}")
            span = {"start": len(head), "end": len(head) + len(value), "kind": kind}
            out.append({"text": head + value + tail, "spans": [span]})
    for _ in range(per_carrier * 4):
        text, spans = _halves(rng, _card16(rng))
        out.append(
            {"text": text, "spans": [{"start": s, "end": e, "kind": "card"} for s, e in spans]}
        )
    for _ in range(per_carrier * 2):
        for note, text in _lookalikes(rng):
            out.append({"text": text, "spans": [], "note": note})
    return out
