"""The WER normaliser: spellings that mean the same to a caller compare equal, others do not."""

from __future__ import annotations

import pytest

from accuracy.wer import corpus_word_error_rate, edit_distance, normalize_words, word_error_rate


@pytest.mark.parametrize(
    "spoken",
    [
        "4 2 7 1",
        "4271",
        "four two seven one",
        "Four-two-seven-one.",
        "forty two seventy one",
        "4,271",
        "42 71",
    ],
)
def test_order_numbers_compare_digit_by_digit(spoken: str) -> None:
    assert normalize_words(spoken) == ["4", "2", "7", "1"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one hundred and five", ["1", "0", "5"]),
        ("a hundred", ["a", "1", "0", "0"]),
        ("two thousand twenty four", ["2", "0", "2", "4"]),
        ("twenty twenty four", ["2", "0", "2", "4"]),
        ("nineteen eighty four", ["1", "9", "8", "4"]),
        ("twenty-first", ["2", "1"]),
        ("March 14th", ["march", "1", "4"]),
        ("March fourteenth", ["march", "1", "4"]),
        ("$45", ["4", "5", "dollars"]),
        ("forty-five dollars", ["4", "5", "dollars"]),
        ("3:30", ["3", "3", "0"]),
        ("three thirty", ["3", "3", "0"]),
        ("4.50", ["4", "5", "0"]),
        ("10%", ["1", "0", "percent"]),
        ("four oh seven", ["4", "0", "7"]),
        ("zero", ["0"]),
    ],
)
def test_numbers_in_words_and_digits_agree(text: str, expected: list[str]) -> None:
    assert normalize_words(text) == expected


def test_words_lose_case_and_punctuation_but_keep_apostrophes() -> None:
    assert normalize_words("Hello, I'm Sarah -- can you HELP?") == [
        "hello",
        "i'm",
        "sarah",
        "can",
        "you",
        "help",
    ]
    assert normalize_words("OK, Mr. Smith") == normalize_words("okay mister smith")


def test_oh_is_zero_only_next_to_a_number() -> None:
    assert normalize_words("Oh, I see.") == ["oh", "i", "see"]
    assert normalize_words("five oh five") == ["5", "0", "5"]


def test_and_between_plain_words_stays_a_word() -> None:
    assert normalize_words("four and it shipped") == ["4", "and", "it", "shipped"]
    assert normalize_words("one and two") == ["1", "2"]  # a listener hears two numbers


def test_different_digits_or_words_still_count_as_errors() -> None:
    assert word_error_rate("4 2 7 1", "4 2 1 7") == pytest.approx(0.5)
    assert word_error_rate("forty two", "forty three") == pytest.approx(0.5)
    assert word_error_rate("my order number", "my older number") == pytest.approx(1 / 3)
    assert word_error_rate("cancel my order", "") == 1.0
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("", "hello") == 1.0


def test_edit_distance_counts_each_kind_of_error() -> None:
    assert edit_distance(["a", "b", "c"], ["a", "b", "c"]) == 0
    assert edit_distance(["a", "b", "c"], ["a", "x", "c"]) == 1  # substitution
    assert edit_distance(["a", "b", "c"], ["a", "c"]) == 1  # deletion
    assert edit_distance(["a", "b", "c"], ["a", "b", "b", "c"]) == 1  # insertion
    assert edit_distance([], ["a", "b"]) == 2


def test_corpus_rate_pools_errors_over_all_reference_words() -> None:
    pairs = [("one two three four", "one two three four"), ("cancel it", "cancel")]
    # 1 error over 6 words, not the mean of 0 and 1/2
    assert corpus_word_error_rate(pairs) == pytest.approx(1 / 6)
    assert corpus_word_error_rate([]) == 0.0


def test_millions_are_one_number() -> None:
    said = "ninety nine million two hundred thousand three hundred and five"
    assert "".join(normalize_words(said)) == "99200305"
    assert normalize_words(said) == normalize_words("99,200,305")
