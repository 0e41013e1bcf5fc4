"""Clock times as one written form: "3:30 PM", "10 AM", "10:00".

Why these rules: a number is a time only when something says so, or "three
thirty" (a price, a room, a count) would become 3:30. What says so:

* "a m" / "p m" / "am" / "pm" / "a.m." after an hour (1-12), with or without
  minutes: "three thirty p m", "3.30 pm", "3pm", "ten a m" -> "3:30 PM", "3 PM", "10 AM";
* "o'clock" after an hour: "ten o'clock" -> "10:00";
* "past" (and "to" after "quarter" or "... minutes"): "half past three" -> "3:30",
  "quarter to four" -> "3:45"; "ten to five" stays, it is also a range;
* a cue word before an hour and minutes ("at", "by", "around", "until", ...):
  "at three thirty", "by 3.30" -> "3:30"; an hour alone ("at three") stays.

AM and PM are written in capitals after a space; minutes always have two digits;
"09:30" without AM or PM is kept as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from framekit.text._tokens import Edit, Token, joined, number_joint, numeric
from framekit.text.numbers import small_number

__all__ = ["time_edits"]

_CUES = frozenset(
    {"at", "by", "around", "about", "until", "till", "til", "before", "after", "from"}
)
_OCLOCK = frozenset(("o'clock", "oclock"))
_WORD_HOURS = frozenset({
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve",
})  # fmt: skip
_DETERMINERS = frozenset({"which", "this", "that", "the", "no", "every", "each", "any", "some"})
"""Before "one am" they make "one" a pronoun: "which one am I"."""


@dataclass(frozen=True, slots=True)
class _Marker:
    text: str
    stop: int
    end: int | None


def time_edits(toks: Sequence[Token], claimed: Sequence[bool]) -> list[Edit]:
    """An edit for every spoken or loosely written clock time among ``toks``."""
    edits: list[Edit] = []
    i = 0
    while i < len(toks):
        edit = None if claimed[i] else _time_at(toks, i)
        taken = edits[-1].stop if edits else 0
        if edit is not None and edit.first >= taken and not any(claimed[edit.first : edit.stop]):
            edits.append(edit)
            i = edit.stop
        else:
            i += 1
    return edits


def _time_at(toks: Sequence[Token], i: int) -> Edit | None:
    return _past(toks, i) or _written(toks, i) or _spoken(toks, i)


def _hour(toks: Sequence[Token], i: int) -> int | None:
    """An hour at token ``i``: a word one to twelve, or one or two digits up to 23."""
    if i >= len(toks):
        return None
    token = toks[i]
    if token.kind == "word":
        return small_number(token.lower) if token.lower in _WORD_HOURS else None
    if token.kind == "digits" and len(token.text) <= 2 and (i == 0 or token.before):
        hour = int(token.text)
        return hour if hour <= 23 else None
    return None


def _minutes(toks: Sequence[Token], i: int) -> tuple[int, int] | None:
    """Minutes after an hour, in words: "thirty", "forty five", "oh five"; (minutes, stop)."""
    if not joined(toks, i, hyphen=True):
        return None
    token = toks[i]
    if token.kind != "word":
        return None
    if token.lower in ("oh", "o") and joined(toks, i + 1):
        after = toks[i + 1]
        value = small_number(after.lower) if after.kind == "word" else None
        return (value, i + 2) if value is not None and value < 10 else None
    value = small_number(token.lower)
    if value is None or not 10 <= value <= 59:
        return None
    if i + 1 < len(toks) and toks[i + 1].before == "-" and small_number(toks[i + 1].lower) is None:
        return None  # "twenty-first" is not minutes
    if value % 10 == 0 and value >= 20 and joined(toks, i + 1, hyphen=True):
        unit = small_number(toks[i + 1].lower) if toks[i + 1].kind == "word" else None
        if unit is not None and 0 < unit < 10:
            return value + unit, i + 2
    return value, i + 1


def _marker(toks: Sequence[Token], k: int) -> _Marker | None:
    """AM or PM at token ``k``: "am", "PM", "a m", "p.m." (its closing dot kept mid-sentence)."""
    if k >= len(toks) or not (toks[k].before == "" or toks[k].before.isspace()):
        return None
    word = toks[k].lower
    if word in ("am", "pm"):
        return _Marker(word.upper(), k + 1, None)
    m = k + 1
    if word in ("a", "p") and m < len(toks) and toks[m].lower == "m":
        if toks[m].before.strip() not in ("", "."):
            return None
        end = None
        after = toks[m + 1] if m + 1 < len(toks) else None
        if (
            toks[m].before.startswith(".")
            and after is not None
            and after.before.startswith(".")
            and after.before[1:].isspace()
            and not after.text[0].isupper()
        ):
            end = toks[m].end + 1  # "3 p.m. on Friday": the dot belongs to "p.m."
        return _Marker(f"{word.upper()}M", m + 1, end)
    return None


def _oclock(toks: Sequence[Token], k: int) -> int | None:
    if not joined(toks, k):
        return None
    if toks[k].lower in _OCLOCK:
        return k + 1
    if toks[k].lower == "o" and joined(toks, k + 1) and toks[k + 1].lower == "clock":
        return k + 2
    return None


def _cued(toks: Sequence[Token], i: int) -> bool:
    return i > 0 and toks[i - 1].lower in _CUES and joined(toks, i)


def _number_follows(toks: Sequence[Token], k: int) -> bool:
    """Whether a number goes on at ``k`` ("at 10 15 20" is not a time but a digit string)."""
    return number_joint(toks, k) and numeric(toks[k])


def _pronoun(toks: Sequence[Token], i: int, marker: _Marker) -> bool:
    """ "which one am I": "am" after a number word that is not an hour."""
    if toks[marker.stop - 1].lower != "am" or toks[i].kind != "word":
        return False
    after = toks[marker.stop].lower if marker.stop < len(toks) else ""
    before = toks[i - 1].lower if i > 0 else ""
    return after == "i" or before in _DETERMINERS


def _spoken(toks: Sequence[Token], i: int) -> Edit | None:
    """An hour, maybe minutes, then AM/PM, o'clock, or a cue word before it all."""
    hour = _hour(toks, i)
    if hour is None:
        return None
    # minutes in words after an hour in words; digits are written "3:30" or "3.30"
    minutes = _minutes(toks, i + 1) if toks[i].kind == "word" else None
    k = minutes[1] if minutes is not None else i + 1
    marker = _marker(toks, k)
    if marker is not None and 1 <= hour <= 12 and not _pronoun(toks, i, marker):
        text = f"{hour} {marker.text}"
        if minutes is not None:
            text = f"{hour}:{minutes[0]:02d} {marker.text}"
        return Edit(i, marker.stop, text, marker.end)
    if minutes is None:
        stop = _oclock(toks, k)
        if stop is None or not 1 <= hour <= 12:
            return None
        marker = _marker(toks, stop)
        if marker is not None:
            return Edit(i, marker.stop, f"{hour} {marker.text}", marker.end)
        return Edit(i, stop, f"{hour}:00")
    if _cued(toks, i) and not _number_follows(toks, minutes[1]):
        return Edit(i, minutes[1], f"{hour}:{minutes[0]:02d}")
    return None


