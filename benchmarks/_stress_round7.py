"""The stress harness's seventh round: look-alikes only, written before this round was run.

False positives must stay under 1 % of look-alikes, and the last held-out file touched
1.4 % (an order, a price, a SKU). This round writes the shop's and the world's numbers
that are not a person's: carriers' tracking numbers in their printed groups, device and
book numbers, order numbers of marketplaces, prices and amounts in many notations,
dates and times of this December, quantities and codes, each with its usual label or
none.
"""

from __future__ import annotations

import random
from typing import Any

import _stress_forms as forms


def rows(rng: random.Random, per_carrier: int) -> list[dict[str, Any]]:
    """The round's look-alike lines (no spans)."""

    def d(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    out: list[dict[str, Any]] = []
    for _ in range(per_carrier * 3):
        day, hour = rng.randint(1, 31), rng.randint(1, 12)
        imei = forms.luhn_complete("35" + d(6), 15, rng)
        for note, text in [
            ("tracking", f"1Z {d(3)} AA1 {d(2)} {d(4)} {d(4)} shows delivered"),
            ("tracking", f"JD{d(18)} is the dhl one"),
            ("tracking", f"it says {d(4)} {d(4)} {d(4)} on the fedex label"),
            ("sku", f"imei {imei}"),
            ("sku", f"ISBN 978-{d(1)}-{d(2)}-{d(6)}-{d(1)}"),
            ("sku", f"part no. {d(3)}-{d(4)}-{d(3)}"),
            ("order", f"amazon order {d(3)}-{d(7)}-{d(7)}"),
            ("order", f"order INV-2026-{d(5)} still open"),
            ("order", f"my order number is {forms.say_digits(d(10), rng)}"),
            ("price", f"charged twice, {d(3)}.{d(2)} and {d(3)}.{d(2)}"),
            ("price", f"EUR {d(1)}.{d(3)},{d(2)} inkl. MwSt"),
            ("price", f"{forms.two(rng.randint(20, 99))} quid {forms.two(rng.randint(10, 99))}"),
            ("appt", f"2026-12-{day:02d}T{hour:02d}:30:00"),
            ("appt", f"Dec {day}, {hour}:30 pm works"),
            ("appt", f"the {forms.two(day)} at {forms.two(hour)} thirty"),
            ("qty", f"3 x {rng.randint(6, 24)} pack, {d(2)} units"),
            (
                "conf",
                f"confirmation {rng.choice('ABCDEFGHJK')}{d(1)}{rng.choice('PQRSTUVW')}{d(3)}",
            ),
        ]:
            out.append({"text": text, "spans": [], "note": note})
    return out
