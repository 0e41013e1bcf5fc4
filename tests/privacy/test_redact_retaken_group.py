"""A correction that says a value's last group again, not its last digit nor all of it.

Written after heldout8's one scoring from its cause, not its lines: "... five six three
four i mean five six five four two eight ..." takes back the group "5634" and says the
card on from "5654"; "eight eight oh one five no one two oh ..." takes back an SSN's
middle group. Read together the two tries have digits too many for the value, read
apart neither is one: the first try up to where its group starts, then the second, is
the value (a card's groups are fours, 4-6-5 for American Express; an SSN's 3-2-4).
"Or rather" takes back like "rather". Look-alikes said the same way (an order's, a
tracking number's) stay.
"""

from __future__ import annotations

import pytest

from framekit.privacy.kinds.spoken import NumberRun
from framekit.privacy.kinds.takebacks import readings
from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (  # 5262 1299 7220 0330: "7221" taken back
            "it's five two six two one two nine nine seven two two one i mean seven two two"
            " oh oh three three oh ok",
            "it's [card] ok",
        ),
        (  # 3722 453832 36404 (Amex): its second group cut short, said again
            "three seven two two four five three eight no sorry four five three eight three"
            " two three six four oh four",
            "[card]",
        ),
        (  # 412-58-3307: the middle group "59" taken back
            "four one two five nine or rather five eight three three oh seven that's my social",
            "[ssn] that's my social",
        ),
    ],
)
def test_a_retaken_group_is_one_value(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


def test_readings_cut_the_first_try_where_its_group_starts() -> None:
    first, second = NumberRun("49475634", 0, 1, ""), NumberRun("5654", 2, 3, "")
    assert readings(first, second, False, "card") == ["494756345654", "49475654"]
    assert readings(first, second, False, "ssn") == ["494756345654", "494755654", "4945654"]
    assert readings(first, second, False) == ["494756345654"]


@pytest.mark.parametrize(
    "said",
    [
        "order number four five two one eight eight three four i mean four five two one eight"
        " eight three five",
        "tracking one two three four five six seven eight nine one two three no nine one two"
        " four five six seven eight",
        "room four one two or rather four one four",
        "the total was twelve forty i mean twelve fifty",
    ],
)
def test_retaken_identifiers_stay(said: str) -> None:
    assert MASK.text(said) == said
