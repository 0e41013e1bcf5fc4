"""IBANs: written in groups or not, in either case, or spelled letter by letter ("double
oh", "triple five" included), the digits said or typed.

An IBAN carries its own check (ISO 13616, mod 97), so a candidate is kept only when
the check holds: a product code or a reference of the same shape passes one time in
97, and the letters and digits of a spelled one need no keyword to be found.
"""

from __future__ import annotations

import re

from framekit.privacy.kinds import Found, words

__all__ = ["find_ibans", "iban_valid"]

_IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]{4}){2,7}(?:[ -]?[A-Za-z0-9]{1,3})?\b")
"""Written in groups of four, with spaces or dashes, in either case (the checksum decides)."""
_GROUP = re.compile(r"[A-Za-z0-9]+")


_COUNTRIES = words(
    """
    AD AE AL AO AT AZ BA BE BF BG BH BI BJ BR BY CF CG CH CI CM CR CV CY CZ DE DJ DK DO DZ EE
    EG ES FI FK FO FR GA GB GE GI GL GQ GR GT GW HN HR HU IE IL IQ IR IS IT JO KM KW KZ LB LC
    LI LT LU LV LY MA MC MD ME MG MK ML MN MR MT MU MZ NE NI NL NO OM PK PL PS PT QA RO RS RU
    SA SC SD SE SI SK SM SN SO ST SV TD TG TL TN TR UA VA VG XK YE
    """
)
"""The countries whose banks issue IBANs (the SWIFT registry and its partial users): any
other two letters before a checksum that holds are a parcel's or a product's code."""


def iban_valid(iban: str) -> bool:
    """ISO 13616's mod-97 check, the IBAN's four first characters moved to its end, for
    a country that has IBANs."""
    compact = _compact(iban)
    if not 15 <= len(compact) <= 34 or compact[:2] not in _COUNTRIES:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def find_ibans(text: str) -> list[Found]:
    """IBANs whose checksum holds: written, or spelled ("g b eight two w e s t ...")."""
    found = []
    for m in _IBAN.finditer(text):
        # The groups may run on into the next word ("... 1332 thanks"): the longest
        # run of whole groups that passes the check is the IBAN.
        groups = list(_GROUP.finditer(text, m.start(), m.end()))
        for n in range(len(groups), 0, -1):
            written = "".join(g.group() for g in groups[:n]).upper()
            if iban_valid(written):
                found.append(Found("bank", m.start(), groups[n - 1].end(), written))
                break
    for m in _SPOKEN_IBAN.finditer(text):
        # One character a token, said twice or thrice after "double" or "triple".
        chars, starts, ends = [], [], []
        for t in _SPOKEN_PART.finditer(text, m.start(), m.end()):
            char = t.group("char")
            times = _REPEAT.get((t.group("repeat") or "").lower(), 1)
            said = list(char) if char.isdigit() else [_DIGIT_WORDS.get(char.lower(), char.upper())]
            chars += said * times
            starts += [t.start()] * len(said) * times
            ends += [t.end()] * len(said) * times
        # The country may follow other letters ("i b a n e s seven nine ..."): it is the
        # two letters before the first two digits.
        first = next((i for i in range(len(chars) - 3) if _digits(chars[i + 2 : i + 4])), 0)
        if value := _longest_valid(chars[first:]):
            end = ends[first + len(value) - 1]
            found.append(Found("bank", starts[first], end, "".join(value)))
    return found


def _compact(iban: str) -> str:
    return iban.replace(" ", "").replace("-", "").upper()


def _digits(chars: list[str]) -> bool:
    return "".join(chars).isdigit()


def _longest_valid(chars: list[str]) -> list[str]:
    """The longest prefix of ``chars`` that is a valid IBAN (none: empty)."""
    for n in range(len(chars), 14, -1):
        if iban_valid("".join(chars[:n])):
            return chars[:n]
    return []


_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_REPEAT = {"double": 2, "triple": 3}
_CHAR = rf"(?:{'|'.join(_DIGIT_WORDS)}|[a-z]|\d+)\b"
_AS_IN = r"(?:\s+as\s+in\s+[a-z]+\b)?"
"""A letter said "as in" a word: "n as in nancy"."""
_SPOKEN_PART = re.compile(
    rf"\b(?:(?P<repeat>double|triple)\s+)?(?P<char>{_CHAR}){_AS_IN}", re.IGNORECASE
)
_GOES_ON = r"(?:\s+(?:then|and|um|uh|erm|er)\b)?"
"""A word said between two groups ("d e eight six one two then three two ...", "g b three
one then l o y d ..."): no character of the IBAN; its checksum still decides."""
_SPOKEN_IBAN = re.compile(
    rf"\b[a-z]\s+[a-z](?:{_GOES_ON}\s+(?:(?:double|triple)\s+)?{_CHAR}{_AS_IN}){{1,34}}",
    re.IGNORECASE,
)
"""A country's two letters, then letters and digits one by one or digits typed in runs
("d e 64656935527242722595", "i t 24 i 1225..."): an IBAN spelled out (its length and
checksum decide)."""
