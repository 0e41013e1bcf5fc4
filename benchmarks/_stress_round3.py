"""The stress harness's third round: two values a line, values first, and hesitations.

Written after the second round's fixes and before this round was run (see
``_stress_round2.py`` for why rounds). A line's slots name their kinds (``{name}``,
``{phone}``...); each is filled by the first round's value generators.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

import _stress_forms as forms

MAKERS: dict[str, Callable[[random.Random, str], str]] = {
    "card": forms.card,
    "ssn": forms.ssn,
    "phone": forms.phone,
    "email": forms.email,
    "address": forms.address,
    "name": forms.name,
}
SAID = [
    "{name} here my number is {phone}",
    "yeah so it's {name} and the email is {email}",
    "{phone} that's my cell and my social is {ssn}",
    "um {address} is the address and {phone} is the phone",
    "uh the card is uh {card} and the name on it is {name}",
    "okay {email} and uh {phone}",
    "hello {name} speaking i need to change my address to {address}",
    "the social is {ssn} um and date of birth i'll give you later",
    "{name} {address}",
    "so my card {card} yeah",
    "right the email {email} sorry i mean it's {email}",
    "mobile {phone} or the landline",
]
TYPED = [
    "{name}, {phone}",
    "Name: {name} | Email: {email}",
    "{email} / {phone}",
    "{name}\n{address}",
    "pay with {card} and send the receipt to {email}",
    '{{"name": "{name}", "phone": "{phone}"}}',
    "SSN {ssn}; DOB to follow",
    "I'm {name}, I live at {address}.",
]
_SLOT = re.compile(r"\{(\w+)\}")


def rows(rng: random.Random, per_carrier: int) -> list[dict[str, Any]]:
    """The round's lines with PII, spans exact (ids given by the caller)."""
    out = []
    for source, carriers in (("speech", SAID), ("text", TYPED)):
        for carrier in carriers:
            carrier = carrier.replace("{{", "\0").replace("}}", "\1")
            for _ in range(per_carrier):
                text, spans, at = "", [], 0
                for slot in _SLOT.finditer(carrier):
                    text += carrier[at : slot.start()]
                    kind = slot.group(1)
                    value = MAKERS[kind](rng, source)
                    spans.append({"start": len(text), "end": len(text) + len(value), "kind": kind})
                    text += value
                    at = slot.end()
                text += carrier[at:]
                out.append({"text": text.replace("\0", "{").replace("\1", "}"), "spans": spans})
    return out
