"""A number whose groups a pause split over two turns: redacted where it ends.

The redactor reads a turn that starts with a number with the tail of the same caller's
previous turn when that ended with a number, and masks the part in this turn; any other
pair of turns is read as two texts (:mod:`framekit.privacy.continued`).
"""

from __future__ import annotations

import pytest

from framekit.privacy.continued import TAIL_CHARS, continued_from
from framekit.privacy.redact import Redactor

REDACTOR = Redactor()


@pytest.mark.parametrize(
    ("before", "text", "stored"),
    [
        ("My phone number is 555-213.", "4477.", "[phone]."),
        ("my phone number is five five five, two one three,", "four four seven seven", "[phone]"),
        ("my card is 4111 1111", "1111 1111 thanks", "[card] thanks"),
        ("my social security number is 123 45", "6789.", "[ssn]."),
    ],
)
def test_the_part_said_in_this_turn_is_masked(before: str, text: str, stored: str) -> None:
    assert REDACTOR.text(text) == text  # alone, it is no value
    assert REDACTOR.text(text, before=before) == stored


@pytest.mark.parametrize(
    ("before", "text"),
    [
        ("Yes.", "213 4477."),  # the turn before ended with no number
        ("My order number is 4471.", "5 o'clock works."),  # an order then a time: no value
        ("", "4477."),
        ("My phone number is 555-213.", "Sorry, 4477."),  # this turn starts with a word
        ("My phone number is 555 213 4477.", "and my email is bob at gmail dot com"),
    ],
)
def test_other_pairs_of_turns_are_read_apart(before: str, text: str) -> None:
    assert REDACTOR.text(text, before=before) == REDACTOR.text(text)


def test_only_the_tail_of_a_long_turn_is_read() -> None:
    before = "so " * 200 + "my card is 4111 1111"
    tail = continued_from(before, "1111 1111")
    assert len(tail) <= TAIL_CHARS
    assert tail.endswith("my card is 4111 1111")
    assert not tail.startswith(" ")
    assert REDACTOR.text("1111 1111", before=before) == "[card]"
