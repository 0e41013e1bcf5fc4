"""Forms of values that the spent ``heldout4.jsonl`` showed were missing, each written
anew from its form (not its line): fractions and "slash" in a house number, an estate's
"the", a street known by its postcode alone, a ZIP's label after it or with words
between, a label that names what another label belongs to, an area code said apart, a
date's hesitation and one-digit months, an apostrophe or "the" opening an email's local
part, and a name followed by what the caller says of the person's values.
"""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("we're at ninety one and a half oak street", "we're at [address]"),
        ("Ship to 407 1/2 Pine Ave, Boise ID 83702", "Ship to [address]"),
        ("deliver to flat nine slash two high road leeds", "deliver to [address]"),
        ("it's unit three stroke sixty king street sydney", "it's [address]"),
        ("my address is nine the maltings kilkenny", "my address is [address]"),
        ("send it to Ivy House, Mill Lane, Great Bardfield CM7 4QS", "send it to [address]"),
        ("post it to the granary school lane s k ten four l p", "post it to [address]"),
        ("three oh three one two is my zip code", "[address] is my zip code"),
        ("60614 that's the zip code", "[address] that's the zip code"),
        ("the postcode for the delivery is SW1A 2AA", "the postcode for the delivery is [address]"),
        (
            "and the zip on my account is nine oh two one oh",
            "and the zip on my account is [address]",
        ),
    ],
)
def test_address_forms(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "i ordered 25000 zip ties",
        "the store on Church Lane opens at nine",
        "room 12 slash 14 is booked",
        "the zip code field is required",
    ],
)
def test_address_look_alikes_stay(said: str) -> None:
    assert MASK.text(said) == said


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("the phone on the order is 3 1 2 5 5 5 0 1 4 8", "the phone on the order is [phone]"),
        ("the mobile for the booking is 020 7946 0958", "the mobile for the booking is [phone]"),
        (
            "call me on five five five one two one two area code three one two",
            "call me on [phone] area code [phone]",
        ),
        ("my area code is seven one eight", "my area code is [phone]"),
    ],
)
def test_phone_forms(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "the reference on my bank statement is 4000 1234 5678 9011",
        "the code from my bank letter is 55201948",
        "i have 312 of them",
    ],
)
def test_an_identifier_of_a_bank_document_is_no_account(said: str) -> None:
    assert MASK.text(said) == said


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("my birthday is march uh the ninth sixty one", "my birthday is [dob]"),
        ("it's three four nineteen fifty two", "it's [dob]"),
        ("she was born twelve five two thousand and one", "she was born [dob]"),
    ],
)
def test_birth_date_forms(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    ["the order was seven seven nineteen seventy seven", "see you at seven seven nineteen"],
)
def test_numbers_that_are_no_birth_date_stay(said: str) -> None:
    assert MASK.text(said) == said


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("Contact: d'arcy.o'hara@example.ie", "Contact: [email]"),
        ("my email is the green fox nine at gmail dot com", "my email is [email]"),
        ("it was the real ana at hotmail dot com", "it was [email]"),
    ],
)
def test_email_forms(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


def test_the_before_a_mailbox_after_to_is_the_sentence_s() -> None:
    assert MASK.text("send it to the office at acme dot com") == "send it to the [email]"


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("this is wanda my phone is new", "this is [name] my phone is new"),
        ("it's for tomasz his date of birth is", "it's for [name] his date of birth is"),
        ("this is priya shah last 4 of the social", "this is [name] last 4 of the social"),
        ("yes it's idris you can reach me at home", "yes it's [name] you can reach me at home"),
        (
            "i'm calling for my aunt rosa vela her account is closed",
            "i'm calling for my aunt [name] her account is closed",
        ),
        (
            '{"account_holder": "Ines Duarte", "iban": "x"}',
            '{"account_holder": "[name]", "iban": "x"}',
        ),
        ("Omar Haddad | +44 20 7946 0958", "[name] | [phone]"),
        ("Lena Vogt, card ending 4242", "[name], card ending 4242"),
        ("the table is under paul and nina grey", "the table is under [name]"),
    ],
)
def test_name_forms(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "this is ridiculous my card was declined",
        "it's for delivery my address is unchanged",
        "under review and pending approval",
    ],
)
def test_words_in_those_places_are_no_name(said: str) -> None:
    assert MASK.text(said) == said
