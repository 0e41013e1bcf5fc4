"""The stress harness's ninth round: numbers said every way at once, addresses by shape.

Written by helper-93 before this round was run and before the redactor was changed for
it, from how callers and recognizers say numbers rather than from the corpus's lines:
one value's digits said in several styles at once (single digits with "oh", "zero" or
"nought", pairs, hundreds, "double" and "triple", typed digits among words), a
hesitation or a filler phrase between groups, a recognizer's homophones beside digits
("for" for four, "to"/"too" for two, "won" for one, "ate" for eight), a caller who
takes back a group and says it again; addresses with the house said in any of those
ways, a street of one to four words, units, PO boxes, rural and highway contract
routes, and the town, state and ZIP after it. Its look-alikes hold the same words where
they are not digits ("a table for four at eight", "two for twenty", "from ten to two").
"""

from __future__ import annotations

import random
from typing import Any

import _stress_forms as forms

_HOMOPHONES = {"4": ["for"], "2": ["to", "too"], "1": ["won"], "8": ["ate"]}
_FILLERS = ["uh", "um", "erm", "let me see", "hang on", "okay", "right"]


def _one(d: str, rng: random.Random) -> str:
    if d == "0":
        return rng.choice(["oh", "zero", "nought", "o"])
    if d in _HOMOPHONES and rng.random() < 0.25:
        return rng.choice(_HOMOPHONES[d])
    return forms.ONES[int(d)]


def _group(group: str, rng: random.Random, *, typed: bool = True) -> str:
    """One group said in a style picked at random among those that fit it."""
    styles = ["ones", "ones", "typed"] if typed else ["ones", "ones"]
    if len(group) % 2 == 0 and "0" not in group[::2]:
        styles.append("pairs")
    if len(group) == 3 and group[0] != "0" and group[1:] != "00":
        styles.append("hundred")
    if len(group) == 4 and group[0] != "0" and group[1] != "0":
        styles.append("thousand")
    if any(group[i] == group[i + 1] for i in range(len(group) - 1)):
        styles.append("repeat")
    style = rng.choice(styles)
    if style == "typed":
        return group
    if style == "pairs":
        return " ".join(forms.two(int(group[i : i + 2])) for i in range(0, len(group), 2))
    if style == "hundred":
        rest = int(group[1:])
        tail = forms.ONES[rest] if rest < 10 else forms.two(rest)
        return f"{forms.ONES[int(group[0])]} hundred {rng.choice(['', 'and '])}{tail}"
    if style == "thousand":
        n = int(group)
        said = f"{forms.ONES[n // 1000]} thousand {forms.ONES[n // 100 % 10]} hundred"
        return said + (f" {forms.two(n % 100).replace('oh ', '')}" if n % 100 else "")
    words, i = [], 0
    while i < len(group):
        run = 1
        while i + run < len(group) and group[i + run] == group[i] and run < 3:
            run += 1
        if run > 1 and style == "repeat":
            words.append(f"{'double' if run == 2 else 'triple'} {forms.ONES[int(group[i])]}")
            i += run
            continue
        words.append(_one(group[i], rng))
        i += 1
    return " ".join(words)


def said(digits: str, sizes: list[int], rng: random.Random, *, pauses: bool = True) -> str:
    """``digits`` in groups of ``sizes``, each group in its own style, with pauses,
    fillers and at most one group taken back and said again (``pauses``: a house's
    number is said in one breath, all in words or all typed)."""
    parts, at = [], 0
    for size in sizes:
        parts.append(_group(digits[at : at + size], rng, typed=pauses or len(sizes) == 1))
        at += size
    out = parts[0]
    retaken = pauses and rng.random() < 0.2
    for i, part in enumerate(parts[1:], 1):
        gap = rng.choice([" ", " ", ", ", f" {rng.choice(_FILLERS)} ", "... "]) if pauses else " "
        if retaken and i == len(parts) // 2:
            wrong = _group(str(rng.randint(10 ** (sizes[i] - 1), 10 ** sizes[i] - 1)), rng)
            gap += f"{wrong} {rng.choice(['no sorry', 'wait no', 'i mean', 'scratch that'])} "
        out += gap + part
    return out


