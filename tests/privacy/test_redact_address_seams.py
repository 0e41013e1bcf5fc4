"""Address forms at their seams: a spoken postcode that starts with a letter of a
sentence ("i p four ..."), a code's label a few words before "is", a four-digit
postcode, a unit and its house apart by a dash, a box on a numbered highway. Each case
failed before the form it tests was read."""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # A house, its street and a postcode said letter by letter: one address.
        (
            "send it to forty two orwell crescent ipswich i p four two a b thanks",
            "send it to [address] thanks",
        ),
        (
            "nine abbey gardens inverurie a b five one four x y",
            "[address]",
        ),
        # A code's label, a few words, then "is".
        ("the zip code up there is nine oh two one oh", "the zip code up there is [address]"),
        (
            "the postcode for my mum is m five v three l nine",
            "the postcode for my mum is [address]",
        ),
        # Four-digit postcodes (Australia, New Zealand, much of Europe).
        ("my postcode's two six one one", "my postcode's [address]"),
        ("postcode is 3000 yes", "postcode is [address] yes"),
        # A unit, a dash, the house.
        (
            "Unit 5 - 120 Queen St W, Toronto ON M5H 2N2",
            "[address]",
        ),
        # A box on a numbered highway.
        ("it's highway twelve box forty five", "it's [address]"),
        ("mail to Hwy 3 Box 118", "mail to [address]"),
    ],
)
def test_address_seams(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "the pin code is 4821",
        "we open at nine on highway twelve",
        "there are 3000 boxes in the store",
    ],
)
def test_look_alikes_stay(said: str) -> None:
    assert MASK.text(said) == said
