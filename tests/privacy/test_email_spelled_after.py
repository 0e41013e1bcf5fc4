"""An address said aloud, then a piece of it spelled letter by letter to be sure ("...
at outlook dot com, that's b r e n n a n"): the letters are the address's too; and a
mailbox two names share ("ana and luis at ..."). Written from the forms."""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (
            "reach me at brennan dot kate at outlook dot com, that's b r e n n a n",
            "reach me at [email]",
        ),
        ("it's d dot vasquez at proton dot me v a s q u e z ok", "it's [email] ok"),
        ("kay dot wynn at yahoo dot com spelled w-y-n-n thanks", "[email] thanks"),
    ],
)
def test_a_piece_spelled_after_the_address_is_masked_with_it(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (
            "send it to amy dot ross at aol dot com a b c d later",
            "send it to [email] a b c d later",
        ),
        ("it's lee at gmail dot com i am here", "it's [email] i am here"),
        ("grade a b c on the order form", "grade a b c on the order form"),
    ],
)
def test_letters_that_spell_no_piece_of_it_stay(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (
            "send the invoice to ana and luis at shaw dot ca thanks",
            "send the invoice to [email] thanks",
        ),
        ("the family one is kim and raj at gmail dot com", "the family one is [email]"),
        ("copy me and raj at gmail dot com", "copy me and [email]"),
        ("talk to sales and lisa at work tomorrow", "talk to sales and lisa at work tomorrow"),
    ],
)
def test_a_mailbox_two_names_share_is_masked_whole(said: str, expected: str) -> None:
    assert MASK.text(said) == expected
