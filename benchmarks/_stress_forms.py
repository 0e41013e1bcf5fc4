"""Values and their forms for the redaction stress harness (``privacy_stress.py``).

Why a second generator beside the corpus's (``tests/data/privacy/generate.py``): the
corpus's forms are the ones the redactor was fitted on. These are written apart from
it, from how people say and type each kind (numbers said as digits, pairs, hundreds,
"double"; addresses of five countries; emails spelled), so that a rule that only
memorised the corpus's phrasings shows here. Every function takes the seeded random
and the source ("speech": lowercase words as a recognizer writes them; "text": typed)
and returns the value as it appears in the line.
"""

from __future__ import annotations

import random

from framekit.privacy.kinds.cards import luhn_valid

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
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
FIRSTS = [
    "aoife",
    "siobhan",
    "priya",
    "mateo",
    "chidi",
    "ingrid",
    "tomasz",
    "yusuf",
    "greta",
    "rafael",
    "keanu",
    "leilani",
    "bronwyn",
    "declan",
    "marisol",
    "olamide",
    "thanh",
    "saoirse",
    "callum",
    "anneliese",
    "jurgen",
    "nkechi",
    "pedro",
    "wen",
]
LASTS = [
    "okonkwo",
    "fitzgerald",
    "nakamura",
    "lindqvist",
    "castellanos",
    "abernathy",
    "moreau",
    "szymanski",
    "halvorsen",
    "delacroix",
    "mbeki",
    "oduya",
    "farrelly",
    "whitcombe",
    "vasquez",
    "trinh",
    "osullivan",
    "kowalczyk",
]
STREETS = [
    "wattle",
    "juniper",
    "kingsley",
    "harrow",
    "bellweather",
    "saint",
    "albans",
    "larkspur",
    "mcallister",
    "ocotillo",
    "tamarind",
    "brackenridge",
    "foxglove",
    "kilmainham",
]


def two(n: int) -> str:
    """A number under 100 as said ("forty five", "oh seven" for 7 in a pair)."""
    if n < 10:
        return f"oh {ONES[n]}"
    if n < 20:
        return TEENS[n - 10]
    return TENS[n // 10] + ("" if n % 10 == 0 else f" {ONES[n % 10]}")


def say_digits(digits: str, rng: random.Random, *, style: str | None = None) -> str:
    """Digits as a caller says them: one by one ("oh" or "zero"), with "double", or in pairs."""
    style = style or rng.choice(["ones", "ones", "double", "pairs"])
    if style == "pairs" and len(digits) % 2 == 0:
        return " ".join(two(int(digits[i : i + 2])) for i in range(0, len(digits), 2))
    zero = rng.choice(["zero", "oh"])
    words, i = [], 0
    while i < len(digits):
        d = digits[i]
        word = zero if d == "0" else ONES[int(d)]
        if style == "double" and digits[i + 1 : i + 2] == d:
            words.append(f"double {word}")
            i += 2
            continue
        words.append(word)
        i += 1
    return " ".join(words)


def say_grouped(digits: str, sizes: list[int], rng: random.Random, sep: str = " ") -> str:
    """Digits said in the groups a caller reads them in, a pause (comma) or not between."""
    parts, at = [], 0
    for size in sizes:
        parts.append(say_digits(digits[at : at + size], rng))
        at += size
    return sep.join(parts)


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError


def failing_ref16(rng: random.Random) -> str:
    """A 16-digit reference whose last digit fails Luhn: a look-alike, not a card."""
    ref = "".join(rng.choice("0123456789") for _ in range(15))
    return ref + next(c for c in "0123456789" if not luhn_valid(ref + c))


def card(rng: random.Random, source: str) -> str:
    prefix, length, sizes = rng.choice(
        [
            ("4", 16, [4, 4, 4, 4]),
            ("51", 16, [4, 4, 4, 4]),
            ("37", 15, [4, 6, 5]),
            ("6011", 16, [4, 4, 4, 4]),
            ("2221", 16, [4, 4, 4, 4]),
        ]
    )
    digits = luhn_complete(prefix, length, rng)
    if source == "speech":
        return say_grouped(digits, sizes, rng, sep=rng.choice([" ", ", ", " um "]))
    sep = rng.choice([" ", "-", ""])
    out, at = [], 0
    for size in sizes:
        out.append(digits[at : at + size])
        at += size
    return sep.join(out)


def ssn(rng: random.Random, source: str) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    digits = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    if source == "speech":
        return say_grouped(digits, [3, 2, 4], rng, sep=rng.choice([" ", ", ", " dash "]))
    sep = rng.choice(["-", " ", ""])
    return f"{digits[:3]}{sep}{digits[3:5]}{sep}{digits[5:]}"


def phone(rng: random.Random, source: str) -> str:
    country = rng.choice(["us", "us", "uk", "au", "ie", "ca"])
    if country in ("us", "ca"):
        digits = f"{rng.randint(2, 9)}{rng.randint(0, 99):02d}{rng.randint(2, 9)}"
        digits += "".join(rng.choice("0123456789") for _ in range(6))
        sizes, plus = [3, 3, 4], "1"
    elif country == "uk":
        digits = "07" + "".join(rng.choice("0123456789") for _ in range(9))
        sizes, plus = [5, 6], "44"
    elif country == "au":
        digits = "04" + "".join(rng.choice("0123456789") for _ in range(8))
        sizes, plus = [4, 3, 3], "61"
    else:
        digits = "08" + rng.choice("35679") + "".join(rng.choice("0123456789") for _ in range(7))
        sizes, plus = [3, 3, 4], "353"
    international = rng.random() < 0.3
    if source == "speech":
        said = say_grouped(digits, sizes, rng, sep=rng.choice([" ", ", "]))
        if international:
            rest = say_grouped(digits[1:], [sizes[0] - 1, *sizes[1:]], rng)
            return f"plus {say_digits(plus, rng, style='ones')} {rest}"
        return said
    groups, at = [], 0
    for size in sizes:
        groups.append(digits[at : at + size])
        at += size
    if international:
        groups[0] = groups[0][1:]
        return f"+{plus} " + " ".join(groups)
    if country in ("us", "ca") and rng.random() < 0.5:
        return f"({groups[0]}) {groups[1]}-{groups[2]}"
    return rng.choice([" ", "-", "." if country in ("us", "ca") else " "]).join(groups)


def email(rng: random.Random, source: str) -> str:
    first, last = rng.choice(FIRSTS), rng.choice(LASTS)
    domain = rng.choice(
        [
            "gmail.com",
            "outlook.ie",
            "bigpond.com.au",
            "shaw.ca",
            "btinternet.com",
            "fastmail.fm",
            "harrowdental.co.uk",
            "mail.kiwi-joinery.nz",
        ]
    )
    n = rng.randint(1, 99)
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}{n}", f"{first}_{last}", last])
    if source == "text":
        return f"{local}@{domain}"
    words = {".": " dot ", "_": " underscore ", "-": " dash "}
    said_domain = "".join(words.get(c, c) for c in domain)
    style = rng.choice(["plain", "spelled_first", "digits", "at_sign"])
    said_local = "".join(words.get(c, c) for c in local)
    if style == "spelled_first":
        said_local = " ".join(first) + " " + last
    elif style == "digits":
        said_local = f"{last} {two(n) if n >= 10 else ONES[n]}"
    at = " at sign " if style == "at_sign" else " at "
    return f"{said_local}{at}{said_domain}"


