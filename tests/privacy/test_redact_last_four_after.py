"""An SSN's last four labelled after its digits, or by a record's field: masked.

Written after heldout9's one scoring from its cause, not its lines: "to verify its six
five five four last four" and "last4=9288 verified=true" left the four digits: a label
said after the number counted only before "social" or "ssn", and "last4" glued was no
label. "last four" right after four digits, the line or the clause ending there, names
them; four digits before "the last four" of something else stay.
"""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (
            "for verification its three one nine two the last four",
            "for verification its [ssn] the last four",
        ),
        ("sure its eight oh four six last four please", "sure its [ssn] last four please"),
        ("last4=4417 checked=yes", "last4=[ssn] checked=yes"),
    ],
)
def test_last_four_after_the_digits(said: str, expected: str) -> None:
    assert MASK.redact(said).text == expected


@pytest.mark.parametrize(
    "said",
    [
        "its two four one one the last four shipments were late",
        "the card ending in two eight five six got charged twice",
        "order three three one two last four orders arrived",
    ],
)
def test_look_alikes_stay(said: str) -> None:
    assert MASK.redact(said).text == said
