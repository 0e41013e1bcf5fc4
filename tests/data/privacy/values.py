"""The values of the corpus, PII and look-alikes, each drawn with the generator's seeded random.

Every function returns the text of one value as it appears in an utterance of the given
source: "speech" (how a recognizer writes it: lowercase words or digits, no punctuation)
or "text" (typed: chat, tool arguments). Card numbers pass Luhn, IBANs pass mod 97, SSNs
follow the SSA's rules; the look-alikes (order, tracking and reference numbers, prices,
appointment dates) are what a caller says about a purchase, never about themselves.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from collections.abc import Callable

from spoken import (
    FILLERS,
    MONTHS,
    ordinal,
    say_date,
    say_digits,
    say_grouped,
    say_house_number,
    say_number,
    say_pair,
    spell,
)

__all__ = ["PII_KINDS", "RENDERERS", "luhn_ok"]

Renderer = Callable[[random.Random, str], str]


def luhn_ok(digits: str) -> bool:
    """True when the digits pass the Luhn check that every payment card number passes."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    for check in string.digits:
        if luhn_ok(body + check):
            return body + check
    raise AssertionError("unreachable: one check digit always fits")


# Brand, prefixes, length, groups as printed on the card.
CARD_BRANDS: list[tuple[str, list[str], int, list[int]]] = [
    ("visa", ["4"], 16, [4, 4, 4, 4]),
    ("visa13", ["4"], 13, [4, 3, 3, 3]),
    ("mastercard", ["51", "52", "53", "54", "55", "2221", "2720"], 16, [4, 4, 4, 4]),
    ("amex", ["34", "37"], 15, [4, 6, 5]),
    ("discover", ["6011", "65", "644"], 16, [4, 4, 4, 4]),
    ("diners", ["36", "300", "305"], 14, [4, 6, 4]),
    ("jcb", ["3528", "3589"], 16, [4, 4, 4, 4]),
    ("unionpay", ["62"], 19, [4, 4, 4, 4, 3]),
    ("maestro", ["6759", "5018"], 18, [4, 4, 4, 4, 2]),
]


def _groups(digits: str, sizes: list[int]) -> list[str]:
    out, i = [], 0
    for size in sizes:
        out.append(digits[i : i + size])
        i += size
    return out


def _card(rng: random.Random, source: str) -> str:
    _brand, prefixes, length, sizes = rng.choice(CARD_BRANDS)
    groups = _groups(_luhn_complete(rng.choice(prefixes), length, rng), sizes)
    if source == "text":
        sep = rng.choice([" ", " ", "-", ""])
        return sep.join(groups)
    styles = ["digits", "digits", "runs", "numerals", "joined", "mixed"]
    if all(len(g) % 2 == 0 for g in groups):
        styles.append("pairs")
    if all(len(g) == 4 for g in groups):
        styles.append("number")
    return say_grouped(groups, rng, rng.choice(styles), hesitate=rng.choice([0, 0, 0.3, 0.6]))


