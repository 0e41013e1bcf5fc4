"""The stress harness's tenth round: addresses as other writers put them, by country.

Written by helper (issue 17, addresses on unseen writers) before this round was run and
before the redactor was changed for it, from how addresses are written and said in the
countries callers call from rather than from the corpus's lines: a house said digit by
digit, in pairs or with "hundred", a street's number said as an ordinal past one hundred
("one hundred and twelfth street"), a direction before or after the street, a unit
before the house ("suite four b", "Unit 7/21" as Australians write it), a dot after a
type before a comma ("Ave., Tulsa"), a town of two words that starts with "The",
"North" or "East", the state said whole and the ZIP said digit by digit, the European
order (street, number, postcode, town: "Lindenweg 7, 3012 Bern"), a house said before
"via" or "rue" with its postcode said after the town, rural "star routes", a house's
name instead of its number ("the old forge, mill lane"), a first try of the house taken
back ("fifty five uh fifty seven birch lane"), and a record whose town is a field of its
own. Its look-alikes hold the same words where they are not an address: "via" a
carrier, a store's street and hours, an order number before a street, dates, prices.

    .venv/bin/python benchmarks/privacy_stress.py --round 10 --per-carrier 3   # recall, FPs
    .venv/bin/python benchmarks/privacy_stress.py --round 10 --per-carrier 3 --misses 40
"""

from __future__ import annotations

import random
from typing import Any

import _stress_forms as forms

_FIRST_NAMES = [
    "quail run", "hawthorne", "silver birch", "pennington", "old orchard",
    "copper kettle", "larkspur", "saint andrews", "cedar hollow", "ashgrove",
]  # fmt: skip
_US_TYPES = ["road", "street", "avenue", "drive", "lane", "court", "way", "place", "terrace"]
_US_TOWNS = [
    ("east orange", "new jersey", "07017"),
    ("the woodlands", "texas", "77380"),
    ("north platte", "nebraska", "69101"),
    ("grand junction", "colorado", "81501"),
    ("saint cloud", "minnesota", "56301"),
    ("fort wayne", "indiana", "46802"),
]
_STATES = {"new jersey": "NJ", "texas": "TX", "nebraska": "NE", "colorado": "CO",
           "minnesota": "MN", "indiana": "IN"}  # fmt: skip
_DIRECTIONS = ["north", "south", "east", "west", "northeast", "southwest"]
_EUROPE = [
    ("Lindenweg", "3012", "Bern"),
    ("Kastanienallee", "10435", "Berlin"),
    ("Rue des Lilas", "1050", "Ixelles"),
    ("Via Garibaldi", "00184", "Roma"),
    ("Am Mühlbach", "8045", "Zürich"),
    ("Calle del Pez", "28004", "Madrid"),
]
_HOUSE_NAMES = ["the old forge", "the coach house", "the granary", "rose cottage",
                "the old vicarage", "the mill house"]  # fmt: skip
_BRITISH_TYPES = ["lane", "road", "street", "close", "terrace"]
_TAKE_BACKS = ["uh", "hmm", "no sorry", "i mean", "wait no", "um sorry"]


def _digits(n: int | str) -> str:
    return " ".join(forms.ONES[int(d)] if d != "0" else "oh" for d in str(n))


def _house(rng: random.Random) -> str:
    """A house number as said: digit by digit, in pairs, or with "hundred"."""
    n = rng.choice([rng.randint(1, 99), rng.randint(100, 999), rng.randint(1000, 9999)])
    if n < 100:
        return forms.two(n).replace("oh ", "")
    if n < 1000 and rng.random() < 0.5:
        rest = n % 100
        return f"{forms.ONES[n // 100]} hundred" + (f" {forms.two(rest)}" if rest else "")
    if n >= 1000 and n % 100 >= 10 and rng.random() < 0.5:
        return f"{forms.two(n // 100)} {forms.two(n % 100)}"
    return _digits(n)


def _ordinal_street(rng: random.Random) -> str:
    """A street's number past one hundred, said: "one hundred and twelfth street"."""
    ones = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "ninth"]
    tens = ["", "twenty ", "thirty ", "forty "]
    joiner = rng.choice(["", "and "])
    said = f"{forms.ONES[rng.randint(1, 2)]} hundred {joiner}{rng.choice(tens)}{rng.choice(ones)}"
    return f"{said} {rng.choice(['street', 'avenue'])}"


def _us_said(rng: random.Random) -> str:
    town, state, zip_ = rng.choice(_US_TOWNS)
    if rng.random() < 0.3:
        street = f"{rng.choice(_DIRECTIONS)} {_ordinal_street(rng)}"
    else:
        street = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_US_TYPES)}"
        street = rng.choice([street, f"{street} {rng.choice(_DIRECTIONS)}"])
    unit = rng.choice(["", "", "suite four b ", "apartment twelve c ", "unit nine "])
    zero = rng.choice(["oh", "zero"])
    said_zip = " ".join(forms.ONES[int(d)] if d != "0" else zero for d in zip_)
    tail = rng.choice([f" {town} {state} {said_zip}", f" {town} {state}"])
    return f"{unit}{_house(rng)} {street}{tail}"


def _us_typed(rng: random.Random) -> str:
    town, state, zip_ = rng.choice(_US_TOWNS)
    abbrev = rng.choice(["Ave.", "St.", "Rd.", "Dr.", "Blvd.", "Ln."])
    street = f"{rng.choice(_FIRST_NAMES).title()} {abbrev}"
    unit = rng.choice(["", " Apt. 3", " Ste. 210"])
    state = rng.choice([state.title(), _STATES[state]])
    return f"{rng.randint(10, 9999)} {street}{unit}, {town.title()}, {state} {zip_}"


