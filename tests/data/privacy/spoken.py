"""How a speech recognizer writes numbers, letters and dates: the spoken forms of the corpus.

Each function turns a value (digits, a word, a date) into one of the forms that an ASR
transcript holds for it, chosen with the generator's seeded random, so the corpus holds
digits said one by one, in pairs, as whole numbers, with "oh", "double" and "triple",
with hesitations, or as the digits a recognizer with number formatting prints.
"""

from __future__ import annotations

import datetime as dt
import random

__all__ = [
    "FILLERS",
    "MONTHS",
    "ordinal",
    "say_date",
    "say_digits",
    "say_grouped",
    "say_house_number",
    "say_number",
    "say_pair",
    "say_year",
    "spell",
]

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINALS = {
    1: "first",
    2: "second",
    3: "third",
    4: "fourth",
    5: "fifth",
    6: "sixth",
    7: "seventh",
    8: "eighth",
    9: "ninth",
    10: "tenth",
    11: "eleventh",
    12: "twelfth",
    13: "thirteenth",
    14: "fourteenth",
    15: "fifteenth",
    16: "sixteenth",
    17: "seventeenth",
    18: "eighteenth",
    19: "nineteenth",
    20: "twentieth",
    30: "thirtieth",
}
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
# Hesitations that hold no number word, so they never change the digits said around them.
FILLERS = ["um", "uh", "uhm", "er", "let me see", "hang on", "sorry"]


def say_number(n: int) -> str:
    """0 to 9999 as words: 4111 is "four thousand one hundred eleven"."""
    if n < 10:
        return ONES[n]
    if n < 20:
        return TEENS[n - 10]
    if n < 100:
        tens, unit = divmod(n, 10)
        return TENS[tens] + (f" {ONES[unit]}" if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{ONES[hundreds]} hundred" + (f" {say_number(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    return f"{ONES[thousands]} thousand" + (f" {say_number(rest)}" if rest else "")


def ordinal(n: int) -> str:
    """1 to 31 as an ordinal: 23 is "twenty third"."""
    if n in ORDINALS:
        return ORDINALS[n]
    tens, unit = divmod(n, 10)
    return f"{TENS[tens]} {ORDINALS[unit]}"


def say_pair(pair: str, zero: str = "oh") -> str:
    """Two digits as people pair them: "41" forty one, "07" oh seven, "00" double oh."""
    if pair == "00":
        return f"double {zero}"
    if pair[0] == "0":
        return f"{zero} {ONES[int(pair[1])]}"
    return say_number(int(pair))


def say_digits(digits: str, rng: random.Random, *, zero: str = "", runs: bool = False) -> str:
    """Digits one by one; with runs, "11" is "double one" and "111" "triple one"."""
    zero = zero or rng.choice(["oh", "zero"])
    words = [zero if d == "0" else ONES[int(d)] for d in digits]
    if not runs:
        return " ".join(words)
    out: list[str] = []
    i = 0
    while i < len(digits):
        j = i
        while j < len(digits) and digits[j] == digits[i]:
            j += 1
        length = j - i
        while length >= 2:
            take = 3 if length == 3 or length >= 5 else 2
            out.append(("triple " if take == 3 else "double ") + words[i])
            length -= take
        if length == 1:
            out.append(words[i])
        i = j
    return " ".join(out)


def _pairs(group: str, zero: str) -> str:
    """An even group said in pairs: "6789" sixty seven eighty nine."""
    return " ".join(say_pair(group[k : k + 2], zero) for k in range(0, len(group), 2))


def say_grouped(groups: list[str], rng: random.Random, style: str, *, hesitate: float = 0) -> str:
    """A number said group by group in one style, with an optional hesitation between groups.

    Styles: "digits", "runs" (double, triple), "numerals" (4111 1111), "joined" (no spaces),
    "pairs" (forty one eleven; even groups only), "number" (four thousand one hundred
    eleven; four digit groups), "mixed" (numerals and digit words).
    A group said as pairs or as a number never ends where the next group's first word
    could join it ("forty" then "one"): such a group falls back to digits starting "oh"
    only after a closed group, and the generator only picks these styles for even groups.
    """
    zero = rng.choice(["oh", "zero"])
    if style == "joined":
        return "".join(groups)
    parts: list[str] = []
    for group in groups:
        if style == "numerals" or (style == "mixed" and rng.random() < 0.5):
            part = group
        elif style == "pairs":
            part = _pairs(group, "oh")
        elif style == "number":
            part = say_number(int(group)) if group[0] != "0" else say_digits(group, rng, zero="oh")
        else:
            part = say_digits(group, rng, zero=zero, runs=style == "runs")
        if parts and rng.random() < hesitate:
            parts.append(rng.choice(FILLERS[:4]))
        parts.append(part)
    return " ".join(parts)


def spell(word: str) -> str:
    """Letters one by one, as "j o h n"."""
    return " ".join(word)


def say_year(year: int) -> str:
    """1984 nineteen eighty four, 2003 two thousand three, 1900 nineteen hundred."""
    if 2000 <= year < 2010:
        return say_number(year)
    high, low = divmod(year, 100)
    if low == 0:
        return f"{say_number(high)} hundred"
    return f"{say_number(high)} {say_pair(f'{low:02d}')}"


def say_house_number(n: int, rng: random.Random) -> str:
    """House numbers as said: 1234 twelve thirty four, 205 two oh five, 1500 fifteen hundred."""
    text = str(n)
    if n < 100:
        return say_number(n)
    if len(text) == 3:
        return rng.choice([say_number(n), f"{ONES[int(text[0])]} {say_pair(text[1:])}"])
    if len(text) == 4 and text[2:] == "00":
        return f"{say_number(int(text[:2]))} hundred"
    if len(text) == 4 and text[2] != "0":
        return f"{say_number(int(text[:2]))} {say_number(int(text[2:]))}"
    return say_digits(text, rng, zero="oh")


def say_date(date: dt.date, rng: random.Random, style: str) -> str:
    """A date as a caller says it; the style names the order of day, month and year."""
    month = MONTHS[date.month - 1]
    year = say_year(date.year)
    short_year = say_pair(f"{date.year % 100:02d}")
    if style == "month_day_year":
        return f"{month} {ordinal(date.day)} {year}"
    if style == "day_of_month_year":
        return f"the {ordinal(date.day)} of {month} {year}"
    if style == "month_day_short":
        return f"{month} {say_number(date.day)} {short_year}"
    if style == "numeric":
        return f"{say_pair(f'{date.month:02d}')} {say_pair(f'{date.day:02d}')} {year}"
    if style == "numeric_short":
        return f"{say_number(date.month)} {say_number(date.day)} {short_year}"
    if style == "day_month_year":
        return f"{ordinal(date.day)} {month} {year}"
    if style == "month_day":
        return f"{month} {ordinal(date.day)}"
    raise ValueError(f"unknown date style {style!r}")