def _ssn_digits(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"


def _ssn(rng: random.Random, source: str) -> str:
    digits = _ssn_digits(rng)
    groups = [digits[:3], digits[3:5], digits[5:]]
    if source == "text":
        return rng.choice(["-", "-", " ", ""]).join(groups)
    style = rng.choice(["digits", "digits", "runs", "numerals", "dashed", "pairs"])
    if style == "dashed":
        zero = rng.choice(["oh", "zero"])
        return " dash ".join(say_digits(g, rng, zero=zero) for g in groups)
    if style == "pairs":
        head = f"{say_digits(groups[0][0], rng, zero='oh')} {say_pair(groups[0][1:])}"
        return " ".join([head, say_pair(groups[1]), say_grouped([groups[2]], rng, "pairs")])
    return say_grouped(groups, rng, style, hesitate=0.2)


def _ssn_last4(rng: random.Random, source: str) -> str:
    last = _ssn_digits(rng)[5:]
    if source == "text":
        return last
    return rng.choice([say_digits(last, rng), say_grouped([last], rng, "pairs")])


US_AREAS = ["212", "312", "415", "617", "713", "206", "303", "404", "503", "702", "919", "646"]
# Country code, then the national number's groups as written.
INTERNATIONAL = [("44", [2, 4, 4]), ("44", [4, 6]), ("49", [2, 8]), ("33", [1, 2, 2, 2, 2])]
INTERNATIONAL += [("91", [5, 5]), ("52", [2, 4, 4]), ("61", [1, 4, 4]), ("34", [3, 3, 3])]


def _digits(rng: random.Random, n: int, first: str = "123456789") -> str:
    return rng.choice(first) + "".join(rng.choice(string.digits) for _ in range(n - 1))


def _phone(rng: random.Random, source: str) -> str:
    if rng.random() < 0.35:
        return _international_phone(rng, source)
    area, exchange, line = rng.choice(US_AREAS), _digits(rng, 3, "23456789"), _digits(rng, 4)
    if source == "text":
        return rng.choice(
            [
                f"({area}) {exchange}-{line}",
                f"{area}-{exchange}-{line}",
                f"{area}.{exchange}.{line}",
                f"+1 {area} {exchange} {line}",
                f"{area}{exchange}{line}",
                f"+1{area}{exchange}{line}",
                f"1-{area}-{exchange}-{line}",
            ]
        )
    style = rng.choice(["digits", "digits", "runs", "numerals", "pairs_last", "one"])
    zero = rng.choice(["oh", "oh", "zero"])
    if style == "pairs_last":
        return f"{say_digits(area + exchange, rng, zero=zero)} {say_grouped([line], rng, 'pairs')}"
    if style == "one":
        return "one " + say_grouped([area, exchange, line], rng, "digits", hesitate=0.3)
    return say_grouped([area, exchange, line], rng, style, hesitate=0.3)


def _international_phone(rng: random.Random, source: str) -> str:
    country, sizes = rng.choice(INTERNATIONAL)
    groups = [_digits(rng, size) for size in sizes]
    if source == "text":
        if rng.random() < 0.3:
            return f"+{country}{''.join(groups)}"
        return f"+{country} " + " ".join(groups)
    prefix = rng.choice(["plus", "plus", "double oh", "zero zero"])
    style = rng.choice(["digits", "runs", "numerals"])
    return f"{prefix} {say_digits(country, rng)} {say_grouped(groups, rng, style)}"


FIRST_NAMES = [
    "john",
    "maria",
    "wei",
    "aisha",
    "olumide",
    "priya",
    "siobhan",
    "david",
    "fatima",
    "kenji",
    "lucia",
    "mohammed",
    "emily",
    "carlos",
    "anna",
    "dmitri",
    "grace",
    "tomasz",
    "nguyen",
    "sarah",
    "rahul",
    "ingrid",
    "marcus",
    "yuki",
    "helen",
    "jamal",
    "sofia",
    "patrick",
    "leila",
    "robert",
]
LAST_NAMES = [
    "smith",
    "garcia",
    "chen",
    "khan",
    "adeyemi",
    "patel",
    "obrien",
    "johnson",
    "rahman",
    "tanaka",
    "fernandez",
    "ali",
    "clarke",
    "mendoza",
    "kowalski",
    "volkov",
    "okafor",
    "nowak",
    "tran",
    "miller",
    "sharma",
    "larsen",
    "williams",
    "sato",
    "brooks",
    "washington",
    "rossi",
    "murphy",
    "haddad",
    "anderson",
]
TYPED_LAST = {"obrien": "O'Brien"}


def _cap(word: str) -> str:
    return TYPED_LAST.get(word, word.capitalize())


def _first(rng: random.Random, source: str) -> str:
    name = rng.choice(FIRST_NAMES)
    return name if source == "speech" else _cap(name)


def _last(rng: random.Random, source: str) -> str:
    name = rng.choice(LAST_NAMES)
    return name if source == "speech" else _cap(name)


def _name(rng: random.Random, source: str) -> str:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    if source == "text":
        return rng.choice([f"{_cap(first)} {_cap(last)}", f"{first} {last}", _cap(last)])
    if rng.random() < 0.15:
        return f"{first} {last} {spell(last)}"
    return f"{first} {last}"


def _spelled_last(rng: random.Random, source: str) -> str:
    return spell(rng.choice(LAST_NAMES))


def _last_then_spelled(rng: random.Random, source: str) -> str:
    """A last name said, then spelled: "garcia g a r c i a"."""
    name = rng.choice(LAST_NAMES)
    return f"{name} {spell(name)}"


DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.co.uk", "icloud.com", "proton.me"]
DOMAINS += ["aol.com", "comcast.net", "acme-corp.com", "mail.de", "uni-leeds.ac.uk"]


def _email(rng: random.Random, source: str) -> str:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    number = str(rng.choice([7, 12, 21, 42, 77, 84, 90, 99, 1984, 2001]))
    local = rng.choice(
        [
            f"{first}.{last}",
            f"{first}{last}",
            f"{first[0]}{last}",
            f"{first}_{last}",
            f"{first}.{last}{number}",
            f"{first}{number}",
            f"{last}-{first}",
            f"{first[0]}.{last}",
        ]
    )
    domain = rng.choice(DOMAINS)
    if source == "text":
        return f"{local}@{domain}"
    return f"{_say_address_part(local, rng)} at {_say_address_part(domain, rng)}"


def _say_address_part(part: str, rng: random.Random) -> str:
    """An email's local part or domain as said: dot, underscore, dash, spelled or whole words."""
    words: list[str] = []
    token = ""
    symbols = {".": "dot", "_": "underscore", "-": rng.choice(["dash", "hyphen"])}
    for char in [*part, "."]:
        if char in symbols or (token and char.isdigit() != token[-1].isdigit()):
            if token.isdigit():
                words.append(
                    say_digits(token, rng) if rng.random() < 0.5 else _say_digits_as_number(token)
                )
            elif token:
                spelled = len(token) <= 2 or rng.random() < 0.25
                words.append(spell(token) if spelled else token)
            token = ""
        if char in symbols:
            words.append(symbols[char])
        else:
            token += char
    return " ".join(words[:-1])


def _say_digits_as_number(token: str) -> str:
    if len(token) == 4 and token[0] != "0":
        return f"{say_pair(token[:2])} {say_pair(token[2:])}"
    return say_number(int(token))


def _dob(rng: random.Random, source: str) -> str:
    date = dt.date(rng.randint(1938, 2006), rng.randint(1, 12), rng.randint(1, 28))
    if source == "text":
        return rng.choice(
            [
                f"{date:%m/%d/%Y}",
                f"{date.month}/{date.day}/{date:%y}",
                f"{date:%Y-%m-%d}",
                f"{date:%B} {date.day}, {date.year}",
                f"{date.day} {date:%B} {date.year}",
                f"{date:%d.%m.%Y}",
                f"{date:%b} {date.day} {date.year}",
                f"{date:%d/%m/%Y}",
            ]
        )
    styles = ["month_day_year", "day_of_month_year", "month_day_short", "numeric"]
    styles += ["numeric_short", "day_month_year"]
    return say_date(date, rng, rng.choice(styles))


def _birthday(rng: random.Random, source: str) -> str:
    date = dt.date(2000, rng.randint(1, 12), rng.randint(1, 28))
    if source == "text":
        return rng.choice([f"{date:%B} {date.day}", f"{date.day} {date:%B}", f"{date:%m/%d}"])
    return say_date(date, rng, "month_day")


STREETS = ["elm", "oak", "maple", "cedar", "pine", "washington", "lincoln", "park", "lake"]
STREETS += ["hillcrest", "sunset", "riverside", "willow", "birch", "chestnut", "magnolia"]
STREETS += ["jefferson", "franklin", "highland", "meadow", "second", "fifth", "church"]
STREET_TYPES = [
    ("street", "St"),
    ("avenue", "Ave"),
    ("road", "Rd"),
    ("drive", "Dr"),
    ("lane", "Ln"),
    ("boulevard", "Blvd"),
    ("court", "Ct"),
    ("place", "Pl"),
    ("way", "Way"),
    ("terrace", "Ter"),
]
CITIES = [
    ("springfield", "illinois", "IL", "62701"),
    ("austin", "texas", "TX", "78701"),
    ("portland", "oregon", "OR", "97205"),
    ("denver", "colorado", "CO", "80202"),
    ("columbus", "ohio", "OH", "43215"),
    ("madison", "wisconsin", "WI", "53703"),
    ("raleigh", "north carolina", "NC", "27601"),
    ("boise", "idaho", "ID", "83702"),
    ("tucson", "arizona", "AZ", "85701"),
    ("albany", "new york", "NY", "12207"),
]
UK = [("london", "NW1 6XE"), ("leeds", "LS1 4AP"), ("manchester", "M1 2AB"), ("bristol", "BS1 5TR")]


def _address(rng: random.Random, source: str) -> str:
    if rng.random() < 0.12:
        return _uk_address(rng, source)
    if rng.random() < 0.06:
        box = _digits(rng, rng.choice([3, 4]))
        city, state, abbr, zip_code = rng.choice(CITIES)
        if source == "text":
            return f"P.O. Box {box}, {city.title()}, {abbr} {zip_code}"
        return f"p o box {say_digits(box, rng)} {city} {state} {say_digits(zip_code, rng)}"
    number = rng.choice([rng.randint(1, 99), rng.randint(100, 999), rng.randint(1000, 9999)])
    street = rng.choice(STREETS)
    said_type, typed_type = rng.choice(STREET_TYPES)
    unit_number = rng.randint(1, 40)
    unit_letter = rng.choice(["", "", "a", "b", "c"])
    city, state, abbr, zip_code = rng.choice(CITIES)
    with_unit, with_city, with_zip = rng.random() < 0.4, rng.random() < 0.6, rng.random() < 0.6
    if source == "text":
        parts = [f"{number} {street.title()} {rng.choice([typed_type, said_type.title()])}"]
        if with_unit:
            unit = rng.choice(["Apt", "Apartment", "Unit", "#", "Suite"])
            space = "" if unit == "#" else " "
            parts.append(f"{unit}{space}{unit_number}{unit_letter.upper()}")
        tail = f"{city.title()}, {abbr}" if with_city else ""
        if with_zip:
            tail = f"{tail} {zip_code}".strip()
        return ", ".join([*parts, tail] if tail else parts)
    words = [say_house_number(number, rng), street, said_type]
    if with_unit:
        unit = rng.choice(["apartment", "apt", "unit", "number", "suite"])
        words.append(
            f"{unit} {say_number(unit_number)}" + (f" {unit_letter}" if unit_letter else "")
        )
    if with_city:
        words.append(f"{city} {state}")
    if with_zip:
        words.append(say_grouped([zip_code], rng, rng.choice(["digits", "digits", "numerals"])))
    return " ".join(words)


def _uk_address(rng: random.Random, source: str) -> str:
    number = rng.randint(1, 240)
    street = rng.choice(["baker street", "station road", "high street", "church lane", "mill road"])
    city, postcode = rng.choice(UK)
    if source == "text":
        return f"{number} {street.title()}, {city.title()} {postcode}"
    code = " ".join(
        spell(part.lower())
        if part.isalpha()
        else say_digits(part, rng)
        if part.isdigit()
        else " ".join(say_digits(c, rng) if c.isdigit() else c.lower() for c in part)
        for part in postcode.split()
    )
    return f"{say_number(number)} {street} {city} {code}"


def _zip(rng: random.Random, source: str) -> str:
    zip_code = rng.choice(CITIES)[3]
    return zip_code if source == "text" else say_digits(zip_code, rng)


# Country -> the BBAN's parts: letters ("a") or digits ("n") and their count.
IBAN_FORMATS: dict[str, list[tuple[str, int]]] = {
    "DE": [("n", 8), ("n", 10)],
    "GB": [("a", 4), ("n", 6), ("n", 8)],
    "FR": [("n", 10), ("n", 13)],
    "ES": [("n", 20)],
    "NL": [("a", 4), ("n", 10)],
    "IT": [("a", 1), ("n", 10), ("n", 12)],
    "IE": [("a", 4), ("n", 6), ("n", 8)],
}


def _iban_value(rng: random.Random) -> str:
    country = rng.choice(sorted(IBAN_FORMATS))
    bban = ""
    for kind, size in IBAN_FORMATS[country]:
        pool = string.ascii_uppercase if kind == "a" else string.digits
        bban += "".join(rng.choice(pool) for _ in range(size))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


def _iban(rng: random.Random, source: str) -> str:
    iban = _iban_value(rng)
    groups = [iban[i : i + 4] for i in range(0, len(iban), 4)]
    if source == "text":
        return rng.choice([" ".join(groups), iban])
    zero = rng.choice(["oh", "zero"])
    return " ".join(c.lower() if c.isalpha() else say_digits(c, rng, zero=zero) for c in iban)


def _account(rng: random.Random, source: str) -> str:
    digits = _digits(rng, rng.choice([8, 9, 10, 12]))
    if source == "text":
        return digits
    return say_grouped([digits[:4], digits[4:]], rng, rng.choice(["digits", "runs", "numerals"]))


# Look-alikes: numbers and dates that are not personal data.


def _order(rng: random.Random, source: str) -> str:
    digits = _digits(rng, rng.randint(4, 8))
    if source == "text":
        return rng.choice([digits, digits, f"#{digits}", f"NW-{digits}"])
    style = rng.choice(
        ["digits", "numerals", "runs", "pairs" if len(digits) % 2 == 0 else "digits"]
    )
    return say_grouped([digits], rng, style)


def _ref16(rng: random.Random, source: str) -> str:
    while True:
        digits = _digits(rng, 16)
        if not luhn_ok(digits):
            break
    groups = [digits[i : i + 4] for i in range(0, 16, 4)]
    if source == "text":
        return rng.choice([" ".join(groups), digits, "-".join(groups)])
    return say_grouped(groups, rng, rng.choice(["digits", "numerals", "runs"]))


def _tracking(rng: random.Random, source: str) -> str:
    kind = rng.choice(["ups", "fedex", "usps"])
    if kind == "ups":
        code = "1Z" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16))
    elif kind == "fedex":
        code = _digits(rng, 12)
    else:
        code = "9400" + _digits(rng, 18, string.digits)
    if source == "text":
        return code
    return " ".join(c.lower() if c.isalpha() else say_digits(c, rng, zero="oh") for c in code)


