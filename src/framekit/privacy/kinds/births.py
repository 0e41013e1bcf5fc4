"""Dates of birth: said as such, or known by their year.

A date alone is an appointment, a delivery or a birthday: "born", "birth",
"birthday" or "DOB" before it (or "... is my date of birth" after it) makes it a date
of birth. A whole date (day, month and year) is one without a word too when its year
is one a caller of a shop was born in (1900 to 2011): the shop's own dates
(appointments, deliveries, past orders) are this year's or the last few, and a year
alone ("a 1998 model") is no date. Forms: typed ("12-01-1944", "1975-12-11", "October
28, 1939", "3 May 1961"), said ("the twenty third of june nineteen eighty eight",
"march twelfth eighty four") and said as digits ("oh seven oh nine nineteen ninety",
read by :mod:`.numbers`: :func:`birth_digits`).
"""

from __future__ import annotations

import re

from framekit.privacy.kinds import Found

__all__ = ["birth_digits", "find_birth_dates"]

_FIRST_YEAR, _LAST_YEAR = 1900, 2011
_SHORT_YEARS = (12, 30)
"""Two-digit years read as neither a birth's nor 19xx: 12-29 are the shop's own years."""
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_NUMBERISH = (
    r"(?:\d{1,4}(?:st|nd|rd|th)?|zero|oh|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty"
    r"|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|first|second|third"
    r"|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth"
    r"|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)\b"
)
_DATE_TOKEN = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|{_MONTH}\.?\b"
    rf"|{_NUMBERISH})"
)
_HESITATION = r"(?:(?:um|uh|er|erm|uhm)\s+)?"
_DATE = (
    rf"(?:the\s+)?{_DATE_TOKEN}"
    rf"(?:(?:\s*[,/-]\s*|\s+{_HESITATION}(?:of\s+|the\s+)?){_DATE_TOKEN}){{0,7}}"
)
"""A date's words, a hesitation among them ("january um the sixth seventy three")."""
_KEYWORD = (
    r"(?<![a-z])(?:born|birth|birthday|birthdate|b-?day|dob|d\.?\s?o\.?\s?b)(?![a-z])\.?"
    r"(?!\s+(?:party|parties|cake|cakes|card|cards|present|presents|gift|gifts|dinner|lunch"
    r"|celebration|bash|balloons?|order)\b)"
)
"""What names a birth date; "bday" and "b-day" are how callers and chats shorten it. Before
an event's or a thing's noun it names the event ("the birthday party is at 3 pm", "bday
cake order 4471"): the date or number after it is the event's, not a birth date."""
_BIRTH_HINTS = ("born", "birth", "dob", "d o b", "d.o.b", "bday", "b-day")
_BIRTH = re.compile(
    rf"{_KEYWORD}[^.?!\d]{{0,24}}?(?<![a-z])(?P<date>{_DATE})"
    rf"|(?<![a-z])(?P<before>{_DATE})\s+(?:(?:is|that's|thats|that\s+is|it's|its)\s+)?"
    r"(?:my|the)\s+"
    r"(?:date of birth|birthday|b-?day|dob|d o b)\b",
    re.IGNORECASE,
)

_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = (
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)  # fmt: skip
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SAID = {w: i + 1 for i, w in enumerate(_UNITS)} | {w: i + 10 for i, w in enumerate(_TEENS)}
_SAID |= {w: 20 + 10 * i for i, w in enumerate(_TENS)} | {"oh": 0, "and": 0}
_UNIT = rf"(?:{'|'.join(_UNITS)})"
_TWO_DIGITS = rf"(?:(?:{'|'.join(_TENS)})(?:[\s-]+{_UNIT})?|{'|'.join(_TEENS)}|oh\s+{_UNIT})"
_YEAR_SAID = (
    rf"(?:(?:nineteen|twenty)\s+{_TWO_DIGITS}|two\s+thousand(?:\s+and)?(?:\s+(?:{_UNIT}"
    rf"|ten|eleven))?|(?:{'|'.join(_TENS)})(?:[\s-]+{_UNIT})?)"
)
"""A year said: "nineteen eighty eight", "two thousand and four", "twenty ten", or its last
two digits ("eighty four")."""
_ORDINAL = (
    r"(?:(?:twenty|thirty)[\s-]+)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth"
    r"|ninth)|tenth|eleventh|twelfth|[a-z]+teenth|twentieth|thirtieth"
)
_DAY_SAID = rf"(?:{_ORDINAL}|(?:twenty|thirty)(?:[\s-]+{_UNIT})?|{_UNIT}|{'|'.join(_TEENS)})"
_DAY_TYPED = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR_TYPED = r"(?:19\d\d|20[01]\d)"
_NOT_AFTER = (
    r"(?![\s-]+(?:\d|zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|[a-z]+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|minutes?"
    r"|hours?|days?|pm|am|p\s?m|a\s?m|o'clock|dollars?|bucks|cents|percent)\b)"
)
"""What never follows a year: more numbers (a price, a time) or a unit."""
_WHOLE_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    rf"(?P<typed>\d{{1,2}}([/.-])\d{{1,2}}\2{_YEAR_TYPED}|{_YEAR_TYPED}-\d{{2}}-\d{{2}})(?![\w/.-])"
    rf"|{_MONTH}\.?\s+(?:the\s+)?{_DAY_TYPED},?\s+(?P<y1>{_YEAR_TYPED})\b"
    rf"|(?:the\s+)?{_DAY_TYPED}\s+(?:of\s+)?{_MONTH}\.?,?\s+(?P<y2>{_YEAR_TYPED})\b"
    rf"|{_MONTH}\s+(?:the\s+)?{_DAY_SAID},?\s+(?P<y3>{_YEAR_SAID})\b{_NOT_AFTER}"
    rf"|(?:the\s+)?{_DAY_SAID}\s+(?:of\s+)?{_MONTH},?\s+(?P<y4>{_YEAR_SAID})\b{_NOT_AFTER}"
    r")",
    re.IGNORECASE,
)
_MONTH_STEMS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_YEAR_WORDS = ("nineteen", "thousand", "ty")
_YEAR_DIGITS = re.compile(r"19\d\d|20[01]\d")
_TYPED_DATE = re.compile(rf"\d[/.-]\d\d?[/.-]{_YEAR_TYPED}|{_YEAR_TYPED}-\d")
"""A whole date has a month's name and a year's word or digits, or is typed in digits:
most texts skip the long pattern (substrings first: a pattern of month names cost more
than the finder)."""


