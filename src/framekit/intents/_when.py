"""Dates and times the way callers say them, resolved against a given "now".

Why our own parser and not dateparser: callers say a handful of forms
("next Friday at 2 PM", "tomorrow morning", "the 3rd of December at half past
ten", "in two days"), ASR writes them lower-case in words or digits, and a
small parser that knows exactly these forms is predictable, instant and has no
dependencies. Conventions (chosen for booking calls and documented in
``docs/intents.md``):

* a weekday alone, "this <weekday>" and "next <weekday>" all mean the first such
  day after today; "<weekday> next week" means that day of the following week;
* a day and month already past this year means next year;
* an hour said without am/pm is a business hour: 1-7 is afternoon, 8-11 morning;
  "morning", "afternoon" and "evening" alone mean 9:00, 14:00 and 18:00;
* "the 14th" (no month) is the next 14th from today; a day of the month wins over
  a weekday said with it ("Monday the 21st");
* what follows "not" is what the caller does not want ("not Tuesday, Thursday").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from framekit.text.numbers import ORDINALS, small_number, tokenize

__all__ = ["When", "parse_when"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10,
    "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_PARTS = {
    "morning": (9, False), "afternoon": (14, True), "evening": (18, True),
    "tonight": (19, True), "night": (19, True), "lunchtime": (12, True),
}  # fmt: skip
_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7}
_TIME_UNITS = {"hour": 60, "hours": 60, "minute": 1, "minutes": 1}
_ORDINAL_DIGITS = re.compile(r"^(\d+)(?:st|nd|rd|th)$")


@dataclass(frozen=True, slots=True)
class When:
    """What a caller said about a moment: a day, a time of day, or both (either may be missing)."""

    date: dt.date | None = None
    time: dt.time | None = None
    vague: bool = False
    """The time is a part of the day ("morning": 9:00), not a time the caller said."""

    @property
    def empty(self) -> bool:
        return self.date is None and self.time is None


def parse_when(text: str, now: dt.datetime, *, expect_time: bool = False) -> When:
    """The date and time in ``text``, relative to ``now``.

    ``expect_time``: the caller was just asked for a time, so a bare number
    ("two thirty") is a time even without "at" or "pm".
    """
    tokens = [_plain(token) for token in tokenize(text)]
    if "from" in tokens and "to" in tokens[tokens.index("from") :]:
        # "move it from Friday the 18th at nine to Saturday the 19th at eleven"
        target = len(tokens) - 1 - tokens[::-1].index("to")
        after = parse_when(" ".join(tokens[target + 1 :]), now, expect_time=expect_time)
        if not after.empty:
            return after
    fix = _last_correction(tokens)
    if fix is not None and fix < len(tokens):
        # "Thursday at 3, sorry, no, Friday": what follows the correction wins, and the
        # part it leaves out ("Friday" keeps "at 3") comes from before it
        after = parse_when(" ".join(tokens[fix:]), now, expect_time=expect_time)
        before = parse_when(" ".join(tokens[:fix]), now, expect_time=expect_time)
        if not after.empty:
            return When(after.date or before.date, after.time or before.time, after.vague)
    used = [False] * len(tokens)
    for i, token in enumerate(tokens[:-1]):
        if token == "not":  # "not Tuesday", "not ten", "not the 14th"
            for k in range(i + 1, min(i + 3, len(tokens))):
                used[k] = True
                if tokens[k] != "the":
                    break
        elif tokens[i : i + 2] in (["rather", "than"], ["instead", "of"]):
            # "rather than coming in on Saturday, ... Friday at one": not Saturday
            for k in range(i + 2, min(i + 7, len(tokens))):
                used[k] = True
                if tokens[k] in _WEEKDAYS or tokens[k] in _MONTHS or tokens[k][:1].isdigit():
                    break
    today = now.date()
    date = _relative_day(tokens, used, today)
    if date is None:
        date = _month_day(tokens, used, today)
        if date is not None:
            _weekday(tokens, used, today)  # "Monday the 21st": the weekday is used up
    if date is None:
        date = _weekday(tokens, used, today)
    shift = _in_duration(tokens, used, now)
    if shift is not None:
        if shift[1] is not None:
            return When(shift[0], shift[1])
        date = date or shift[0]
    time = _clock(tokens, used, expect_time)
    part = next((t for t in tokens if t in _PARTS), None)
    vague = False
    if part is not None:
        hour, pm = _PARTS[part]
        if time is None:
            time, vague = dt.time(hour), part != "lunchtime"
        elif pm and time.hour < 12:
            time = time.replace(hour=time.hour + 12)
        if part == "tonight" and date is None:
            date = today
    return When(date, time, vague)


_CORRECTIONS = (("sorry",), ("i", "mean"), ("i", "meant"), ("no", "wait"), ("actually",),
                ("scratch", "that"))  # fmt: skip


def _last_correction(tokens: Sequence[str]) -> int | None:
    """Where what follows the caller's last self-correction starts, or ``None``."""
    last = None
    for i in range(len(tokens)):
        for cue in _CORRECTIONS:
            if tuple(tokens[i : i + len(cue)]) == cue and i > 0:
                last = i + len(cue)
    return last