def _price(rng: random.Random, source: str) -> str:
    dollars = rng.choice([9, 12, 19, 24, 35, 49, 79, 99, 129, 249, 399, 1299, 1899])
    cents = rng.choice([0, 0, 99, 95, 50])
    if source == "text":
        amount = f"{dollars:,}" + (f".{cents:02d}" if cents or rng.random() < 0.5 else "")
        return rng.choice([f"${amount}", f"{amount} USD", f"${amount}", f"€{amount}"])
    if cents and dollars < 100:
        return f"{say_number(dollars)} {say_number(cents)}"
    if dollars >= 1000:
        words = say_number(dollars) if rng.random() < 0.5 else _hundreds(dollars)
        return f"{words} dollars"
    return f"{say_number(dollars)} dollars" + (f" and {say_number(cents)} cents" if cents else "")


def _hundreds(n: int) -> str:
    high, low = divmod(n, 100)
    return f"{say_number(high)} {say_number(low)}" if low else f"{say_number(high)} hundred"


HOURS = ["am", "pm", "o clock"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]


def _appt(rng: random.Random, source: str) -> str:
    day = dt.date(2026, 12, 1) + dt.timedelta(days=rng.randint(0, 40))
    hour = rng.randint(9, 16)
    if source == "text":
        clock = f"{hour % 12 or 12}{rng.choice(['pm', ' PM', ':00 pm', ':30 pm'])}"
        if hour < 12:
            clock = clock.replace("pm", "am").replace("PM", "AM")
        return rng.choice(
            [
                f"{day:%Y-%m-%d} {hour:02d}:00",
                f"{day:%m/%d/%Y}",
                f"{day:%b} {day.day} at {clock}",
                f"{day:%A} {day:%B} {day.day}",
                f"{day.day} {day:%B} at {clock}",
                f"next {day:%A} at {clock}",
                f"{day:%m/%d} {clock}",
            ]
        )
    spoken_hour = say_number(hour % 12 or 12)
    return rng.choice(
        [
            f"next {rng.choice(WEEKDAYS)} at {spoken_hour}",
            f"{MONTHS[day.month - 1]} {ordinal(day.day)}",
            f"{MONTHS[day.month - 1]} {ordinal(day.day)} at {spoken_hour} thirty",
            f"the {ordinal(day.day)} at {spoken_hour}",
            f"{rng.choice(WEEKDAYS)} the {ordinal(day.day)} at {spoken_hour} {rng.choice(HOURS)}",
            f"tomorrow at {spoken_hour}",
            f"{MONTHS[day.month - 1]} {ordinal(day.day)} twenty twenty six",
        ]
    )


