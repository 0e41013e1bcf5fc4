"""Street addresses: a house number, up to four words, a street type, and what follows.

"221B Baker Street", "twelve thirty four Elm Street, apartment 5, Springfield IL
62701", "42 Main St.", "P O box 7815 Columbus Ohio". After the street come the unit,
the town, the state and the postal code, as far as the words look like them (no
word of an ordinary sentence: "please", "and", "for"...). A zip code said as one
("my zip code is 12207") is an address too. A street without a house number ("the
store on Elm Road") is not: it does not locate a person.
"""

from __future__ import annotations

import re

from framekit.privacy.kinds import Found

__all__ = ["find_addresses"]

_NUMBER_WORD = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen"
    r"|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty"
    r"|seventy|eighty|ninety|hundred|thousand)\b"
)
_HOUSE = rf"(?:\d{{1,6}}[A-Za-z]?|{_NUMBER_WORD}(?:[\s-]+{_NUMBER_WORD}){{0,5}})"
_STREET = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl"
    r"|terrace|circle|parkway|pkwy|highway|hwy|square|sq|close|crescent|row|alley|trail"
    r"|plaza|grove)"
)
_STOP = (
    r"(?:please|thanks|thank|and|but|for|to|by|on|in|my|the|it|is|so|ok|okay|right|because"
    r"|since|with|or|if|then|that|that's|this|today|tomorrow|instead|now|yes|no|from|at"
    r"|was|were|we|i|you|he|she|they|should|ship|send|deliver|call|email|phone|order|card"
    r"|born|birth|date|name|my|our|your|its|it's|can|could|would|will|also)\b"
)
_TAIL_WORD = (
    r"(?:#?\d{1,5}(?:-\d{4})?[A-Za-z]?\b(?![.\d-])"  # unit, zip code
    r"|[A-Za-z]{1,2}\d[A-Za-z\d]?\b|\d[A-Za-z]{2}\b"  # a UK postcode's halves
    r"|(?-i:[A-Z]{2})\b"  # a state: OR, IN, ME as written
    rf"|(?!{_STOP})[A-Za-z][A-Za-z.'-]*|{_NUMBER_WORD})"
)
_TAIL = rf"(?:[,\s]+{_TAIL_WORD}){{0,12}}"
_HINT = re.compile(rf"\b(?:{_STREET}|box|zip code)\b", re.IGNORECASE)
"""Every address has one of these words: texts without skip the long pattern."""
_ADDRESS = re.compile(
    rf"\b{_HOUSE}\s+(?:[A-Za-z][A-Za-z'.-]*\s+){{0,3}}?{_STREET}\b\.?{_TAIL}"
    rf"|\bp\.?\s?o\.?\s+box\s+(?:\d+|{_NUMBER_WORD}(?:\s+{_NUMBER_WORD})*){_TAIL}"
    rf"|(?<=zip code is )(?:\d{{5}}(?:-\d{{4}})?|{_NUMBER_WORD}(?:\s+{_NUMBER_WORD}){{4}})"
    rf"|(?<=zip code )(?:\d{{5}}(?:-\d{{4}})?|{_NUMBER_WORD}(?:\s+{_NUMBER_WORD}){{4}})",
    re.IGNORECASE,
)


def find_addresses(text: str) -> list[Found]:
    """Every street address in ``text``."""
    if not _HINT.search(text):
        return []
    return [
        Found("address", m.start(), m.end(), " ".join(m.group().lower().split()))
        for m in _ADDRESS.finditer(text)
    ]
