"""Numbers as callers say them, shared by the intent engine and the written forms."""

from __future__ import annotations

import pytest

from framekit.text.numbers import is_number_word, number_runs, small_number, tokenize


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("four two seven one", ["4271"]),
        ("forty two seventy one", ["4271"]),
        ("four oh seven one", ["4071"]),
        ("double seven three", ["773"]),
        ("four thousand two hundred and seventy one", ["4271"]),
        ("4-2-7-1", ["4271"]),
        ("order 42 71 and then 9", ["4271", "9"]),
        ("oh hello", []),
    ],
)
def test_number_runs_read_digits_the_way_a_listener_groups_them(
    said: str, digits: list[str]
) -> None:
    assert [run.digits for run in number_runs(tokenize(said))] == digits


def test_tokens_and_small_numbers() -> None:
    assert tokenize("It's 14:30, the 3rd\u2019s") == ["it's", "14:30", "the", "3rd", "s"]
    assert [small_number(t) for t in ("oh", "seventeen", "ninety", "42", "hundred")] == [
        0,
        17,
        90,
        42,
        None,
    ]
    assert is_number_word("double")
    assert is_number_word("7")
    assert not is_number_word("first")
