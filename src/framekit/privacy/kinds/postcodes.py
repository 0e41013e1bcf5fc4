"""Addresses written in the European order: the street, its number, then the postcode.

"Am Seeufer 3, 8002 Zürich", "Rue des Lilas 14, 1050 Ixelles", "Kerkstraat 5, 1017 GC
Amsterdam", "ul. Długa 7, 00-238 Warszawa": no street type need be said ("Am Seeufer"),
so the address is known by its shape: capitalized words, a house number, a comma, a
postcode of four or five digits (the Dutch one with its two letters, the Polish one
with its dash) and a capitalized town. A date has that shape too ("Dec 12, 2026
Meeting"), and so has an identifier ("Order 12, 34567 Items"): a month, a weekday or an
identifier's word never starts the street, and a four-digit code is never a year of
now ("Windows 11, 2023 Update"; so "2000 Antwerpen" is missed). Tried only where a
number, a comma and a code follow one another, so most texts skip the pattern.
"""

from __future__ import annotations

import re

from framekit.privacy.kinds import Found, alternation, words

__all__ = ["find_code_after_house"]

_NOT_A_STREET = alternation(
    words(
        "jan january feb february mar march apr april may jun june jul july aug august sep"
        " sept september oct october nov november dec december mon monday tue tues tuesday"
        " wed wednesday thu thur thurs thursday fri friday sat saturday sun sunday order item"
        " invoice ticket case room table page chapter version size qty quantity gate flight"
        " seat platform terminal line step model sku ref reference no number total"
    )
)
_WORD = r"(?-i:[A-Z])[^\W\d_]*(?:['.-][^\W\d_]+)*\.?"
_PARTICLE = r"(?-i:[a-z]{1,3}|d'|l')"
"""The little words inside a street's name: "Rue des Lilas", "Via dei Fori", "Am Bach"."""
_CODE_AFTER_HOUSE = re.compile(
    rf"(?<!\w)(?!(?:{_NOT_A_STREET})\b){_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_WORD}){{0,3}}"
    r"\s+\d{1,4}(?:\s?[a-zA-Z]\b|/\d{1,4})?,\s*"
    r"(?:(?-i:[A-Z]{1,2})-)?(?:(?!19[5-9]\d|20[0-3]\d)\d{4}(?:\s?(?-i:[A-Z]{2})\b)?|\d{5}"
    r"|\d{2}-\d{3})"
    r"\s+(?-i:[A-Z])[\w'-]+(?:[\s-](?-i:[A-Z])[\w'-]+)?",
    re.IGNORECASE,
)
_HINT = re.compile(r"\d,\s*(?:[A-Z]{1,2}-)?\d{2}")


def find_code_after_house(text: str) -> list[Found]:
    """Every address of ``text`` written street, number, postcode, town."""
    if "," not in text or not _HINT.search(text):
        return []
    return [
        Found("address", m.start(), m.end(), " ".join(m.group().lower().split()))
        for m in _CODE_AFTER_HOUSE.finditer(text)
    ]
