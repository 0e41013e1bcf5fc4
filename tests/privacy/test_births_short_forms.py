"""A birth date named by its short word ("bday", "b-day"), and the event a birthday's
word names before a noun ("birthday party", "bday cake"): written from the forms."""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("his bday's the 21st of October", "his bday's [dob]"),
        ("B-day: 9 Feb", "B-day: [dob]"),
        ("fourth of july nineteen eighty is my b-day", "[dob] is my b-day"),
    ],
)
def test_a_birth_date_named_by_its_short_word_is_masked(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "the birthday party starts at 4 pm on saturday",
        "can the bday cake be ready by the 12th",
        "the birthday gift order 5521 hasn't come",
        "book the b-day dinner for 6 people",
    ],
)
def test_a_birthdays_event_keeps_its_time_and_numbers(said: str) -> None:
    assert MASK.text(said) == said
