"""The stress harness's fifth round: cards said the long way, and numbers with weak labels.

Written after the fourth round's fixes and before this round was run. Card recall must
reach 99 % and look-alikes stay under 1 %, so this round says cards as people do when
they read them slowly (groups as whole numbers, "oh", "double", the expiry and the
code after the number, dots between groups) and writes the shop's own numbers with
their label far away, or with none a customer would give.
"""

from __future__ import annotations

import random
from typing import Any

import _stress_forms as forms


def _group_said(group: str, rng: random.Random) -> str:
    """A group of four as a whole number ("forty five thirty nine", "four thousand five
    hundred thirty nine") or digit by digit."""
    style = rng.choice(["pairs", "thousands", "ones"])
    if style == "thousands" and group[0] != "0" and group[1] != "0":
        n = int(group)
        rest = n % 100
        said = f"{forms.ONES[n // 1000]} thousand {forms.ONES[n // 100 % 10]} hundred"
        return said + (f" {forms.two(rest).replace('oh ', '')}" if rest else "")
    return forms.say_digits(group, rng, style="pairs" if style == "pairs" else "ones")


def _card(rng: random.Random, source: str) -> str:
    digits = forms.luhn_complete(rng.choice(["4", "51", "6011"]), 16, rng)
    groups = [digits[i : i + 4] for i in range(0, 16, 4)]
    if source == "text":
        return rng.choice([".", " ", " - "]).join(groups)
    return rng.choice([" ", ", ", " uh "]).join(_group_said(g, rng) for g in groups)


SAID = [
    "card number {v} expiry oh nine twenty eight",
    "{v} and the code on the back is one two three",
    "the long number is {v} valid till march",
    "reading it off the card {v}",
]
TYPED = ["card {v} exp 08/27 cvv 441", "{v}", "Pay with {v} please"]


def rows(rng: random.Random, per_carrier: int) -> list[dict[str, Any]]:
    """The round's cards, then the shop's numbers whose label is weak or far."""
    out: list[dict[str, Any]] = []
    for source, carriers in (("speech", SAID), ("text", TYPED)):
        for carrier in carriers:
            for _ in range(per_carrier * 2):
                value = _card(rng, source)
                head, tail = carrier.split("{v}")
                span = {"start": len(head), "end": len(head) + len(value), "kind": "card"}
                out.append({"text": head + value + tail, "spans": [span]})

    def digits(n: int) -> str:
        return str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(n - 1))

    for _ in range(per_carrier * 2):
        ref16 = forms.failing_ref16(rng)
        for note, text in [
            ("order", f"the order i placed last tuesday for the blue kettle is {digits(8)}"),
            ("order", f"order from last week, it's {forms.say_digits(digits(7), rng)}"),
            ("ref16", f"the reference on the email says {ref16}"),
            ("tracking", f"fedex says {digits(4)} {digits(4)} {digits(4)} is delayed"),
            ("tracking", f"TBA{digits(12)} shows delivered"),
            ("price", f"it was {rng.randint(1, 9)},{digits(3)}.00 all in"),
            ("price", f"{forms.two(rng.randint(11, 99))} ninety nine each"),
            (
                "appt",
                f"is {rng.randint(1, 12)}:{rng.choice(['00', '15', '30', '45'])} on the 14th free",
            ),
            ("appt", f"december {rng.randint(1, 28)} 2026 at {rng.randint(1, 12)}pm"),
            ("qty", f"{digits(2)} boxes and {digits(3)} labels"),
        ]:
            out.append({"text": text, "spans": [], "note": note})
    return out
