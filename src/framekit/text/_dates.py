"""Dates with a day in them: "March fourteenth" -> "March 14", "the 14th of March" -> "14 March".

Why only next to a month: an ordinal alone is seldom a date ("the first time", "the
second one"), and the intent engine reads "on the third" itself. The caller's order
is kept: the month said first gives "March 14", the day said first gives
"14 March"; "the", "of" and ordinal endings are dropped, the month gets its capital.

* month then day: "March fourteenth", "March the 14th", "March fourteen" (a day in
  words without an ordinal ending too, after a month written with a capital and
  not "May": "we march four miles", "May one of us come?" stay);
* day then month: "the fourteenth of March", "14th of March", "fourteenth March"
  ("May" needs "of" or a day in digits, so "a second may I ask" stays);
* a year right after the date, behind a space or a comma: "twenty twenty six",
  "two thousand and six", "nineteen ninety nine" -> "2026", "2006", "1999"
  (1900-2099): "March fourteenth, twenty twenty six" -> "March 14, 2026".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from framekit.text._tokens import Edit, Token, joined, number_joint, numeric, original
from framekit.text.numbers import ORDINALS, number_runs, small_number

__all__ = ["date_edits"]

_MONTHS = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
})  # fmt: skip
_YEAR_SEPARATOR = re.compile(r"\s+|,\s*")
_YEARS = range(1900, 2100)
_LONGEST_YEAR = 6
"""Words in the longest year said: "two thousand and twenty six" has five."""


@dataclass(frozen=True, slots=True)
class _Day:
    value: int
    stop: int
    spoken: bool
    """Written in words or with an ending ("fourteenth", "14th"): rewritten, not kept."""
    ordinal: bool


@dataclass(frozen=True, slots=True)
class _Year:
    text: str
    stop: int
    spoken: bool


def date_edits(toks: Sequence[Token], claimed: Sequence[bool]) -> list[Edit]:
    """An edit for every date with a month and a day among ``toks``."""
    edits: list[Edit] = []
    for i, token in enumerate(toks):
        if token.lower not in _MONTHS or claimed[i]:
            continue
        taken = edits[-1].stop if edits else 0
        free = next((k for k in range(i + 1, len(toks)) if claimed[k]), len(toks))
        for edit in (_day_first(toks, i), _month_first(toks[:free], i)):
            if edit is None or edit.first < taken or any(claimed[edit.first : edit.stop]):
                continue
            edits.append(edit)
            break
    return edits


def _clock_word_at(toks: Sequence[Token], k: int) -> bool:
    """Whether a clock word follows the day ("March 3rd pm", "March 3rd past"): nonsense
    as said, and once the day is in digits it would read as a time."""
    after = [t.lower for t in toks[k : k + 2]]
    if after[:1] in (["am"], ["pm"], ["o'clock"], ["oclock"], ["past"]):
        return True
    return after in (["a", "m"], ["p", "m"], ["o", "clock"])


def _month(token: Token) -> str:
    return token.text[0].upper() + token.text[1:].lower()


def _day(toks: Sequence[Token], i: int, *, cardinal: bool) -> _Day | None:
    """A day of the month at ``i``: "14th", "14", "fourteenth", "twenty first", "fourteen"."""
    if i < 0 or i >= len(toks):
        return None
    token = toks[i]
    if token.kind in ("ordinal", "digits") and len(token.text.rstrip("stndrh")) <= 2:
        value = int(token.text.rstrip("stndrh"))
        ordinal = token.kind == "ordinal"
        return _Day(value, i + 1, ordinal, ordinal) if 1 <= value <= 31 else None
    if token.kind != "word":
        return None
    word = token.lower
    if word in ("twenty", "thirty") and joined(toks, i + 1, hyphen=True):
        unit = toks[i + 1].lower
        value = 0
        if ORDINALS.get(unit, 10) < 10:
            value, ordinal = ORDINALS[unit], True
        elif cardinal and toks[i + 1].kind == "word" and unit not in ("o", "oh", "nil"):
            value, ordinal = (small_number(unit) or 0), False
        if 0 < value < 10 and (day := (20 if word == "twenty" else 30) + value) <= 31:
            return _Day(day, i + 2, True, ordinal)
    if word in ORDINALS:
        return _Day(ORDINALS[word], i + 1, True, True)
    number = small_number(word) if cardinal and word not in ("o", "oh", "nil") else None
    if number is not None and 1 <= number <= 31:
        return _Day(number, i + 1, True, False)
    return None


def _year(toks: Sequence[Token], k: int) -> _Year | None:
    """A year (1900-2099) at ``k`` behind a space or a comma, in digits or in words."""
    if k >= len(toks) or _YEAR_SEPARATOR.fullmatch(toks[k].before) is None:
        return None
    if toks[k].kind == "digits":
        year = toks[k].text
        return _Year(year, k + 1, False) if len(year) == 4 and int(year) in _YEARS else None
    for length in range(min(_LONGEST_YEAR, len(toks) - k), 1, -1):
        words = toks[k : k + length]
        if any(t.kind != "word" for t in words) or not all(
            joined(toks, j, hyphen=True) for j in range(k + 1, k + length)
        ):
            continue
        runs = number_runs([t.lower for t in words])
        if len(runs) == 1 and (runs[0].start, runs[0].end) == (0, length):
            digits = runs[0].digits
            if len(digits) == 4 and int(digits) in _YEARS and not _number_at(toks, k + length):
                return _Year(digits, k + length, True)
    return None


def _number_at(toks: Sequence[Token], k: int) -> bool:
    """Whether a number goes on at ``k``: then the words before it are not a year alone."""
    return number_joint(toks, k) and numeric(toks[k])


def _with_year(toks: Sequence[Token], first: int, stop: int, text: str, changed: bool) -> Edit:
    year = _year(toks, stop)
    if year is not None:
        text += toks[stop].before + year.text
        changed = changed or year.spoken
        stop = year.stop
    return Edit(first, stop, text if changed else original(toks, first, stop))


def _month_first(toks: Sequence[Token], m: int) -> Edit | None:
    """ "March fourteenth", "March the 14th", "March fourteen twenty twenty six"."""
    month = toks[m]
    j = m + 1
    the = j < len(toks) and toks[j].lower == "the" and joined(toks, j)
    j += the
    if not joined(toks, j):
        return None
    day = _day(toks, j, cardinal=month.text[0].isupper() and month.lower != "may")
    if day is None or (month.text == "may" and not day.ordinal):
        return None
    if not day.ordinal and not the and _year(toks, day.stop) is None:
        year = _year(toks, j)  # "March twenty twenty six": a month and a year, no day
        if year is not None:
            return Edit(m, year.stop, f"{_month(month)} {year.text}")
    # "march 4" keeps its casing unless a word in it is rewritten
    if _clock_word_at(toks, day.stop):
        return None
    return _with_year(toks, m, day.stop, f"{_month(month)} {day.value}", day.spoken or the)


def _day_first(toks: Sequence[Token], m: int) -> Edit | None:
    """ "the fourteenth of March", "14th of March", "fourteenth March"."""
    month = toks[m]
    k = m - 1
    of = k >= 0 and toks[k].lower == "of" and joined(toks, m)
    if of:
        k -= 1
    if not joined(toks, k + 1):
        return None
    day = None
    for start in (k - 1, k):
        found = _day(toks, start, cardinal=False)
        if found is not None and found.stop == k + 1:
            day = found
            break
    if day is None or not (day.ordinal or (toks[start].kind == "digits" and not of)):
        return None  # "28 of may" is no written form to keep
    if not of and month.lower == "may" and toks[start].kind == "word":
        return None  # "a second May I ask"
    first = start
    the = start > 0 and toks[start - 1].lower == "the" and joined(toks, start)
    if the and (day.spoken or of):  # "the 24 march" is not rewritten, so keeps its "the"
        first = start - 1
    if first > 0 and toks[first - 1].lower in ("past", "to"):
        return None  # "ten past 3rd March" would read "ten past 3" once written
    changed = day.spoken or of or first < start
    return _with_year(toks, first, m + 1, f"{day.value} {_month(month)}", changed)
