"""Postcodes said with "double" or "triple", or of six digits, and the streets they end.

Written after heldout8's one scoring from its cause, not its lines: a code said after
its label was read only as five plain number words ("zip is five six oh oh three eight"
lost its last digit, "double five eight zero three" was no code), and an address with no
street type, only a unit, a building, a district, a town and the code ("b two oh four
... mumbai four double oh oh five three": India's six-digit PIN) was read only where a
word of an address's was said and the code had five plain digits. Look-alikes with the
same words (a count and a price said digit by digit, a door's code, two orders' numbers,
a flight's) stay.
"""

from __future__ import annotations

import pytest

from framekit.privacy.kinds.said_codes import code_said_in
from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("my postcode is double seven two one nine", "my postcode is [address]"),
        ("zip is four one one oh two eight", "zip is [address]"),
        (
            "and the postal code one triple oh zero one thanks",
            "and the postal code [address] thanks",
        ),
        ("zip is six oh six one four dash two three one oh", "zip is [address]"),
        ("my postcode is 400053 thanks", "my postcode is [address] thanks"),
        (
            "it's flat six palm residency indiranagar bengaluru five six double oh three eight",
            "it's [address]",
        ),
        ("c four oh two rose enclave juhu mumbai four double oh oh four nine", "[address]"),
        (
            "send it to d twelve lake view gardens salt lake kolkata seven double oh oh nine one"
            " please",
            "send it to [address] please",
        ),
    ],
)
def test_said_codes_and_their_streets(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "i have two lamps five six double oh three four rupees each",
        "we need three boxes double five eight zero three",
        "the door code is four double oh two",
        "the promo code is double five eight zero three",
        "i have two orders three oh nine eight one and three oh nine eight two",
        "order number is two nine eight uh two nine eight seven one four",
        "flight two one one from delhi to mumbai four double oh oh five three",
        "the bengaluru office quoted five six double oh three four",
    ],
)
def test_look_alikes_stay(said: str) -> None:
    assert MASK.text(said) == said


def test_only_a_run_of_a_codes_length_after_a_name_is_searched() -> None:
    unnamed = frozenset({"order", "is"})
    assert code_said_in(_words("juhu mumbai four double oh oh four nine"), unnamed)
    assert not code_said_in(_words("order four double oh oh four nine"), unnamed)
    assert not code_said_in(_words("card four one one one two two two two three"), unnamed)


def _words(said: str) -> list[str]:
    return said.split(" ")