def _sku(rng: random.Random, source: str) -> str:
    code = f"{rng.choice(['NW', 'XJ', 'AB', 'TL'])}-{_digits(rng, 4)}-{rng.choice('ABCDK')}"
    if source == "text":
        return rng.choice([code, code.replace("-", ""), f"SKU {_digits(rng, 3)}-{_digits(rng, 4)}"])
    return " ".join(
        c.lower() if c.isalpha() else say_digits(c, rng, zero="oh") for c in code if c != "-"
    )


def _qty(rng: random.Random, source: str) -> str:
    n = rng.choice([2, 3, 4, 6, 10, 12, 20, 24, 50, 100, 250])
    return str(n) if source == "text" else say_number(n)


def _year(rng: random.Random, source: str) -> str:
    year = rng.randint(2012, 2026)
    return (
        str(year) if source == "text" else say_pair(str(year)[:2]) + " " + say_pair(str(year)[2:])
    )


def _room(rng: random.Random, source: str) -> str:
    n = rng.choice([4, 12, 14, 22, 105, 214, 310, 402, 1208])
    return str(n) if source == "text" else say_house_number(n, rng)


def _street(rng: random.Random, source: str) -> str:
    street = rng.choice([*STREETS, "main", "market", "broadway"])
    said_type, _typed = rng.choice(STREET_TYPES[:4])
    name = f"{street} {said_type}"
    return name if source == "speech" else name.title()


