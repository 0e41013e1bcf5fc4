"""A stress harness for the redactor: new phrasings, generated, to see what breaks.

Not a test set: its carriers and forms were written while reading the redactor, so its
figures say where the rules are thin, not what recall is on unseen text (only a
held-out file written by someone who never saw the code says that). Each kind's values
(``_stress_forms.py``) go into carrier sentences that no corpus file uses, spoken
(lowercase, numbers as words) and typed; the look-alikes (order numbers, 16-digit
references that fail Luhn, tracking numbers, SKUs, prices, December appointments) must
come out untouched. Scored as ``privacy_accuracy.py`` scores the corpus.

    .venv/bin/python benchmarks/privacy_stress.py              # recall per kind, FPs
    .venv/bin/python benchmarks/privacy_stress.py --misses 40  # and what broke
    .venv/bin/python benchmarks/privacy_stress.py --round 2    # carriers written later
    .venv/bin/python benchmarks/privacy_stress.py --round 3    # two values a line
    .venv/bin/python benchmarks/privacy_stress.py --round 4    # addresses' unusual shapes
    .venv/bin/python benchmarks/privacy_stress.py --round 5    # cards said slowly, weak labels
    .venv/bin/python benchmarks/privacy_stress.py --round 6    # names
    .venv/bin/python benchmarks/privacy_stress.py --round 7    # look-alikes only
    .venv/bin/python benchmarks/privacy_stress.py --round 8    # emails, phones, SSNs the hard way
    .venv/bin/python benchmarks/privacy_stress.py --round 9    # numbers said every way, addresses
    .venv/bin/python benchmarks/privacy_stress.py --round 10 --per-carrier 3  # addresses by country
    .venv/bin/python benchmarks/privacy_stress.py --round 11 --per-carrier 3  # retakes, codes
    .venv/bin/python benchmarks/privacy_stress.py --round 12 --per-carrier 3  # halves, restarts
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from typing import Any

import _stress_forms as forms
import _stress_round2 as round2
import _stress_round3 as round3
import _stress_round4 as round4
import _stress_round5 as round5
import _stress_round6 as round6
import _stress_round7 as round7
import _stress_round8 as round8
import _stress_round9 as round9
import _stress_round10 as round10
import _stress_round11 as round11
import _stress_round12 as round12
from framekit.privacy.redact import Redactor
from privacy_accuracy import report, score

_CARRIERS: dict[str, tuple[Callable[[random.Random, str], str], list[str], list[str]]] = {
    "card": (
        forms.card,
        [
            "okay ready the long number across the front is {v}",
            "right so the digits are {v} and the expiry is next june",
            "i'll read it off the plastic {v}",
            "charge the visa ending up front {v}",
            "alright {v} that's the credit card",
            "the sixteen digits on the card are {v}",
            "{v} expiry oh nine twenty eight",
            "card number um {v} sorry it's a bit worn",
            "use my debit card please it's {v}",
        ],
        [
            "Card: {v}, exp 09/28",
            "pls charge {v} for the balance",
            "my mastercard is {v}",
            "Payment details -> {v} (cvv to follow)",
        ],
    ),
    "ssn": (
        forms.ssn,
        [
            "my social is {v}",
            "for the tax form the social security number would be {v}",
            "ssn {v} if you need it",
            "the number on my social security card is {v}",
            "it's {v} that's my social",
            "social's {v}",
        ],
        ["SSN {v}", "social security no. {v}", "My SSN: {v}. Thanks"],
    ),
    "phone": (
        forms.phone,
        [
            "best number to get me on is {v}",
            "ring me back on {v} after five",
            "you can text {v} anytime",
            "my mobile's {v}",
            "the callback number would be {v} thanks",
            "i'm on {v} if the line drops",
            "{v} is my cell",
            "work phone {v} extension is fine",
        ],
        ["reach me at {v}", "Mobile: {v}", "call {v} after 6pm", "my cell is {v}, ask for me"],
    ),
    "email": (
        forms.email,
        [
            "the email address you want is {v}",
            "put down {v} for the receipts",
            "shoot it over to {v} would you",
            "my login email is {v}",
            "it's {v} all lowercase",
            "send the invoice to {v} thanks",
            "my work address is {v} no spaces",
            "yeah {v} that's the one on file",
        ],
        ["email me at {v}", "Contact: {v}", "updated email -> {v}", "cc {v} on it please"],
    ),
    "address": (
        forms.address,
        [
            "the delivery should go to {v}",
            "i moved and my new place is {v}",
            "home address is {v}",
            "ship it to {v} please",
            "we're at {v} now",
            "it's {v} the blue door",
            "my billing address is {v}",
            "{v} is where i live",
            "can you deliver to {v} instead",
            "we are at {v} round the back",
        ],
        ["Deliver to {v}", "New address: {v}", "I live at {v}.", "please send it to {v}"],
    ),
    "name": (
        forms.name,
        [
            "my name's {v}",
            "hi there {v} calling about a refund",
            "this is {v} i rang yesterday",
            "the account holder is {v}",
            "put it under {v}",
            "you're speaking with {v}",
            "{v} here about my order",
            "the name is {v}",
            "first and last name {v}",
            "it's booked for {v}",
            "my name is um {v}",
            "i'm {v} and i have a question",
            "yeah {v} speaking",
            "my wife {v} placed the order",
            "i'm calling for {v}",
            "the order's under {v}",
            "put the name down as {v}",
            "call me {v}",
            "you can ask for {v}",
        ],
        ["Name: {v}", "Hi, I'm {v}.", "This is {v} from flat 2", "Regards, {v}", "Cardholder: {v}"],
    ),
}
"""Each kind: its value's generator, spoken carriers, typed carriers (``{v}``: the value)."""
_SPELLED = (
    forms.spelled_name,
    ["my surname is {v}", "last name {v}", "the name on the card {v}"],
    ["Surname: {v}"],
)