def _plain(token: str) -> str:
    """ "ten's" (ten is) as "ten"; other tokens as they are."""
    if token.endswith("'s") and small_number(token[:-2]) is not None:
        return token[:-2]
    return token


def _relative_day(tokens: Sequence[str], used: list[bool], today: dt.date) -> dt.date | None:
    for i, token in enumerate(tokens):
        if token == "tomorrow":
            after = i >= 2 and tokens[i - 1] == "after" and tokens[i - 2] == "day"
            for k in range(i - 2 if after else i, i + 1):
                used[k] = True
            return today + dt.timedelta(days=2 if after else 1)
        if token == "today" or (token == "this" and _next(tokens, i) in _PARTS):
            used[i] = True
            return today
    return None


def _weekday(tokens: Sequence[str], used: list[bool], today: dt.date) -> dt.date | None:
    plural_only = not any(t in _WEEKDAYS for t in tokens)
    for i, token in enumerate(tokens):
        plural = token.endswith("days")
        name = token.removesuffix("s") if plural else token
        if name not in _WEEKDAYS or used[i] or (plural and not plural_only):
            continue  # "you're shut Sundays? ok, Saturday then": habits are not dates
        used[i] = True
        ahead = (_WEEKDAYS.index(name) - today.weekday() - 1) % 7 + 1
        following_week = _next(tokens, i) == "next" and _next(tokens, i + 1) == "week"
        if following_week:
            monday = today + dt.timedelta(days=7 - today.weekday())
            return monday + dt.timedelta(days=_WEEKDAYS.index(name))
        return today + dt.timedelta(days=ahead)
    return None


def _ordinal_at(tokens: Sequence[str], i: int) -> tuple[int, int] | None:
    """A day of the month at ``i``: "3rd", "3", "third", "twenty third"; (day, tokens used)."""
    if i >= len(tokens):
        return None
    token = tokens[i]
    match = _ORDINAL_DIGITS.match(token)
    if match:
        day = int(match.group(1))
        return (day, 1) if 1 <= day <= 31 else None
    if token.isdigit():
        return (int(token), 1) if 1 <= int(token) <= 31 else None
    if token in ORDINALS:
        return ORDINALS[token], 1
    if token in ("twenty", "thirty") and _next(tokens, i) in ORDINALS:
        day = (20 if token == "twenty" else 30) + ORDINALS[tokens[i + 1]]
        return (day, 2) if day <= 31 else None
    return None


def _month_day(tokens: Sequence[str], used: list[bool], today: dt.date) -> dt.date | None:
    for i, token in enumerate(tokens):
        if token not in _MONTHS or (token == "may" and not _may_is_month(tokens, i)) or used[i]:
            continue
        month = _MONTHS[token]
        # "<month> [the] 3rd"
        j = i + 1 + (_next(tokens, i) == "the")
        found = _ordinal_at(tokens, j)
        if found is not None:
            span = range(i, j + found[1])
        else:  # "[the] 3rd [of] <month>"
            found, span = _day_before(tokens, i)
        if found is None:
            continue
        for k in span:
            used[k] = True
        return _future_date(today, month, found[0])
    for i, token in enumerate(tokens):  # "(on) the third": this month, or next if past
        if token == "the" and not used[i] and not _alternative(tokens, i + 1):
            found = _ordinal_at(tokens, i + 1)
            if found is not None and not tokens[i + 1].isdigit() and not used[i + 1]:
                for k in range(i, i + 1 + found[1]):
                    used[k] = True
                date = _future_date(today, today.month, found[0], this_month=True)
                if date is not None:
                    return date
    return None


def _alternative(tokens: Sequence[str], i: int) -> bool:
    """ "the first one", "the second time": a choice between options, not a date."""
    return (
        i < len(tokens)
        and tokens[i] in ("first", "second", "last")
        and (_next(tokens, i) in ("one", "time", "option", "slot", ""))
    )


def _day_before(tokens: Sequence[str], i: int) -> tuple[tuple[int, int] | None, range]:
    j = i - 1
    if j >= 0 and tokens[j] == "of":
        j -= 1
    for width in (2, 1):
        start = j - width + 1
        if start < 0:
            continue
        found = _ordinal_at(tokens, start)
        if found is not None and found[1] == width:
            return found, range(start - (start > 0 and tokens[start - 1] == "the"), i + 1)
    return None, range(0)


def _may_is_month(tokens: Sequence[str], i: int) -> bool:
    """ "may" is a month only next to a day number: "May 3rd", "the third of may"."""
    before = tokens[i - 1] if i > 0 else ""
    return _ordinal_at(tokens, i + 1 + (_next(tokens, i) == "the")) is not None or (
        before == "of" or _ordinal_at(tokens, i - 1) is not None
    )


def _future_date(
    today: dt.date, month: int, day: int, *, this_month: bool = False
) -> dt.date | None:
    for step in range(3):
        if this_month:
            year, mon = (
                today.year + (today.month + step - 1) // 12,
                (today.month + step - 1) % 12 + 1,
            )
        else:
            year, mon = today.year + step, month
        try:
            date = dt.date(year, mon, day)
        except ValueError:
            continue
        if date >= today:
            return date
    return None


