"""A value said again after a take-back: its first try is masked with it.

Two forms of a first try (:mod:`framekit.privacy.retakes`): the value's opening said
before a take-back that is followed by other words ("wait no that's the old one ..."),
and the value's shape cut short right before the take-back (numbers, an email's
dotted pieces). Written from the forms, not from a corpus's lines.
"""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (
            "it's four one one one hmm no sorry that one expired the visa is four one one one"
            " one one one one one one one one one one one one",
            "it's [card]",
        ),
        (
            "my number is two oh six uh actually use my work phone two oh six five five five"
            " oh one nine three",
            "my number is [phone]",
        ),
        (
            "ship to twelve elm uh no wait we moved it's twelve elm road ithaca",
            "ship to [address]",
        ),
    ],
)
def test_a_first_try_before_a_take_back_and_more_words_is_masked(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("send it to thirty one sorry thirty three maple avenue", "send it to [address]"),
        ("it's one twenty no one forty two harbor road", "it's [address]"),
        ("email is kate dot bell sorry belle at outlook dot com", "email is [email]"),
        ("it goes to r dot patel no patil at yahoo dot co dot uk", "it goes to [email]"),
    ],
)
def test_a_value_cut_short_and_said_anew_is_one_value(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "i have two no three kids at home",
        "sorry the order is seven two one",
        "no thanks that's all",
    ],
)
def test_a_take_back_without_a_value_masks_nothing(said: str) -> None:
    assert MASK.text(said) == said


def test_a_take_back_never_reaches_into_the_value_before() -> None:
    said = "my phone is four one five five five five one two one two no my card is four one"
    said += " one one one one one one one one one one one one one one"
    assert MASK.text(said) == "my phone is [phone] no my card is [card]"