def find_birth_dates(text: str) -> list[Found]:
    """Dates said after (or before) a word that makes them a date of birth, and whole
    dates of a year of birth."""
    found = []
    lowered = text.lower()
    if any(word in lowered for word in _BIRTH_HINTS):
        for m in _BIRTH.finditer(text):
            group = "date" if m.group("date") else "before"
            found.append(Found("dob", m.start(group), m.end(group), _normal(m.group(group))))
    if _may_be_whole(text, lowered):
        found += [
            Found("dob", m.start(), m.end(), _normal(m.group()))
            for m in _WHOLE_DATE.finditer(text)
            if _LAST_YEAR >= _year(m) >= _FIRST_YEAR
        ]
    return found


def _may_be_whole(text: str, lowered: str) -> bool:
    if any(stem in lowered for stem in _MONTH_STEMS):
        return any(word in lowered for word in _YEAR_WORDS) or bool(_YEAR_DIGITS.search(text))
    return ("19" in text or "20" in text) and _TYPED_DATE.search(text) is not None


def birth_digits(digits: str) -> bool:
    """Whether eight digits said in a row are a date of a year of birth: month, day and
    year ("07091990"), day, month and year, or year, month and day; or six, with the
    year's last two ("twelve oh four eighty nine"): a year no booking of the shop has
    (00-11 or 30-99)."""
    if len(digits) in (6, 7) and _short_month_day(digits):
        return True
    if len(digits) == 6:
        year = int(digits[4:])
        digits = digits[:4] + str((2000 if year < _SHORT_YEARS[0] else 1900) + year)
        if _SHORT_YEARS[0] <= year < _SHORT_YEARS[1]:
            return False
    if len(digits) != 8:
        return False
    first, second = int(digits[:2]), int(digits[2:4])
    if _FIRST_YEAR <= int(digits[4:]) <= _LAST_YEAR:
        return min(first, second) >= 1 and min(first, second) <= 12 and max(first, second) <= 31
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    return _FIRST_YEAR <= year <= _LAST_YEAR and 1 <= month <= 12 and 1 <= day <= 31


def _short_month_day(digits: str) -> bool:
    """A month or day said as one digit before a whole year ("seven seven nineteen seventy
    seven", "twelve five nineteen sixty"): the digits before the year split into a month
    and a day."""
    year, head = int(digits[-4:]), digits[:-4]
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        return False
    splits = [(head[:1], head[1:]), (head[:2], head[2:])] if len(head) == 3 else [tuple(head)]
    return any(
        not m.startswith("0") and not d.startswith("0") and _month_day(m, d) for m, d in splits
    )


def _month_day(first: str, second: str) -> bool:
    """Whether two numbers are a month and a day, in either order."""
    a, b = int(first), int(second)
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)


def _year(m: re.Match[str]) -> int:
    """The year of a whole date found by :data:`_WHOLE_DATE`."""
    if typed := m.group("typed"):
        found = re.search(_YEAR_TYPED + r"(?!\d)", typed)
        return int(found.group()) if found else 0
    if said := m.group("y1") or m.group("y2"):
        return int(said)
    words = (m.group("y3") or m.group("y4")).lower().replace("-", " ").split()
    if words[0] == "two" and words[1:2] == ["thousand"]:
        return 2000 + sum(_SAID[w] for w in words[2:])
    if words[0] in ("nineteen", "twenty") and len(words) > 1:
        return (1900 if words[0] == "nineteen" else 2000) + sum(_SAID[w] for w in words[1:])
    return 1900 + sum(_SAID[w] for w in words)


def _normal(date: str) -> str:
    return " ".join(date.lower().split())