def _card(rng: random.Random) -> str:
    prefix, length, sizes = rng.choice(
        [
            ("4", 16, [4, 4, 4, 4]),
            ("53", 16, [4, 4, 4, 4]),
            ("34", 15, [4, 6, 5]),
            ("6011", 16, [4, 4, 4, 4]),
            ("3530", 16, [4, 4, 4, 4]),
            ("4", 16, [2, 2, 2, 2, 2, 2, 2, 2]),
            ("55", 16, [3, 3, 3, 3, 4]),
        ]
    )
    return said(forms.luhn_complete(prefix, length, rng), sizes, rng)


def _ssn(rng: random.Random) -> str:
    digits = f"{rng.randint(101, 665)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"
    return said(digits, rng.choice([[3, 2, 4], [3, 2, 2, 2], [3, 3, 3], [9]]), rng)


def _phone(rng: random.Random) -> str:
    digits = f"{rng.randint(2, 9)}{rng.randint(0, 99):02d}{rng.randint(2, 9)}"
    digits += "".join(rng.choice("0123456789") for _ in range(6))
    sizes = rng.choice([[3, 3, 4], [3, 3, 2, 2], [3, 7], [3, 3, 4]])
    number = said(digits, sizes, rng)
    return rng.choice([number, number, f"one {number}", f"area code {number}"])


def _email(rng: random.Random) -> str:
    first, last = rng.choice(forms.FIRSTS), rng.choice(forms.LASTS)
    year = rng.choice(["eighty four", "nineteen ninety", "two thousand one", "oh seven", "23"])
    local = rng.choice(
        [
            f"{first} period {last}",
            f"{first} {last} {year}",
            f"{first[0]} dot {last}",
            f"{last} underscore {first[0]}",
            f"{first} dash {last}",
            f"{first}{last} all one word",
        ]
    )
    at = rng.choice(["at", "at", "at sign", "at the rate", "@"])
    domain = rng.choice(
        [
            "hotmail dot co dot uk",
            "gee mail dot com",
            "icloud dot com",
            "proton mail dot com",
            "yahoo dot com dot au",
            "comcast dot net",
            "acme-logistics dot org",
        ]
    )
    return f"{local} {at} {domain}"


_STREET_WORDS = [
    "old mill",
    "martin luther king junior",
    "saint catherine",
    "red fox hollow",
    "willow creek",
    "n main",
    "east seventy ninth",
    "county line",
    "prospect",
    "twin oaks",
]
_TYPES = ["road", "street", "avenue", "drive", "lane", "court", "boulevard", "place", "way",
          "terrace", "circle", "trail", "pkwy", "st", "rd", "ave"]  # fmt: skip
_TOWNS = [
    "",
    " springfield ohio",
    " tulsa oklahoma seven four one oh three",
    " reno nevada 89501",
    " bend oregon nine seven seven oh one",
    ", dayton oh 45402",
    " in boise",
    " zip code six oh six one four",
]
"""What follows the street (" in boise": a town after "in" is the sentence's, not the
address's, so the value ends before it)."""
_UNITS = ["", " apartment three c", " unit twelve", " suite four hundred", " apt 2b", " number 5"]


def _house(rng: random.Random, *, suffix: bool = True) -> str:
    n = rng.choice([rng.randint(1, 99), rng.randint(100, 999), rng.randint(1000, 29999)])
    digits = str(n)
    if len(digits) == 1:
        return rng.choice([forms.ONES[n], digits])
    sizes = rng.choice(
        [[len(digits)], [2, len(digits) - 2]] if len(digits) >= 4 else [[len(digits)]]
    )
    house = said(digits, sizes, rng, pauses=False) if rng.random() < 0.85 else digits
    return house + rng.choice(["", "", " b", " and a half"]) if n < 1000 and suffix else house


def _address(rng: random.Random) -> str:
    form = rng.random()
    tail = rng.choice(_TOWNS)
    if form < 0.6:
        street = f"{rng.choice(_STREET_WORDS)} {rng.choice(_TYPES)}"
        return f"{_house(rng)} {street}{rng.choice(_UNITS)}{tail}"
    if form < 0.75:
        box = said(
            str(rng.randint(10, 99)), [2] if rng.random() < 0.5 else [1, 1], rng, pauses=False
        )
        return f"{rng.choice(['p o box', 'po box', 'post office box', 'p.o. box'])} {box}{tail}"
    if form < 0.85:
        route = rng.choice(["rural route", "r r", "highway contract route", "h c"])
        return f"{route} {forms.ONES[rng.randint(1, 9)]} box {_house(rng, suffix=False)}{tail}"
    road = rng.choice(["highway", "county road", "state route"])
    return f"{_house(rng)} {road} {_house(rng, suffix=False)}{tail}"


