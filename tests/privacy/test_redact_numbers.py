"""The redactor's number kinds on structure: SSNs said every way, bank accounts behind
their labels, corrections, and the look-alikes (prices, order numbers, a shop's street)
that keep their digits."""

from __future__ import annotations

import pytest

from framekit.privacy.kinds.spoken import number_runs
from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("ssn five two three dash four five dash six seven eight nine", "ssn [ssn]"),
        ("my ss number is five oh oh double two three four five six", "my ss number is [ssn]"),
        (
            "five twenty three forty five sixty seven eighty nine that's my social",
            "[ssn] that's my social",
        ),
        ("my social is five 2 three 4 5 six 7 8 nine", "my social is [ssn]"),
        ("my social's triple five two two one two three four", "my social's [ssn]"),
        ("SSN:523456789", "SSN:[ssn]"),
        ("ssn#523456789", "ssn#[ssn]"),
        ("Social Security No. 523-45-6789", "Social Security No. [ssn]"),
        ("last four of the ssn are 6645", "last four of the ssn are [ssn]"),
        ("last four nine zero one eight", "last four [ssn]"),  # "four" counts, it is no digit
        ("My social security # is 6O1-23-4477", "My social security # is [ssn]"),
        ("social four six nine oh four six nine, oh eight, one two one two", "social [ssn]"),
        # A correction belongs to the value it corrects, before or after it.
        (
            "social five two three four five, sorry, five two three four five six seven eight nine",
            "social [ssn]",
        ),
        (
            "my social is five two three four five six seven eight nine, no, eight",
            "my social is [ssn]",
        ),
        ("my social is 523-45-6789 no sorry 523-45-6788", "my social is [ssn]"),
        # Pieces a few words apart under one label are one value while their digits fit it.
        (
            "my social is five two three, let me see, oh four one one eight seven",
            "my social is [ssn]",
        ),
        ("my social is 523. I have 2 kids", "my social is [ssn]. I have 2 kids"),
        ("SSN 523\u201345\u20136789", "SSN [ssn]"),
        # The nearest label that fits decides: four digits are not an account number.
        (
            "last four of the social on my account are 6645",
            "last four of the social on my account are [ssn]",
        ),
    ],
)
def test_social_security_numbers_in_spoken_typed_and_corrected_forms(
    said: str, expected: str
) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("account #12345678", "account #[bank]"),
        ("the account # is 55667788", "the account # is [bank]"),
        ("Acct# 55667788", "Acct# [bank]"),
        ("acct no 98765432", "acct no [bank]"),
        ("acct:55667788", "acct:[bank]"),
        ("a/c 55667788", "a/c [bank]"),
        ("account number # 004817236590", "account number # [bank]"),
        ("send it to ES91 2100 0418 4502 0005 1332 thanks", "send it to [bank] thanks"),
        ("routing 021000021 account 1234567890", "routing [bank] account [bank]"),
        ("iban de89 3704 0044 0532 0130 00", "iban [bank]"),
        ("IBAN DE89-3704-0044-0532-0130-00", "IBAN [bank]"),
    ],
)
def test_bank_accounts_behind_their_labels_and_a_number_sign(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("I want to pay with 4111 1111 1111 1111", "I want to pay with [card]"),
        ("the total goes on 5500 0000 0000 0004", "the total goes on [card]"),
        ("phone # 212 555 0199", "phone # [phone]"),
        ("Phone:2125550199", "Phone:[phone]"),
        ("my number is 212 555, one sec, 0199", "my number is [phone]"),
        ("call 555-0162 tonight", "call [phone] tonight"),
        (
            "card four one one one, hold on, one one one one one one one one one one one one",
            "card [card]",
        ),
    ],
)
def test_an_amount_or_a_number_sign_does_not_hide_a_card_or_a_labelled_phone(
    said: str, expected: str
) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "the price is 212 555 0199",
        "I paid 212 555 0199",
        "the price is two one two five five five oh one nine nine",
        "Order 12 Main Street store",
        "order 12 Main Street",
        "the store at 12 Main Street",
        "order #12345678",
        "#12345678",
        "my order is #55667788",
        "case #4455667788",
        "invoice # 123456789",
        "account status for order #55667788",
        "the order number is five two three four five six seven eight nine",
        "order NW-55667788",
        "ticket 523 45 6789",
        "gift card 6006 4912 3456 7890",
        "my social security check of 1200 dollars",
        "the claim number the courier gave me is three three eight double one four oh two nine",
        "return authorization RA 300418227",
        "i have two orders three oh nine eight one and three oh nine eight two",
        "we open at 10:30, order 4417",
    ],
)
def test_prices_order_numbers_and_a_shops_street_keep_their_digits(said: str) -> None:
    assert MASK.text(said) == said