def _written(toks: Sequence[Token], i: int) -> Edit | None:
    """ "3:30", "3:30pm", "3.30 pm", "at 3.30": a written time, with its marker if any."""
    token = toks[i]
    if token.kind not in ("clock", "decimal"):
        return None
    hour_text, minute_text = token.text.replace(".", ":").split(":")
    hour, minute = int(hour_text), int(minute_text)
    if len(minute_text) != 2 or hour > 23 or minute > 59:
        return None
    marker = _marker(toks, i + 1)
    if marker is not None and 1 <= hour <= 12:
        return Edit(i, marker.stop, f"{hour}:{minute_text} {marker.text}", marker.end)
    if token.kind == "clock":
        return Edit(i, i + 1, token.text)
    if _cued(toks, i) and not _number_follows(toks, i + 1):
        return Edit(i, i + 1, f"{hour}:{minute_text}")
    return None


def _past(toks: Sequence[Token], i: int) -> Edit | None:
    """ "half past three", "quarter to four", "twenty five minutes past six"."""
    word = toks[i].lower
    first = i
    if word in ("half", "quarter"):
        minutes, j = (30 if word == "half" else 15), i + 1
        if i > 0 and toks[i - 1].lower == "a" and joined(toks, i):
            first = i - 1  # "a quarter past three"
    else:
        value = small_number(word) if toks[i].kind in ("word", "digits") else None
        if value is None or not 1 <= value <= 29:
            return None
        minutes, j = value, i + 1
        if value == 20 and joined(toks, j, hyphen=True):
            unit = small_number(toks[j].lower) if toks[j].kind == "word" else None
            if unit is not None and 0 < unit < 10:
                minutes, j = value + unit, j + 1
    explicit = j < len(toks) and toks[j].lower in ("minutes", "minute") and joined(toks, j)
    j += explicit
    if not joined(toks, j):
        return None
    relation = toks[j].lower
    if relation != "past" and not (relation == "to" and (word == "quarter" or explicit)):
        return None
    hour = _hour(toks, j + 1) if joined(toks, j + 1) else None
    if hour is None or not 1 <= hour <= 12:
        return None
    if relation == "to":
        hour, minutes = (hour - 1) or 12, 60 - minutes
    stop = j + 2
    oclock = _oclock(toks, stop)
    stop = oclock if oclock is not None else stop
    marker = _marker(toks, stop)
    if marker is not None:
        return Edit(first, marker.stop, f"{hour}:{minutes:02d} {marker.text}", marker.end)
    return Edit(first, stop, f"{hour}:{minutes:02d}")
