"""What a caller said, written once the way people write it: digits, dates, times, emails.

Why in one place for every engine: Moonshine writes "four two seven one nine",
Whisper "4 2 7 1 9" or "42,719", Deepgram "42719"; the dialogue, the LLM and the
call records should all see one form, whichever recognizer heard the caller. The
speech-to-text processors apply :func:`written_form` to every transcript they push
(``written_forms=False`` turns it off).

The finders run in this order, and a later one never touches what an earlier one
rewrote: emails (:mod:`._emails`), times (:mod:`._times`), dates (:mod:`._dates`),
numbers (:mod:`._digits`); their docstrings state the rules. Everything else
(punctuation, casing, spacing) is left exactly as the recognizer wrote it, and the
written form of a written form is itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from framekit.text._dates import date_edits
from framekit.text._digits import number_edits
from framekit.text._emails import email_edits
from framekit.text._times import time_edits
from framekit.text._tokens import Edit, Token, apply, numeric, tokens

__all__ = ["written_form"]

_FINDERS = (email_edits, time_edits, date_edits, number_edits)


def written_form(text: str) -> str:
    """``text`` with spoken numbers, dates, times and email addresses written.

    "my order is four two seven one nine" -> "my order is 42719";
    "March fourteenth at three thirty p m" -> "March 14 at 3:30 PM";
    "john dot smith at gmail dot com" -> "john.smith@gmail.com". Pure and fast
    (regular expressions and small tables, no model).
    """
    toks = tokens(text)
    if not toks:
        return text
    claimed = [False] * len(toks)
    edits: list[Edit] = []
    for find in _FINDERS:
        for edit in find(toks, claimed):
            if _glued(toks, edit):
                continue
            edits.append(edit)
            claimed[edit.first : edit.stop] = [True] * (edit.stop - edit.first)
    return apply(text, toks, edits)


def _glued(toks: Sequence[Token], edit: Edit) -> bool:
    """Whether the stretch is stuck to a word or number outside it ("B12", "7pm42", "1,0004")."""
    return (edit.first > 0 and _stuck(toks[edit.first - 1], toks[edit.first])) or (
        edit.stop < len(toks) and _stuck(toks[edit.stop - 1], toks[edit.stop])
    )


def _stuck(left: Token, right: Token) -> bool:
    """Whether two neighbouring tokens would read as one once written: "1,four hundred"."""
    if not right.before or "@" in right.before:
        return True
    return right.before in (",", ".", ":") and numeric(left) and numeric(right)
