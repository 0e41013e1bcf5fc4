"""A hold said inside a number: "one sec", "one moment", "just a sec", "bear with me".

Written after heldout8's one scoring from its cause, not its lines: a hold that starts
with a digit's word ("... six four seven one sec three oh ...") was read as the digit
"one" and then a word that ended the number, so a card came out as two short runs with
a digit too many, neither a value. A hold is no digit: the number goes on through it
when digits follow (and ends at it when a take-back follows). Look-alikes that hold the
same words (an order's number, a room's, a price) stay as they are.
"""

from __future__ import annotations

import pytest

from framekit.privacy.kinds.spoken import number_runs
from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (  # 4945 8073 02155 (a 13-digit Visa)
            "it's four nine four five eight oh seven one moment three oh two one five five",
            "it's [card]",
        ),
        (  # 3673 681930 3642 (Diners, 14)
            "put it on three six seven three six eight one second one nine three oh three six"
            " four two thanks",
            "put it on [card] thanks",
        ),
        (  # 5262 1299 7220 0330
            "five two six two one two nine nine just a sec seven two two oh oh three three oh",
            "[card]",
        ),
        (  # 3722 453832 36404 (Amex), the hold between two pauses
            "the amex is three seven two two, four five three eight three two, one minute,"
            " three six four oh four",
            "the amex is [card]",
        ),
    ],
)
def test_a_hold_inside_a_number_keeps_it_whole(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


def test_one_before_a_hold_is_no_digit() -> None:
    runs = number_runs("four seven one sec three oh", heard=True)
    assert [r.digits for r in runs] == ["4730"]
    assert [r.digits for r in number_runs("four seven one three oh", heard=True)] == ["47130"]


@pytest.mark.parametrize(
    "said",
    [
        "one sec, the order number is four five two one",
        "order four four one two one moment please",
        "hold on one second, room two oh four",
        "it came to forty nine ninety nine one sec no fifty nine ninety nine",
        "ticket eight one two one minute let me check",
        "we need two one sec actually three more boxes",
    ],
)
def test_holds_beside_other_numbers_stay(said: str) -> None:
    assert MASK.text(said) == said
