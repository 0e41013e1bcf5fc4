"""The stress harness's sixth round: names, in carriers written before this round was run.

Names were the weakest kind on every held-out file (77.6 % on the last), and a name can
only be found by what is said around it, so this round is carriers only: people giving
their own name, someone else's, a booking's, in speech and in typed records.
"""

from __future__ import annotations

import random
from typing import Any

import _stress_forms as forms

SAID = [
    "yeah hi it's {v} from the other day",
    "{v} is the name on the account",
    "the account's in my husband's name {v}",
    "can you look me up under {v}",
    "i'm {v} i have an appointment at two",
    "my name um it's {v}",
    "okay so {v} and i'm calling about an order",
    "you can put {v} on the booking",
    "this is {v}'s daughter calling",
    "it's for {v} not me",
    "good afternoon {v} here",
    "the name would be {v}",
    "i'm ringing on behalf of {v}",
    "{v} from flat four",
]
TYPED = [
    "Customer: {v}",
    "Booked by {v}",
    "{v} (account holder)",
    "Name - {v}",
    "Contact person: {v}",
    "regards {v}",
    "I am {v} and I need to change my booking",
]


def rows(rng: random.Random, per_carrier: int) -> list[dict[str, Any]]:
    """The round's lines: a first and last name in every carrier."""
    out: list[dict[str, Any]] = []
    for source, carriers in (("speech", SAID), ("text", TYPED)):
        for carrier in carriers:
            for _ in range(per_carrier):
                value = forms.name(rng, source)
                head, tail = carrier.split("{v}")
                span = {"start": len(head), "end": len(head) + len(value), "kind": "name"}
                out.append({"text": head + value + tail, "spans": [span]})
    return out
