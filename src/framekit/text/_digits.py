"""Runs of number words and digits written as one number, the way a listener groups them.

Why: recognizers write one order number as "four two seven one nine",
"forty-two, seventy-one, nine", "4 2 7 1 9" or "42,719"; all become "42719"
(:func:`~framekit.text.numbers.number_runs` reads them). The rules:

* two or more number tokens in a row (after spaces, hyphens or commas) are one
  number: digits said one by one or in pairs are concatenated ("double seven" is
  "77", "nine oh five" "905"), a run with "hundred", "thousand" or "million" is a
  cardinal ("two hundred and five" is "205", "a hundred and fifty" "150");
* a single number word stays a word: "this one", "no one", "one moment", "I need
  two"; so does a scale word alone ("a hundred", "thanks a million");
* some runs stay as said, because their reading is unsure: two single digits
  ("two three", "2 3": a range as often as a number), and an hour one to twelve
  followed by minutes ("three thirty", "eleven forty five": a time, a price or a
  room; with "at" or "pm" it is a time, see :mod:`._times`);
* a cardinal said with pauses is one number ("two million, three hundred thousand");
  any other run that crosses a comma is one number only when it gives four digits or
  more and each piece reads digits out (no "hundred", nothing past 99): an order or
  phone number read in groups; "twenty, one of them" and "100, 200, 300" stay;
* "twenty four seven" and "fifty fifty" are written "24/7" and "50/50";
* "42,719" loses its thousands separators; decimals ("3.5") stay as written.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

from framekit.text._tokens import Edit, Token, joined, number_joint
from framekit.text.numbers import (
    SCALES,
    WEAK_WORDS,
    is_number_word,
    number_runs,
    small_number,
)

__all__ = ["number_edits"]

_IDIOMS = {("twenty", "four", "seven"): "24/7", ("fifty", "fifty"): "50/50"}
_REPEATS = frozenset(("double", "triple"))
_NOT_A_NUMBER = "|"
_MIN_DIGITS_ACROSS_COMMAS = 4


def number_edits(toks: Sequence[Token], claimed: Sequence[bool]) -> list[Edit]:
    """An edit for every run of number tokens among ``toks`` that is written as one number."""
    values = [_value(toks, k) for k in range(len(toks))]
    edits: list[Edit] = []
    for first, stop in _segments(toks, claimed):
        edits += _read(toks, values, claimed, first, stop)
    return edits


def _segments(toks: Sequence[Token], claimed: Sequence[bool]) -> Iterator[tuple[int, int]]:
    """Stretches of unclaimed tokens that a number may run through."""
    i = 0
    while i < len(toks):
        if claimed[i]:
            i += 1
            continue
        j = i + 1
        while j < len(toks) and not claimed[j] and number_joint(toks, j):
            j += 1
        yield i, j
        i = j


def _value(toks: Sequence[Token], k: int) -> str:
    """What :func:`number_runs` reads for token ``k``; digits glued to letters ("B12") are not."""
    token = toks[k]
    if token.kind == "word":
        return token.lower
    glued = (k > 0 and not token.before) or (k + 1 < len(toks) and not toks[k + 1].before)
    if token.kind == "digits" and not glued:
        return token.text
    if token.kind == "grouped" and not glued:
        return token.text.replace(",", "")
    return _NOT_A_NUMBER


def _read(
    toks: Sequence[Token], values: Sequence[str], claimed: Sequence[bool], first: int, stop: int
) -> list[Edit]:
    edits: list[Edit] = []
    for run in number_runs(values[first:stop]):
        edits += _write(toks, values, claimed, first + run.start, first + run.end, run.digits)
    return edits


def _write(
    toks: Sequence[Token],
    values: Sequence[str],
    claimed: Sequence[bool],
    first: int,
    stop: int,
    digits: str,
) -> list[Edit]:
    """The edit for one run, or none where it stays as said (see the module docstring)."""
    said = tuple(values[first:stop])
    if _loose_end(toks, said, stop):  # "two oh", "nine double"
        return _read(toks, values, claimed, first, stop - 1)
    commas = [k for k in range(first + 1, stop) if "," in toks[k].before]
    if commas:
        pieces = list(zip([first, *commas], [*commas, stop], strict=True))
        kinds = [_digit_piece(values[a:b]) for a, b in pieces]
        cardinal = _one_cardinal([values[a:b] for a, b in pieces])
        if not cardinal and (not all(kinds) or len(digits) < _MIN_DIGITS_ACROSS_COMMAS):
            edits: list[Edit] = []
            for a, b in _comma_groups(pieces, kinds, split_all=all(kinds)):
                edits += _read(toks, values, claimed, a, b)
            return edits
    if len(said) == 1:
        return [Edit(first, stop, digits)] if toks[first].kind == "grouped" else []
    if said in _IDIOMS:
        return [Edit(first, stop, _IDIOMS[said])]
    if (len(said) == 2 and all(_single_digit(v) for v in said)) or _clock_like(toks, first, said):
        return []
    if said[0] in SCALES and _takes_a(toks, values, claimed, first):
        first -= 1  # "a hundred and fifty"
    return [Edit(first, stop, digits)]


def _loose_end(toks: Sequence[Token], said: tuple[str, ...], stop: int) -> bool:
    """Whether the run's last word is not part of it: "double" at the end, or an "oh" that
    ends a short run or comes after a comma ("nine oh two one oh" is 90210)."""
    if said[-1] in _REPEATS:
        return True
    return said[-1] in WEAK_WORDS and (len(said) < 3 or "," in toks[stop - 1].before)


def _takes_a(
    toks: Sequence[Token], values: Sequence[str], claimed: Sequence[bool], first: int
) -> bool:
    """Whether the "a" before a run's scale word is part of it ("a hundred and fifty").

    Not when a number (or "and") stands before the "a": the two would read as one
    afterwards.
    """
    if first == 0 or values[first - 1] != "a" or not joined(toks, first) or claimed[first - 1]:
        return False
    before = first - 2
    if before < 0 or not number_joint(toks, first - 1):
        return True
    return values[before] != "and" and not is_number_word(values[before])


def _comma_groups(
    pieces: Sequence[tuple[int, int]], kinds: Sequence[bool], *, split_all: bool
) -> list[tuple[int, int]]:
    """Where a run that is not one number is read again: each piece alone (``split_all``),
    or runs of digit pieces together and every other piece alone ("thirty thousand, and
    thirty, ten" is "30000, and 3010", as it reads when written)."""
    groups: list[tuple[int, int]] = []
    previous = False
    for (a, b), digit in zip(pieces, kinds, strict=True):
        if digit and previous and not split_all:
            groups[-1] = (groups[-1][0], b)
        else:
            groups.append((a, b))
        previous = digit
    return groups


def _one_cardinal(pieces: Sequence[Sequence[str]]) -> bool:
    """Whether pieces between commas are one cardinal said with pauses: each ends in a scale
    word larger than the next piece's ("ninety-nine million, two hundred thousand, three
    hundred and five"); "one hundred, two hundred" is a list."""
    largest = [max((SCALES.get(v, 0) for v in piece), default=0) for piece in pieces]
    return (
        all(piece[-1] in SCALES for piece in pieces[:-1])
        and all(value > 0 for value in largest)
        and all(a > b for a, b in itertools.pairwise(largest))
    )


def _digit_piece(said: Sequence[str]) -> bool:
    """Whether a piece between commas reads digits out: no scale word, no number past 99.

    "forty-two, seventy-one, nine" is one number; "one hundred, two hundred" and
    "100, 200" are a list.
    """
    if said[-1] in _REPEATS:  # "double, 99" is not 9999
        return False
    return not any(v in SCALES or (v.isdigit() and len(v) > 2) for v in said)


def _single_digit(value: str) -> bool:
    if value.isdigit():
        return len(value) == 1
    number = small_number(value)
    return number is not None and number < 10


def _clock_like(toks: Sequence[Token], first: int, said: tuple[str, ...]) -> bool:
    """An hour in words then minutes in words: "three thirty", "eleven forty five"."""
    if any(toks[first + k].kind != "word" for k in range(len(said))):
        return False
    hour = small_number(said[0])
    if hour is None or not 1 <= hour <= 12:
        return False
    rest = [small_number(v) for v in said[1:]]
    if len(rest) == 1:
        return rest[0] is not None and 10 <= rest[0] <= 59
    if len(rest) == 2:
        tens, unit = rest
        return tens in (20, 30, 40, 50) and unit is not None and 1 <= unit <= 9
    return False
