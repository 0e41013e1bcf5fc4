"""Numbers as a recognizer writes them: a digit heard as a word ("for", "to", "too",
"won", "ate"), a pause said between groups ("right", "hang on", "let me see"), an
ellipsis; and houses and boxes said the same ways. Every value case failed before the
shared reader (:mod:`framekit.privacy.kinds.spoken`, ``heard``) and the address
grammar read these forms; the look-alikes hold the same words where they are words."""

from __future__ import annotations

import pytest

from framekit.privacy.kinds.spoken import number_runs, plain_runs
from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # A homophone among digits is a digit; the checksum or the length confirms it.
        (
            "put it on my visa four won won won, one one one for... one one one one one one"
            " won one",
            "put it on my visa [card]",
        ),
        ("my social security number is for eight ate six six three one to three",
         "my social security number is [ssn]"),
        ("my phone number is four nought nine six two eight nine six nine ate",
         "my phone number is [phone]"),
        # At a run's end a homophone may be the word it is: the whole value stays whole.
        ("ss number too eight four one oh four nine seven six for the application",
         "ss number [ssn] for the application"),
        ("call me on for one five two two two nine eight seven six to confirm",
         "call me on [phone] to confirm"),
        # A pause said between groups, with the label after the number.
        ("four one one one right one one one one, hang on, one one one one okay one one one"
         " one that's the mastercard", "[card] that's the mastercard"),
        ("five three five... 516 right seven nine four is my social", "[ssn] is my social"),
        # Houses and boxes said digit by digit as heard.
        ("my address is p o box six for tulsa oklahoma seven four one oh three",
         "my address is [address]"),
        ("my address is highway contract route two box one one five bend oregon",
         "my address is [address]"),
        ("mail it to r r three box eighty eight please", "mail it to [address] please"),
        ("i live at one four eight nought three willow creek boulevard",
         "i live at [address]"),
        ("my address is one eight double seven nine old mill rd apt 2b",
         "my address is [address]"),
        ("i live at 854 and a half east seventy ninth boulevard", "i live at [address]"),
        ("i live at three won two two martin luther king junior place",
         "i live at [address]"),
        ("send it to h c three box to nine for seven zero tulsa oklahoma",
         "send it to [address]"),
        ("we moved to five o martin luther king junior boulevard", "we moved to [address]"),
        ("my address is six eight county road one hundred and seventy nine bend oregon",
         "my address is [address]"),
    ],
)  # fmt: skip
def test_heard_values_are_found_whole(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "a table for four at eight thirty on the twelfth",
        "they were two for twenty ninety nine",
        "can i come in from ten to two on tuesday the 20th",
        "we ate five of them and won three",
        "we ate two hot dogs on main street",
        "i need to order four more for the office",
        # A correction of a labelled number is the same kind of number: "too" now joins
        # the first try into sixteen digits that pass Luhn, still a tracking number.
        "tracking number three zero three three, too seven double two no sorry nought oh"
        " five nought, twenty four thirty three",
    ],
)
def test_heard_words_stay_words(said: str) -> None:
    assert MASK.text(said) == said


def test_homophones_are_read_only_when_asked() -> None:
    """The sensitive entry's reader (``heard`` off) reads a homophone as the word it is."""
    said = "six for oh nine"
    assert [r.digits for r in number_runs(said)] == ["6", "09"]
    (run,) = number_runs(said, heard=True)
    assert run.digits == "6409"


def test_a_run_keeps_its_readings_without_its_end_homophones() -> None:
    said = "for one two to confirm"
    (run,) = number_runs(said, heard=True)
    assert run.digits == "4122"
    assert sorted(r.digits for r in plain_runs(said, run)) == ["12", "122", "412"]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("yeah its four four oh uh two six one five five five oh one eight eight i think",
         "yeah its [phone] i think"),
        ("it's six one oh four one two three four five six seven eight", "it's [phone]"),
    ],
)  # fmt: skip
def test_a_country_code_said_with_the_trunk_zero_is_a_phone(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


def test_twelve_typed_digits_after_a_country_code_stay_a_reference() -> None:
    said = "it says 4405 7558 4597 on the fedex label"
    assert MASK.text(said) == said


def test_typed_digits_then_said_ones_after_a_comma_are_one_run() -> None:
    said = "four nought two nine okay 1481, 2781, six five eight one that's the mastercard"
    assert MASK.text(said) == "[card] that's the mastercard"
    (run,) = number_runs("2781, six five", heard=True)
    assert run.digits == "278165"


def test_typed_numbers_listed_with_commas_stay_apart() -> None:
    assert [r.digits for r in number_runs("rooms 12, 14 and 16", heard=True)] == ["12", "14", "16"]


def test_a_comma_then_a_homophone_before_a_said_digit_goes_on() -> None:
    assert MASK.text("663, won six, 22 um one eight is my social") == "[ssn] is my social"
    assert [r.digits for r in number_runs("page 663, won six", heard=True)] == ["66316"]
