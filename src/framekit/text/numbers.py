"""Numbers as callers say them and as speech recognition writes them.

Why our own: an order number read out on the phone is a string of digits
("four two seven one", "four oh seven one", "double seven"), pairs
("forty two seventy one") or, rarely, a cardinal ("four thousand two hundred
and seventy one"); ASR writes any of those, or "4271", "42 71", "4-2-7-1".
Cardinal parsers (and dateparser) get the first two wrong, so digit strings and
cardinals are told apart here: a run of number words with a scale word
(hundred, thousand) is a cardinal, any other run is read group by group and the
groups' digits are concatenated.

Shared by the intent engine's slot rules and :func:`framekit.text.written_form`, so that
both read a number the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ORDINALS",
    "SCALES",
    "WEAK_WORDS",
    "NumberRun",
    "is_number_word",
    "number_runs",
    "small_number",
    "tokenize",
]

_UNITS = {
    "zero": 0, "oh": 0, "o": 0, "nought": 0, "nil": 0,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17,
    "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
"""Ordinal words of the days of a month (the parts of "twenty first" are read in turn)."""
_REPEAT = {"double": 2, "triple": 3}
# Words that are numbers only next to other numbers ("o" and "oh" are letters or
# interjections alone, "nil" is rare): they never start a run by themselves.
_WEAK = {"o", "oh", "nil"}

SCALES: Mapping[str, int] = MappingProxyType(_SCALES)
"""Words that multiply what comes before them, and by how much: "hundred" is 100."""
WEAK_WORDS = frozenset(_WEAK)
"""Words that are numbers only next to other number words ("oh" in "nine oh five")."""

_TOKEN = re.compile(r"\d+(?:st|nd|rd|th)\b|\d+:\d\d|\d+|[a-z]+(?:'[a-z]+)?")


def tokenize(text: str) -> list[str]:
    """Lower-case word and digit tokens; "4-2-7-1" gives four tokens, "14:30" one."""
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def small_number(token: str) -> int | None:
    """The value of one number word or digit token (0-99 in words), else ``None``."""
    if token.isdigit():
        return int(token)
    for table in (_UNITS, _TEENS, _TENS):
        if token in table:
            return table[token]
    return None


def is_number_word(token: str) -> bool:
    """Whether a lower-case token can be part of a spoken number ("4", "forty", "double")."""
    return (
        token.isdigit()
        or token in _UNITS
        or token in _TEENS
        or token in _TENS
        or token in _SCALES
        or token in _REPEAT
    )


@dataclass(frozen=True, slots=True)
class NumberRun:
    """Consecutive number tokens: their digits as read out, and their span in the tokens."""

    digits: str
    start: int
    end: int


def number_runs(tokens: Sequence[str]) -> list[NumberRun]:
    """Every maximal run of number tokens, each read as digits (see the module docstring)."""
    runs: list[NumberRun] = []
    i = 0
    while i < len(tokens):
        if not is_number_word(tokens[i]) or tokens[i] in _WEAK:
            i += 1
            continue
        j = i
        while j < len(tokens) and (
            is_number_word(tokens[j])
            # "and" only inside a cardinal: "two hundred and seventy one"
            or (
                tokens[j] == "and"
                and j + 1 < len(tokens)
                and tokens[j - 1] in _SCALES
                and is_number_word(tokens[j + 1])
            )
        ):
            j += 1
        digits = _read(tokens[i:j])
        if digits:
            runs.append(NumberRun(digits, i, j))
        i = j
    return runs


def _read(run: Sequence[str]) -> str:
    if any(t in _SCALES for t in run):
        value = _cardinal([t for t in run if t != "and"])
        return "" if value is None else str(value)
    return _digit_groups(run)


def _cardinal(run: Sequence[str]) -> int | None:
    """Standard cardinal reading; "forty two hundred" is 4200."""
    total = current = 0
    for token in run:
        if token in _SCALES:
            scale = _SCALES[token]
            current = max(current, 1) * scale
            if scale >= 1000:
                total, current = total + current, 0
        else:
            value = small_number(token)
            if value is None:
                return None
            current += value
    return total + current


def _digit_groups(run: Sequence[str]) -> str:
    out: list[str] = []
    repeat = 1
    i = 0
    while i < len(run):
        token = run[i]
        if token in _REPEAT:
            repeat = _REPEAT[token]
            i += 1
            continue
        if token.isdigit():
            group = token
        elif token in _TENS:
            value = _TENS[token]
            if i + 1 < len(run) and run[i + 1] in _UNITS and _UNITS[run[i + 1]] > 0:
                value += _UNITS[run[i + 1]]
                i += 1
            group = str(value)
        else:
            group = str(small_number(token))
        out.append(group * repeat)
        repeat = 1
        i += 1
    return "".join(out)
