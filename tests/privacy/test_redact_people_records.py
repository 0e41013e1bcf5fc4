"""Names said as a record's first field: a name, then a value's label ("it's marta
lindqvist email ...", "Tomas Berg - card ..."), a name with a middle initial, and a name
introduced before a request about the parcel. Each case failed before the form it tests
was read; the look-alikes (a kind of card, a verb) keep their words."""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

NAMES = Redactor({kind: "keep" for kind in ("card", "bank", "ssn", "phone", "email", "address")})


def names(text: str) -> list[str]:
    return [text[f.start : f.end] for f in NAMES.find(text) if f.kind == "name"]


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("it's marta lindqvist email marta at gmail dot com", "marta lindqvist"),
        ("this is tobias kern card four one one one one one one one", "tobias kern"),
        ("it's greta the card is five five five five", "greta"),
        ("This is Hana Sato. Phone 415 555 0199", "Hana Sato"),
        ("yeah this is ruth okafor checking account one two three four five six", "ruth okafor"),
        ("it's fergus doyle the parcel should go to my office", "fergus doyle"),
        ("it's ines moreau send it to twelve elm road", "ines moreau"),
        ("Tomas Berg - card 4111 1111 1111 1111", "Tomas Berg"),
        ("Lena Ortiz / SSN 523-45-6789", "Lena Ortiz"),
        ("petra novak email petra at novak dot cz", "petra novak"),
        ("my name is omar j haddad", "omar j haddad"),
        ("it's dana k wells and my social is five two three", "dana k wells"),
    ],
)
def test_a_name_before_a_value(said: str, name: str) -> None:
    assert names(said) == [name]


@pytest.mark.parametrize(
    "said",
    [
        "gift card code is nine nine eight eight",
        "home phone is off the hook",
        "business account is closed",
        "american express card is fine",
        "it's declined card says so",
        "its room eleven oh four",
    ],
)
def test_no_name_in_a_kind_of_value(said: str) -> None:
    assert names(said) == []