def _in_duration(
    tokens: Sequence[str], used: list[bool], now: dt.datetime
) -> tuple[dt.date, dt.time | None] | None:
    """ "in two days", "in a week", "in an hour", "in 30 minutes": the day (and time) then."""
    for i, token in enumerate(tokens):
        if token != "in" or i + 2 >= len(tokens):
            continue
        following = tokens[i + 1]
        if following == "a" and tokens[i + 2] == "couple":
            amount, j = 2, i + 3
        elif following in ("a", "an"):
            amount, j = 1, i + 2
        else:
            value = small_number(following)
            if value is None:
                continue
            amount, j = value, i + 2
        if j < len(tokens) and tokens[j] == "of":
            j += 1
        unit = tokens[j] if j < len(tokens) else ""
        if unit in _UNITS:
            for k in range(i, j + 1):
                used[k] = True
            return now.date() + dt.timedelta(days=amount * _UNITS[unit]), None
        if unit in _TIME_UNITS:
            for k in range(i, j + 1):
                used[k] = True
            moment = now + dt.timedelta(minutes=amount * _TIME_UNITS[unit])
            return moment.date(), moment.time().replace(second=0, microsecond=0)
    return None


def _clock(tokens: Sequence[str], used: list[bool], expect_time: bool) -> dt.time | None:
    for i, token in enumerate(tokens):
        if used[i] or token in ("oh", "o"):
            continue
        if token in ("noon", "midday"):
            return dt.time(12)
        if token == "midnight":
            return dt.time(0)
        if token in ("half", "quarter") or (
            small_number(token) is not None and _next(tokens, i) in ("past", "to")
        ):
            found = _past_to(tokens, i)
            if found is not None:
                return found
        if ":" in token:
            hour_text, minute_text = token.split(":")
            return _make(int(hour_text), int(minute_text), tokens, i + 1)
        hour = small_number(token)
        if hour is None or hour > 23:
            continue
        minute, after = _minutes(tokens, i + 1)
        before = tokens[max(0, i - 2) : i]
        cue = (
            i > 0 and tokens[i - 1] in ("at", "around", "about", "by", "for", "say")
        ) or before in (
            ["make", "it"],
            ["it", "to"],
        )
        suffix = _next(tokens, after - 1) in ("am", "pm", "o'clock", "oclock", "a", "p", "tonight")
        suffix = suffix or (
            tokens[after : after + 2] == ["in", "the"] and _next(tokens, after + 1) in _PARTS
        )
        if cue or suffix or expect_time or minute is not None:
            time = _make(hour, minute or 0, tokens, after)
            if time is not None:
                return time
    return None


def _minutes(tokens: Sequence[str], i: int) -> tuple[int | None, int]:
    """Minutes after an hour: "30", "thirty", "forty five", "oh five"; (minutes, next index)."""
    if i >= len(tokens):
        return None, i
    token = tokens[i]
    if token in ("oh", "o") and i + 1 < len(tokens):
        value = small_number(tokens[i + 1])
        return (value, i + 2) if value is not None and value < 10 else (None, i)
    value = small_number(token)
    if value is None or not ((token.isdigit() and len(token) == 2) or value >= 10) or value > 59:
        return None, i
    if _next(tokens, i) in ("o'clock", "oclock"):  # "eleven, eleven o'clock": an hour again
        return None, i
    if value % 10 == 0 and value >= 20 and i + 1 < len(tokens):
        unit = small_number(tokens[i + 1])
        if unit is not None and 0 < unit < 10 and not tokens[i + 1].isdigit():
            return value + unit, i + 2
    return value, i + 1


def _past_to(tokens: Sequence[str], i: int) -> dt.time | None:
    token = tokens[i]
    minutes = {"half": 30, "quarter": 15}.get(token, small_number(token))
    j = i + 1
    if j < len(tokens) and tokens[j] in ("minutes", "minute"):
        j += 1
    if j >= len(tokens) or tokens[j] not in ("past", "to", "after"):
        return None
    hour = small_number(tokens[j + 1]) if j + 1 < len(tokens) else None
    if minutes is None or hour is None or not 0 < hour <= 23 or not 0 < minutes < 60:
        return None
    if tokens[j] == "to":
        hour, minutes = hour - 1, 60 - minutes
    return _make(hour, minutes, tokens, j + 2)


def _make(hour: int, minute: int, tokens: Sequence[str], after: int) -> dt.time | None:
    """A time from an hour, minutes and what follows them (am/pm); business hours otherwise."""
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    marker = _next(tokens, after - 1)
    if marker in ("a", "p") and _next(tokens, after) == "m":
        marker += "m"
    if marker == "pm" and hour < 12:
        hour += 12
    elif marker == "am" and hour == 12:
        hour = 0
    elif marker not in ("am", "pm") and 1 <= hour <= 7:
        hour += 12
    return dt.time(hour, minute)


def _next(tokens: Sequence[str], i: int) -> str:
    return tokens[i + 1] if i + 1 < len(tokens) else ""