def test_a_correction_between_two_unrelated_numbers_joins_nothing() -> None:
    assert MASK.text("order 4417, sorry, 2 items") == "order 4417, sorry, 2 items"
    assert MASK.text("my cell is 2125550199, 2 items") == "my cell is [phone], 2 items"


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # "refund", "deposit", "transfer" to a number: an account's label.
        ("please refund it to 40817263 at Barclays", "please refund it to [bank] at Barclays"),
        ("deposit into 11223344556", "deposit into [bank]"),
        # An IBAN spelled with "double" and "triple".
        (
            "d e eight nine three seven oh four double oh double four oh five three two oh one"
            " three triple oh",
            "[bank]",
        ),
        # A value started, taken back and said again is one value from its first try.
        (
            "i b a n g b eight two w e s t wait g b eight two w e s t one two three four"
            " five six nine eight seven six five four three two",
            "i b a n [bank]",
        ),
        # A phone of a phone's shape after a booking's word: the number to find it by.
        ("the reservation is under four one five two two two nine eight seven six", None),
    ],
)
def test_accounts_by_their_verb_spelled_ibans_restarts_and_a_booking_s_phone(
    said: str, expected: str | None
) -> None:
    assert MASK.text(said) == (expected or "the reservation is under [phone]")


@pytest.mark.parametrize(
    "said",
    [
        "the dhl number is one two three four five six seven eight nine oh",
        "fedex 1234 5678 9012",
        "booking reference 4152229876",
        "I paid 45 dollars to 3 people",
    ],
)
def test_a_carrier_s_or_a_reference_s_number_stays(said: str) -> None:
    assert MASK.text(said) == said


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # A card's end said again after a take-back: one card (Luhn-checked), from its start.
        (
            "the card is four one one one one one one one no wait one one one one one one one"
            " one one one one one",
            "the card is [card]",
        ),
        # Eight digits said as a date of a year of birth, with no label.
        ("it's one two oh three nineteen seventy seven", "it's [dob]"),
    ],
)
def test_a_card_said_again_from_a_group_and_a_birth_date_said_as_digits(
    said: str, expected: str
) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "I returned 55231 and 55298 last week",
        "the ean reads zero four one two two three four five six seven eight",
        "UPC 0 41220 34567 8 on the label",
        "the card is four one one one no wait two items",
    ],
)
def test_typed_numbers_joined_by_and_and_a_product_code_stay(said: str) -> None:
    assert MASK.text(said) == said


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (
            '{"account_no": "33445566", "order_id": "778899"}',
            '{"account_no": "[bank]", "order_id": "778899"}',
        ),
        ('{"mobile_number": "07700 900123"}', '{"mobile_number": "[phone]"}'),
        ('{"order_id": "2125550199"}', '{"order_id": "2125550199"}'),
        (
            "i b a n g b eight two w as in william e s t one two three four five six nine"
            " eight seven six five four three two",
            "i b a n [bank]",
        ),
    ],
)
def test_a_record_s_field_name_labels_its_number_and_an_iban_spelled_as_in_words(
    said: str, expected: str
) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("seventy um seven one", ["7071"]),  # a pause closes "seventy": not 77
        ("thirty two, seven", ["327"]),
        ("two thousand and four", ["2004"]),  # "and" goes on
    ],
)
def test_a_pause_closes_a_number_said(said: str, digits: list[str]) -> None:
    assert [run.digits for run in number_runs(said)] == digits


