"""Number values at their seams: a card split by a pause, a card's network named after
it, a label whose noun phrase names another thing, a field separator after an SSN, a
phone said right after a postcode or inside an address's tail. Each case failed before
the form it tests was read."""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # Unlabelled runs that are a card only together: a pause, not a correction.
        (
            "right so four two seven five five eight two eight hang on wait two three five"
            " seven four one six two",
            "right so [card]",
        ),
        (
            "here you go five one eight five nine four five two six six sorry nine eight five"
            " seven two two",
            "here you go [card]",
        ),
        ("it's 6011 9697 3291, hold on, 5061", "it's [card]"),
        # A card's network said after the number overrides an identifier's word before it.
        ("put the order on 379986498403297, it's an amex", "put the order on [card], it's an amex"),
        ("the ticket is going on 4275582823574162 (visa)", "the ticket is going on [card] (visa)"),
        # A label's noun phrase after "on the" names what the number belongs to.
        (
            "they want my social on the insurance claim paperwork it's 523 45 6789",
            "they want my social on the insurance claim paperwork it's [ssn]",
        ),
        (
            "my phone number on the return order form is two one two five five five oh one"
            " nine nine",
            "my phone number on the return order form is [phone]",
        ),
        # "at" after an identifier's word: the number is where to reach someone.
        ("send the receipt at 415 222 9876 please", "send the receipt at [phone] please"),
        ("email me the confirmation at 6175550142", "email me the confirmation at [phone]"),
        # A slash with spaces around separates fields; inside a number it joins.
        ("SSN 523-45-6789 / 12 Elm Road", "SSN [ssn] / [address]"),
        ("SSN 523-45-6789 / 44", "SSN [ssn] / 44"),
    ],
)
def test_number_seams(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    ("said", "phone"),
    [
        (
            "twelve oak street austin texas seven eight seven oh one five one two four four"
            " one two three four five",
            "five one two four four one two three four five",
        ),
        (
            "nine wattle road perth w a six oh one five mobile oh four one two three four"
            " five six seven eight",
            "oh four one two three four five six seven eight",
        ),
        ("Ship to Dana, 14 Pine St, Boston MA 02118 and text (617) 555-0143 when close", None),
    ],
)
def test_phone_after_an_address(said: str, phone: str | None) -> None:
    """The address keeps its postcode, the phone after it is a phone."""
    found = MASK.find(said)
    kinds = [f.kind for f in found]
    assert "address" in kinds
    assert "phone" in kinds
    if phone is not None:
        value = next(f for f in found if f.kind == "phone")
        assert said[value.start : value.end] == phone
    if phone is None:
        assert MASK.text(said).endswith("[phone] when close")


@pytest.mark.parametrize(
    "said",
    [
        "its four four one nine seven one oh oh four five five two seven six four three",
        "reference three three nine nine at the desk",
        "the order at 10 is ready",
    ],
)
def test_look_alikes_stay(said: str) -> None:
    assert MASK.text(said) == said
