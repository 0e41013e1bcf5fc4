"""The stress harness's eighth round: emails, phones and SSNs in their harder forms.

Written after the seventh round's fixes and before this round was run. The first
rounds found these three kinds whole every time, so this round says them the hard
way: an email spelled letter by letter or with "at symbol", a domain said in pieces,
digits in pairs; a phone with its area code said apart, "double oh", an extension,
"plus" and a country; an SSN with "dash" or said in pairs.
"""

from __future__ import annotations

import random
from typing import Any

import _stress_forms as forms


def _email(rng: random.Random) -> str:
    first, last = rng.choice(forms.FIRSTS), rng.choice(forms.LASTS)
    n = rng.randint(10, 99)
    local = rng.choice(
        [
            " ".join(first) + " dot " + " ".join(last[:4]),
            f"{first} hyphen {last}",
            f"{first[0]} {last} {forms.two(n)}",
            f"{first} underscore {forms.say_digits(str(n), rng, style='ones')}",
        ]
    )
    domain = rng.choice(
        ["g mail dot com", "yahoo dot co dot uk", "outlook dot i e", "my dash firm dot com dot au"]
    )
    at = rng.choice(["at", "at symbol", "at sign"])
    return f"{local} {at} {domain}"


def _phone(rng: random.Random) -> str:
    d = "".join(rng.choice("0123456789") for _ in range(7))
    area = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
    return rng.choice(
        [
            f"area code {forms.say_digits(area, rng)} then {forms.say_digits(d, rng)}",
            f"double oh four four seven seven {forms.say_digits(d + '12', rng)}",
            f"plus six one four {forms.say_digits(d + '9', rng)}",
            f"{forms.say_digits(area + d, rng)} extension two oh four",
            f"{area} {d[:3]} {d[3:]} ext 12",
        ]
    )


def _ssn(rng: random.Random) -> str:
    d = f"{rng.randint(100, 665)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"
    return rng.choice(
        [
            f"{forms.say_digits(d[:3], rng)} dash {forms.say_digits(d[3:5], rng)} dash"
            f" {forms.say_digits(d[5:], rng)}",
            f"{forms.say_digits(d[:3], rng)} {forms.two(int(d[3:5]))} {forms.two(int(d[5:7]))}"
            f" {forms.two(int(d[7:]))}",
            f"{d[:3]}.{d[3:5]}.{d[5:]}",
        ]
    )


CARRIERS = {
    "email": (_email, ["my email is {v}", "{v} is the best way to reach me", "it's {v} thanks"]),
    "phone": (_phone, ["my number is {v}", "call me on {v}", "{v} that's my mobile"]),
    "ssn": (_ssn, ["my social is {v}", "social security number {v}", "{v} is my ssn"]),
}


def rows(rng: random.Random, per_carrier: int) -> list[dict[str, Any]]:
    """The round's lines: each kind in each of its carriers."""
    out: list[dict[str, Any]] = []
    for kind, (make, carriers) in CARRIERS.items():
        for carrier in carriers:
            for _ in range(per_carrier * 2):
                value = make(rng)
                head, tail = carrier.split("{v}")
                if value.startswith("area code "):  # the label, not the number
                    head, value = head + "area code ", value.removeprefix("area code ")
                span = {"start": len(head), "end": len(head) + len(value), "kind": kind}
                out.append({"text": head + value + tail, "spans": [span]})
    return out