CARRIERS = {
    "card": (
        _card,
        [
            "ok the card is {v}",
            "put it on my visa {v} please",
            "the number on the front of the card reads {v}",
            "{v} that's the mastercard",
            "debit card {v} expiring eleven twenty seven",
        ],
    ),
    "ssn": (
        _ssn,
        [
            "my social security number is {v}",
            "social {v}",
            "ss number {v} for the application",
            "{v} is my social",
        ],
    ),
    "phone": (
        _phone,
        [
            "my phone number is {v}",
            "you can reach me at {v} any time",
            "the cell is {v}",
            "call me back on {v}",
            "{v} that's my mobile",
        ],
    ),
    "email": (
        _email,
        [
            "my email is {v}",
            "send the receipt to {v}",
            "the e-mail on file should be {v}",
            "{v} is my email",
        ],
    ),
    "address": (
        _address,
        [
            "my address is {v}",
            "please ship it to {v}",
            "i live at {v}",
            "the billing address {v}",
            "send the new card to {v} thanks",
            "we moved to {v} last month",
        ],
    ),
}


def _lookalikes(rng: random.Random) -> list[tuple[str, str]]:
    ref16 = forms.failing_ref16(rng)
    a, b = (forms.ONES[rng.randint(2, 9)] for _ in range(2))
    item = str(rng.randint(100000, 999999))
    order = str(rng.randint(1000000, 99999999))
    hour = rng.randint(1, 9)
    return [
        ("order", f"my order number is {said(order, [len(order)], rng)}"),
        ("order", f"order {said(order, [4, len(order) - 4], rng)} never showed up"),
        ("ref16", f"the invoice reference is {said(ref16, [4, 4, 4, 4], rng)}"),
        ("appt", f"a table for four at {forms.ONES[hour]} thirty on the twelfth"),
        ("appt", f"can i come in from ten to two on tuesday the {rng.randint(4, 28)}th"),
        ("appt", f"book me for {forms.ONES[hour]} o'clock december {rng.randint(1, 31)}"),
        ("price", f"they were two for {forms.two(rng.randint(20, 99))} ninety nine"),
        (
            "price",
            f"it came to {a} hundred and {forms.two(rng.randint(20, 99))} dollars",
        ),
        ("qty", f"i need to order {forms.ONES[rng.randint(2, 9)]} more for the office"),
        (
            "qty",
            f"we ate {a} of them and won {b}",
        ),
        (
            "sku",
            f"item {said(item, [3, 3], rng)} in size {rng.randint(6, 12)}",
        ),
        ("street", f"the store at {rng.randint(10, 999)} oak avenue closes at {hour}"),
        (
            "count",
            f"{a} boxes arrived and {b} were damaged on the road",
        ),
        (
            "tracking",
            f"tracking number {said(str(rng.randint(10**11, 10**12 - 1)), [4, 4, 4], rng)}",
        ),
    ]


def rows(rng: random.Random, per_carrier: int) -> list[dict[str, Any]]:
    """The round's values in their carriers, then its look-alikes."""
    out: list[dict[str, Any]] = []
    for kind, (make, carriers) in CARRIERS.items():
        for carrier in carriers:
            for _ in range(per_carrier * 2):
                value = make(rng)
                head, tail = carrier.split("{v}")
                if value.startswith("area code "):  # the label, not the number
                    head, value = head + "area code ", value.removeprefix("area code ")
                if value.endswith(" in boise"):
                    value, tail = value.removesuffix(" in boise"), " in boise" + tail
                span = {"start": len(head), "end": len(head) + len(value), "kind": kind}
                out.append({"text": head + value + tail, "spans": [span]})
    for _ in range(per_carrier * 2):
        for note, text in _lookalikes(rng):
            out.append({"text": text, "spans": [], "note": note})
    return out