def test_a_card_said_in_pairs_with_hesitations_is_a_card() -> None:
    said = (
        "off the plastic sixty eleven um five three five six um thirty two seventy um seven"
        " one six one"
    )
    assert MASK.text(said) == "off the plastic [card]"


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("cc# 4539-1488-0343-6467", "cc# [card]"),
        ("#4539148803436467", "#[card]"),
    ],
)
def test_a_bare_number_sign_names_no_identifier_of_a_card_s_shape(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said", ["order #4539148803436467", "#4539148803436468", "ticket #4417 closed"]
)
def test_a_number_sign_after_an_identifier_s_word_or_failing_luhn_stays(said: str) -> None:
    assert MASK.text(said) == said


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # JCB and Diners Club numbers start with 3; a brand's name labels them.
        ("jcb 3530 1113 3330 0000", "jcb [card]"),
        ("diners club 3056 9309 0259 04", "diners club [card]"),
        # "one" as a word before the number ("the amex one"), not its first digit.
        (
            "the amex one three seven eight two eight two two four six three one oh oh oh five",
            "the amex one [card]",
        ),
        # Six digits said as a date with the year's last two.
        ("its oh seven nineteen sixty two", "its [dob]"),
    ],
)
def test_cards_of_every_issuer_and_a_birth_date_in_six_digits(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "its twelve oh four twenty six",  # this decade: a booking's date
        "Is 12/07 10:00 am available?",
        "two hundred thousand three hundred and five",
        "the visa one is fine",
        "3123 4567 8901 2341",  # Luhn-valid, but 31 is no issuer's
    ],
)
def test_dates_of_the_shop_counts_and_other_3s_stay(said: str) -> None:
    assert MASK.text(said) == said


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # A card's companions after it label it: its expiry, its security code.
        (
            "four five three nine one four eight eight zero three four three six four six eight"
            " and the code on the back is one two three",  # a digit misheard: no checksum
            "[card] and the code on the back is one two three",
        ),
        ("4539 1488 0343 6468 exp 09/28", "[card] exp 09/28"),  # a misheard digit
    ],
)
def test_a_card_s_expiry_or_code_after_it_labels_it(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


def test_tens_that_took_the_next_group_s_first_digit_are_read_again_by_the_checksum() -> None:
    # 6011 3870 4091 1278 said with no pause: "... seventy four ..." reads as 74.
    said = (
        "card six oh one one three thousand eight hundred seventy four oh nine one one two"
        " seven eight"
    )
    [run] = number_runs(said)
    assert run.digits == "601138740911278"
    assert [found.normal for found in MASK.find(said)] == ["6011387040911278"]


def test_a_long_number_with_no_label_is_not_read_again() -> None:
    said = "it is six oh one one three thousand eight hundred seventy four oh nine one one two"
    assert MASK.text(said) == said


@pytest.mark.parametrize(
    "said",
    [
        "JD811461879268506590 is the dhl one",  # passes mod 97, but JD is no IBAN country
        "1Z 856 AA1 28 0232 8835 shows delivered",  # a UPS number in its printed groups
        "imei 354542841036646",  # a phone's serial passes Luhn by design
        "charged twice, 502.61 and 446.71",
    ],
)
def test_a_parcel_s_a_device_s_numbers_and_a_verb_before_amounts_stay(said: str) -> None:
    assert MASK.text(said) == said


def test_an_iban_of_a_country_that_has_them_is_still_found() -> None:
    assert MASK.text("IBAN DE89 3704 0044 0532 0130 00") == "IBAN [bank]"