def _clock(rng: random.Random, source: str) -> str:
    hour, minute = rng.randint(1, 12), rng.choice([0, 15, 30, 45])
    if source == "text":
        return f"{hour}:{minute:02d} {rng.choice(['am', 'pm', 'AM', 'PM'])}"
    return say_number(hour) + (f" {say_number(minute)}" if minute else " o clock")


def _conf(rng: random.Random, source: str) -> str:
    code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3)) + _digits(rng, 4)
    if source == "text":
        return code
    return " ".join(c.lower() if c.isalpha() else say_digits(c, rng, zero="oh") for c in code)


def _count(rng: random.Random, source: str) -> str:
    n = rng.choice([3, 4, 5, 6, 10, 15, 20, 30, 45, 90])
    return str(n) if source == "text" else say_number(n)


def _filler(rng: random.Random, source: str) -> str:
    return rng.choice(FILLERS[:3])


# Placeholder -> (PII kind or None, renderer).
RENDERERS: dict[str, tuple[str | None, Renderer]] = {
    "card": ("card", _card),
    "ssn": ("ssn", _ssn),
    "ssn4": ("ssn", _ssn_last4),
    "phone": ("phone", _phone),
    "email": ("email", _email),
    "dob": ("dob", _dob),
    "birthday": ("dob", _birthday),
    "address": ("address", _address),
    "zip": ("address", _zip),
    "name": ("name", _name),
    "first": ("name", _first),
    "last": ("name", _last),
    "spelled": ("name", _spelled_last),
    "last_spelled": ("name", _last_then_spelled),
    "iban": ("bank", _iban),
    "account": ("bank", _account),
    "order": (None, _order),
    "ref16": (None, _ref16),
    "tracking": (None, _tracking),
    "price": (None, _price),
    "appt": (None, _appt),
    "sku": (None, _sku),
    "qty": (None, _qty),
    "year": (None, _year),
    "room": (None, _room),
    "street": (None, _street),
    "clock": (None, _clock),
    "conf": (None, _conf),
    "count": (None, _count),
    "um": (None, _filler),
}
PII_KINDS = ("card", "bank", "ssn", "phone", "email", "dob", "address", "name")