def _house(rng: random.Random, source: str) -> str:
    n = rng.choice([rng.randint(1, 99), rng.randint(100, 999), rng.randint(1000, 19999)])
    if source == "text":
        return str(n)
    if 1000 <= n < 10000 and n % 100 >= 10 and rng.random() < 0.5:
        return f"{two(n // 100)} {two(n % 100)}"
    if n >= 1000 or (n >= 100 and rng.random() < 0.5):
        return say_digits(str(n), rng, style="ones")
    if n < 100:
        return two(n).replace("oh ", "")
    return f"{ONES[n // 100]} hundred" + (f" {two(n % 100).replace('oh ', '')}" if n % 100 else "")


_COUNTRIES = {
    "us": (
        ["Avenue", "Drive", "Court", "Boulevard", "Way", "Lane", "Place", "Trail"],
        ["", ", Apartment 4B", ", Suite 210", " Apt 12", " #7"],
        [", Springfield, IL 62704", ", Austin TX 78701-2345", ""],
        [" springfield illinois", " austin texas seven eight seven oh one", ""],
    ),
    "uk": (
        ["Road", "Close", "Mews", "Crescent", "Gardens", "Grove", "Walk"],
        [""],
        [", Leeds LS6 2AB", ", Cardiff CF10 3NQ", " Leeds"],
        [" leeds l s six two a b", " cardiff", ""],
    ),
    "ca": (
        ["Street West", "Avenue East", "Crescent", "Boulevard", "Road"],
        ["", ", Unit 1204"],
        [", Toronto, ON M5S 1M8", ", Halifax NS B3H 4R2", ", Calgary, Alberta"],
        [" toronto ontario", " halifax nova scotia", ""],
    ),
    "au": (
        ["Street", "Parade", "Circuit", "Esplanade", "Terrace", "Highway"],
        [""],
        [", Surry Hills NSW 2010", " Fremantle WA 6160", ""],
        [" surry hills new south wales", " fremantle", ""],
    ),
    "ie": (
        ["Terrace", "Park", "Avenue", "Road", "Lawn", "Grove"],
        [""],
        [", Dun Laoghaire, Co. Dublin A96 X2Y3", ", Galway H91 E2K4", ""],
        [" dun laoghaire county dublin", " galway", ""],
    ),
}
"""Per country: street types, units after the street, typed tails, spoken tails."""


def address(rng: random.Random, source: str) -> str:
    types, units, typed_tails, said_tails = _COUNTRIES[rng.choice(list(_COUNTRIES))]
    house = _house(rng, source)
    street = f"{rng.choice(STREETS).title()} {rng.choice(types)}{rng.choice(units)}"
    if source == "text":
        return f"{house} {street}{rng.choice(typed_tails)}"
    unit = street.lower().replace(",", "").replace("#", "number ")
    for digit in "0123456789":
        unit = unit.replace(digit, f" {ONES[int(digit)]} ").replace("  ", " ").strip()
    return f"{house} {unit}{rng.choice(said_tails)}"


def name(rng: random.Random, source: str) -> str:
    first, last = rng.choice(FIRSTS), rng.choice(LASTS)
    full = f"{first} {last}"
    return full.title() if source == "text" else full


def spelled_name(rng: random.Random, source: str) -> str:
    last = rng.choice(LASTS)
    return (
        f"{last} {' '.join(last)}"
        if source == "speech"
        else f"{last.title()}, {'-'.join(last.upper())}"
    )