_ORDINALS = ("first", "second", "third", "fourth", "ninth", "twelfth", "twentieth", "thirtieth")


def _lookalikes(rng: random.Random) -> list[tuple[str, str]]:
    """(category, line) for what must stay: numbers of the shop, prices, dates."""

    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    ref16 = forms.failing_ref16(rng)
    order = str(rng.randint(10000, 99999999))
    day = rng.randint(1, 31)
    return [
        ("order", f"my order number is {order}"),
        ("order", f"order {forms.say_digits(order, rng)} hasn't arrived"),
        ("order", f"it's about order #{order}, placed last week"),
        ("ref16", f"the payment reference is {ref16}"),
        ("ref16", f"reference {forms.say_grouped(ref16, [4, 4, 4, 4], rng)}"),
        ("ref16", f"Invoice {ref16[:4]}-{ref16[4:8]}-{ref16[8:12]}-{ref16[12:]} is overdue"),
        ("tracking", f"tracking shows 1Z{digits(3)}AA{digits(10)} stuck in transit"),
        (
            "tracking",
            "the usps tracking number is 9400 " + " ".join(digits(4) for _ in range(4)) + " 12",
        ),
        ("tracking", f"parcel ref {forms.say_digits(digits(10), rng)}"),
        ("sku", f"SKU {digits(4)}-{digits(3)}-{digits(2)} is out of stock"),
        ("sku", f"item number {digits(9)} in blue please"),
        ("sku", f"the model is {forms.say_digits(digits(9), rng)}"),
        ("price", f"the total came to ${rng.randint(1, 9)},{digits(3)}.{digits(2)}"),
        (
            "price",
            f"it was {forms.two(rng.randint(20, 99))} {forms.two(rng.randint(10, 99))} with tax",
        ),
        (
            "price",
            f"you charged me {rng.randint(100, 999)} dollars and {rng.randint(10, 99)} cents twice",
        ),
        (
            "appt",
            f"can we move it to december {rng.choice(_ORDINALS)} at {rng.randint(1, 9)} thirty",
        ),
        ("appt", f"my appointment is Dec {day}, 2026 at 10:15am"),
        ("appt", f"booked for the {day}th of december two thousand twenty six"),
        ("appt", f"the fitting is on 12/{day:02d}/2026 at 3pm"),
        ("appt", f"december {day} {2026} works, around two fifteen"),
    ]


_LATER = {
    3: round3, 4: round4, 5: round5, 6: round6, 7: round7, 8: round8, 9: round9, 10: round10,
    11: round11, 12: round12,
}  # fmt: skip
"""The rounds written after the first two, each with its own row builder."""


def rows(seed: int = 17, per_carrier: int = 8, round_: int = 1) -> list[dict[str, Any]]:
    """The harness's lines in the corpus's format (spans exact), look-alikes last."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    if round_ in _LATER:
        later = _LATER[round_].rows(rng, per_carrier)
        return [{**row, "id": f"t{i:05d}"} for i, row in enumerate(later)]
    if round_ == 2:
        carriers = [(k, *c) for k, c in round2.CARRIERS.items()]
    else:
        carriers = [(k, *c) for k, c in _CARRIERS.items()] + [("name", *_SPELLED)]
    make_lookalikes = round2.lookalikes if round_ == 2 else _lookalikes
    for kind, make, said, typed in carriers:
        for source, lines in (("speech", said), ("text", typed)):
            for carrier in lines:
                for _ in range(per_carrier):
                    value = make(rng, source)
                    head, tail = carrier.replace("{{", "{").replace("}}", "}").split("{v}")
                    text = head + value + tail
                    span = {"start": len(head), "end": len(head) + len(value), "kind": kind}
                    out.append({"id": f"s{len(out):05d}", "text": text, "spans": [span]})
    for _ in range(per_carrier * 4):
        for note, text in make_lookalikes(rng):
            out.append({"id": f"s{len(out):05d}", "text": text, "spans": [], "note": note})
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--misses", type=int, default=0, help="print up to N misses and FPs")
    parser.add_argument("--round", type=int, choices=range(1, 13), default=1, help="which carriers")
    parser.add_argument("--per-carrier", type=int, default=8, help="lines per carrier form")
    args = parser.parse_args(argv)
    result = score(rows(args.seed, args.per_carrier, round_=args.round), Redactor())
    report(f"stress round {args.round} (seed {args.seed})", result)
    for line in result.misses[: args.misses]:
        print(line)


if __name__ == "__main__":
    main()
