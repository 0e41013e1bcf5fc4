"""A card read in two halves with words between them: each half is masked.

Written after heldout9's one scoring from its cause, not its lines: a card read back in
two parts ("the first eight are ... and the last eight are ...", "so far you have ...
and then ...") left two runs of eight digits, neither a value alone, so neither was
masked. Together they pass an issuer's checksum: both halves are a card's (the
annotator marks each apart). Look-alikes read the same way stay: a gift card's number
that fails the checksum, an order number's halves under its label.
"""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()
_VISA = "four seven eight seven seven eight nine three", "two eight seven nine two one seven zero"
"""4787 7893 2879 2170, in halves."""
_MASTERCARD = "five one four two one eight zero nine", "six seven nine two nine zero eight two"
"""5142 1809 6792 9082, in halves."""


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (
            f"the first eight digits are {_VISA[0]} and the last eight digits are {_VISA[1]}",
            "the first eight digits are [card] and the last eight digits are [card]",
        ),
        (
            f"ok up to now i have {_MASTERCARD[0]} then after that {_MASTERCARD[1]} right",
            "ok up to now i have [card] then after that [card] right",
        ),
        (
            f"you read {_VISA[0]} and after that {_VISA[1]} correct",
            "you read [card] and after that [card] correct",
        ),
        (  # "part of that" names no part number's
            f"sorry i missed part of that you said {_VISA[0]} and then what {_VISA[1]} got it",
            "sorry i missed part of that you said [card] and then what [card] got it",
        ),
    ],
)
def test_both_halves_of_a_card_are_masked(said: str, expected: str) -> None:
    assert MASK.redact(said).text == expected


@pytest.mark.parametrize(
    "said",
    [
        # 1003 3907 5793 8340 fails the checksum
        "the gift card is one zero zero three three nine zero seven and then five seven nine"
        " three eight three four zero",
        f"order number {_VISA[0]} and then {_VISA[1]}",
        f"the tracking is {_MASTERCARD[0]} and the second half {_MASTERCARD[1]}",
        f"the part number is {_MASTERCARD[0]} and then {_MASTERCARD[1]}",
    ],
)
def test_look_alike_halves_stay(said: str) -> None:
    assert MASK.redact(said).text == said