def _australian(rng: random.Random) -> str:
    street = f"{rng.choice(_FIRST_NAMES).title()} {rng.choice(['St', 'Rd', 'Pde', 'Cres'])}"
    town, state, code = rng.choice(
        [("The Entrance", "NSW", "2261"), ("Fitzroy", "VIC", "3065"), ("The Gap", "QLD", "4061")]
    )
    unit = rng.choice([f"{rng.randint(1, 12)}/", f"Unit {rng.randint(1, 12)}/", ""])
    return f"{unit}{rng.randint(2, 180)} {street}, {town} {state} {code}"


def _european(rng: random.Random) -> str:
    street, code, town = rng.choice(_EUROPE)
    return f"{street} {rng.randint(1, 60)}, {code} {town}"


def _street_first_said(rng: random.Random) -> str:
    street, code, town = rng.choice(_EUROPE[2:4] + _EUROPE[5:])
    said = f"{_house(rng)} {street.lower()} {town.lower()} "
    return said + " ".join(forms.ONES[int(d)] if d != "0" else "zero" for d in code)


def _house_name(rng: random.Random) -> str:
    street = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_BRITISH_TYPES)}"
    town = rng.choice(["", " little baddow", " long melford", " upper slaughter"])
    return f"{rng.choice(_HOUSE_NAMES)} {street}{town}"


def _star_route(rng: random.Random) -> str:
    box = rng.choice([str(rng.randint(10, 99)), forms.two(rng.randint(10, 99))])
    town, state, zip_ = rng.choice(_US_TOWNS)
    return rng.choice(
        [
            f"star route {forms.ONES[rng.randint(1, 9)]} box {box} {town} {state}",
            f"box {box} star route {town} {state} {_digits(zip_)}",
        ]
    )


def _retaken(rng: random.Random) -> str:
    first = _house(rng)
    street = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_US_TYPES)}"
    town, state, _ = rng.choice(_US_TOWNS)
    if rng.random() < 0.5:
        return f"{first} {rng.choice(_TAKE_BACKS)} {_house(rng)} {street} {town} {state}"
    again = f"{_house(rng)} {street}"
    return f"{first} {street} {rng.choice(_TAKE_BACKS)} {again} {town} {state}"


_FORMS = [_us_said, _us_said, _us_typed, _australian, _european, _street_first_said,
          _house_name, _star_route, _retaken]  # fmt: skip
_CARRIERS = [
    "the parcel should go to {v}",
    "it's {v}",
    "my home address is {v} thanks",
    "Ship to: {v}",
    "we're now at {v}",
    "bill it to {v} please",
    "could you send it over to {v}",
    "address on the account {v}",
]


def _record(rng: random.Random) -> dict[str, Any]:
    """A tool's arguments with the town as a field of its own: street and town are values."""
    street = f"{rng.randint(2, 999)} {rng.choice(_FIRST_NAMES).title()} Road"
    town = rng.choice(["Ikeja, Lagos", "Westlands, Nairobi", "Sandton", "East Legon, Accra"])
    head = f'{{"customer_id": "C-{rng.randint(1000, 9999)}", "street": "'
    text = head + street + '", "town": "' + town + '"}'
    spans = [
        {"start": len(head), "end": len(head) + len(street), "kind": "address"},
        {"start": text.index(town), "end": text.index(town) + len(town), "kind": "address"},
    ]
    return {"text": text, "spans": spans}


def _lookalikes(rng: random.Random) -> list[tuple[str, str]]:
    hour = rng.randint(7, 11)
    order = rng.randint(10000, 99999)
    return [
        ("order", f"order {_digits(order)} went via fedex ground to the depot"),
        ("order", f"i sent {forms.ONES[rng.randint(2, 9)]} via courier on tuesday"),
        ("order", f"Order {order}, 2 items, shipped via UPS"),
        ("street", f"the store on {rng.choice(_FIRST_NAMES)} road opens at {hour}"),
        ("street", f"the Main St. branch, open {hour}am to 6pm"),
        ("street+clock", f"our shop at 12 Market Square closes at {hour} thirty"),
        ("appt", f"Dec {rng.randint(1, 28)}, 2026 Meeting with the fitter at {hour}am"),
        ("appt", f"book me in for the {forms.ONES[rng.randint(2, 9)]}th at {hour} fifteen"),
        ("price", f"2 for ${rng.randint(10, 30)}, 3 for ${rng.randint(31, 45)} this week"),
        ("price", f"it was {forms.two(rng.randint(20, 99))} ninety nine at the outlet"),
        ("qty", f"we need {forms.ONES[rng.randint(2, 9)]} more boxes uh {forms.ONES[3]} more"),
        ("count", f"{forms.ONES[rng.randint(2, 9)]} parcels came via the back lane yesterday"),
    ]


def rows(rng: random.Random, per_carrier: int) -> list[dict[str, Any]]:
    """The round's addresses in their carriers, its records, then its look-alikes."""
    out: list[dict[str, Any]] = []
    for carrier in _CARRIERS:
        for make in _FORMS:
            for _ in range(per_carrier):
                value = make(rng)
                head, tail = carrier.split("{v}")
                span = {"start": len(head), "end": len(head) + len(value), "kind": "address"}
                out.append({"text": head + value + tail, "spans": [span]})
    out += [_record(rng) for _ in range(per_carrier * 2)]
    for _ in range(per_carrier * 2):
        for note, text in _lookalikes(rng):
            out.append({"text": text, "spans": [], "note": note})
    return out
