"""Number runs: digits as people say and write them, with where they lie in the text.

Why one scanner for every numeric kind: a card, a phone or a social security number
reaches the transcript in many forms ("4111 1111 1111 1111", "four one one one...",
"double five", "forty one eleven", "um" in between), and only the digit string says
which kind it is (its length, its checksum). The scanner turns each run of number
tokens into its digits and the span it covers, once per text, and the kinds classify
the runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["NumberRun", "number_runs"]

_UNITS = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "one": "1", "two": "2", "three": "3",
    "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_TEENS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
_TENS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fourty": "4", "fifty": "5", "sixty": "6",
    "seventy": "7", "eighty": "8", "ninety": "9",
}  # fmt: skip
_REPEAT = {"double": 2, "triple": 3}
_FILLERS = frozenset({"um", "uh", "er", "erm", "uhm", "umm", "hmm", "ah", "eh", "mm", "and"})
"""Words a caller puts between digits; they never end a run (but never start one)."""

_TOKEN = re.compile(r"\+\d+|[A-Za-z\d]+|[^\sA-Za-z\d]")
"""Digits glued to letters ("CA1", "5B") are a word, not a number."""
_JOINERS = frozenset("-,./()")


@dataclass(frozen=True, slots=True)
class NumberRun:
    """Consecutive number tokens: their digits, and the text span they cover."""

    digits: str
    start: int
    end: int
    written: str
    """The run's text as it stands (for written shapes such as ``123-45-6789``)."""


class _Run:
    __slots__ = ("digits", "end", "pending", "start", "tens")

    def __init__(self, start: int) -> None:
        self.start = start
        self.end = start
        self.digits: list[str] = []
        self.tens: str | None = None  # "forty" waits for "one"
        self.pending = 1  # "double" multiplies the next digit

    def add(self, digits: str, end: int) -> None:
        self.flush_tens()
        self.digits.append(digits * self.pending)
        self.pending = 1
        self.end = end

    def flush_tens(self) -> None:
        if self.tens is not None:
            self.digits.append(self.tens + "0")
            self.tens = None


def number_runs(text: str) -> list[NumberRun]:
    """Every run of number tokens in ``text`` (single digits included), in order."""
    runs: list[NumberRun] = []
    run: _Run | None = None
    for match in _TOKEN.finditer(text):
        token = match.group()
        word = token.lower()
        if token.lstrip("+").isdigit():
            if run is None:
                if _glued(text, match.start()):  # "CA1.1790000000": part of an identifier
                    continue
                # "(555) 010-4477": the bracket is the number's
                run = _Run(match.start() - (text[match.start() - 1 : match.start()] == "("))
            run.add(token.lstrip("+"), match.end())
        elif word in _UNITS and (run is not None or _starts_run(word, text, match.end())):
            if run is None:
                run = _Run(match.start())
            if run.tens is not None and run.pending == 1:
                run.digits.append(run.tens + _UNITS[word])
                run.tens = None
                run.end = match.end()
            else:
                run.add(_UNITS[word], match.end())
        elif word in _TEENS:
            if run is None:
                run = _Run(match.start())
            run.add(_TEENS[word], match.end())
        elif word in _TENS:
            if run is None:
                run = _Run(match.start())
            run.flush_tens()
            run.tens = _TENS[word]
            run.end = match.end()
        elif word == "hundred" and run is not None and run.digits:
            run.flush_tens()
            run.digits.append("00")
            run.end = match.end()
        elif word in _REPEAT:
            if run is None:
                run = _Run(match.start())
            run.pending = _REPEAT[word]
        elif run is not None and (word in _FILLERS or token in _JOINERS):
            continue
        elif run is not None:
            runs.append(_finish(run, text))
            run = None
    if run is not None:
        runs.append(_finish(run, text))
    return [r for r in runs if r.digits]


def _glued(text: str, at: int) -> bool:
    """Whether the digits at ``at`` continue a word through ``.``, ``_``, ``/``, ``:`` or ``-``."""
    return at >= 2 and text[at - 1] in "._/:-" and text[at - 2].isalnum()


def _starts_run(word: str, text: str, at: int) -> bool:
    """A digit word starts a run, except "oh" or "o" not followed by a number ("oh, I see")."""
    if word not in ("o", "oh"):
        return True
    match = _TOKEN.search(text, at)
    if match is None:
        return False
    word = match.group().lower()
    return word.isdigit() or word in _UNITS or word in _REPEAT


def _finish(run: _Run, text: str) -> NumberRun:
    run.flush_tens()
    digits = "".join(run.digits)
    return NumberRun(digits, run.start, run.end, text[run.start : run.end])
