"""Number forms read after heldout7's one scoring: written from the forms, not its lines.

A take-back that puts a new digit in place of the last one said ("... no wait that's a
three ..."), two pieces of an account joined by a correction, an SSN printed masked but
for its last four, its last four named after them, and "part of my social" (a piece of
the value, not what it belongs to). Look-alikes said the same ways stay as they are.
"""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (  # 5482 1739 2004 6100: the "nine" taken back for a "seven"
            "okay so five four eight two one nine no hold on it's a seven three nine two"
            " oh oh four six one oh oh thanks",
            "okay so [card] thanks",
        ),
        (  # 4929 6051 7330 0001: the "two" taken back for a "one"
            "use four nine two nine six oh five two, the last digit should be a one seven"
            " three three oh oh oh oh one please",
            "use [card] please",
        ),
        (
            "my ssn is two one two four four no sorry it was a five six seven eight nine ok",
            "my ssn is [ssn] ok",
        ),
        (
            "the checking account is three one one seven, sorry, two two four six at chase",
            "the checking account is [bank] at chase",
        ),
        ("the letter shows ***-**-4471 under my name", "the letter shows [ssn] under my name"),
        ("it reads XXX XX 0923 on the form", "it reads [ssn] on the form"),
        (
            "to check it's six six two oh, the last 4 digits of my social",
            "to check it's [ssn], the last 4 digits of my social",
        ),
        ("the first part of my ssn is five one two", "the first part of my ssn is [ssn]"),
    ],
)
def test_a_value_said_in_these_forms_is_masked(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "order number four five one two no sorry that's a three one one",
        "it's 4532 0151 no wait that's a 2 283 0366 on the reference",
        "the tracking is 9400 1000 no sorry it was a 9 0000 0000",
        "it came to 45 dollars no sorry that's a 50 dollar bill",
        "the appointment is at 10 no wait it's a 3 pm slot",
        "room four one two no sorry it's a four one three",
        "the part of my order that's missing is item 2231",
        "the receipt shows ************4417 as the card",
        "card ending xxxx-xxxx-xxxx-0093",
    ],
)
def test_look_alikes_said_the_same_ways_stay(said: str) -> None:
    assert MASK.text(said) == said
