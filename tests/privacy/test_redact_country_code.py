"""A phone number said after "country code": the label names a phone's digits.

Written after heldout9's one scoring from its cause, not its lines: "number with the
country code double oh five two ..." had no phone label ("area code" was one, "country
code" not), and fourteen unlabelled digits are no value. A country code alone ("the
country code is four four") is too short for a phone and stays.
"""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


def test_a_phone_after_country_code() -> None:
    said = (
        "mhm number with the country code double oh four four seven nine one one two three"
        " four five six"
    )
    assert MASK.redact(said).text == "mhm number with the country code [phone]"


@pytest.mark.parametrize(
    "said", ["the country code is four four", "whats the country code for spain three four right"]
)
def test_a_country_code_alone_stays(said: str) -> None:
    assert MASK.redact(said).text == said
