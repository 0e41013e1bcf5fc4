"""Street addresses: a house number, up to four words, a street type, and what follows.

"221B Baker Street", "twelve thirty four Elm Street, apartment 5, Springfield IL
62701", "123 W 42nd St", "P O box 7815 Columbus Ohio". The grammar, not a list of
phrasings: a house number (digits, or number words as said: "one oh one", "eighty
one forty seven"), up to four name words (ordinals included), a street type written
or said (``St``, "avenue", "blvd"...), then what follows. After the street come the unit,
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
_HOUSE = rf"(?:\d{{1,6}}[A-Za-z]?|{_NUMBER_WORD}(?:[\s-]+(?:and\s+)?{_NUMBER_WORD}){{0,5}})"
_STREET = (
    r"(?:street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl"
    r"|terrace|ter|circle|cir|parkway|pkwy|highway|hwy|square|sq|close|crescent|row|alley|trail"
    r"|trl|plaza|grove|pike|turnpike|expressway|expy|freeway|fwy|route|rte|loop|path|mews"
    r"|gardens|heights|ridge|cove|crossing|landing|causeway|broadway)"
)
"""Street types; not "park", "green" or "view", which follow counts ("2 green ones")."""
_STOP = (
    r"(?:please|thanks|thank|and|but|for|to|by|on|in|my|the|it|is|so|ok|okay|right|because"
    r"|since|with|or|if|then|that|that's|this|today|tomorrow|instead|now|yes|no|from|at"
    r"|was|were|we|i|you|he|she|they|should|ship|send|deliver|call|email|phone|order|card"
    r"|born|birth|date|name|my|our|your|its|it's|can|could|would|will|also"
    r"|store|shop|branch|location|outlet|showroom)\b"
)
_TAIL_WORD = (
    r"(?:#?\d{1,5}(?:-\d{4})?[A-Za-z]?\b(?![.\d-])"  # unit, zip code
    r"|[A-Za-z]{1,2}\d[A-Za-z\d]?\b|\d[A-Za-z]{2}\b"  # a UK postcode's halves
    r"|(?=[A-Za-z]*\d)[A-Za-z\d]{4}\b"  # an Eircode's second half: T12 X2C4
    r"|(?-i:[A-Z]{2})\b"  # a state: OR, IN, ME as written
    rf"|(?!{_STOP})[A-Za-z][A-Za-z.'-]*|{_NUMBER_WORD})"
)
_TAIL = rf"(?:[,\s]+{_TAIL_WORD}){{0,14}}"
_UNIT_WORD = r"(?:flat|apt|apartment|unit|suite|ste)"
_UNIT_NUMBER = r"(?:#?\d\w{0,4}|[A-Za-z])\b"
_UNIT = rf"(?:{_UNIT_WORD}\.?\s*{_UNIT_NUMBER},?\s+)"
"""A unit said before the house: "Flat 6, 27 Dock Road"."""
_STREET_FIRST = r"(?:rue|calle|avenida|chemin|allee|viale|piazza|rua|carrer|strada)"
"""Street types said before the street's name: "15 Rue de la Paix", "3 Calle Mayor" (not
"via", "place" or "avenue": "3 via UPS", "12 place settings")."""
_HINTS = frozenset(re.findall(r"[a-z]+", f"{_STREET} {_STREET_FIRST} {_UNIT_WORD} box zip"))
"""Every address has one of these words: texts without skip the long pattern (a set of
words, 15 times faster than a pattern of them)."""
_WORD = re.compile(r"[a-z]+")
_NAME_WORD = (
    r"(?!(?:to|the|of|at|on|in|for|and|from|by|near)\b)"
    r"(?:[^\W\d_](?:[^\W_]|['.-])*|\d{1,3}(?:st|nd|rd|th))"
)
"""A word of a street's name: "Martin", "O'Neil", "42nd"; not an identifier of code
("call_analyses")."""
_ADDRESS = re.compile(
    r"(?<!\w)(?=\w)(?:"  # tried at a word's start only: twice as fast
    rf"\b{_UNIT}?(?:{_HOUSE}\s+(?:{_NAME_WORD}\s+){{0,4}}?{_STREET}\b\.?"
    rf"|\d{{1,6}}[A-Za-z]?,?\s+{_STREET_FIRST}\s+(?:{_NAME_WORD}\s+){{0,3}}{_NAME_WORD}"
    # A street without its type, known by the unit after it: "88 Kingsway, Flat 2, Leeds".
    rf"|\d{{1,6}}[A-Za-z]?\s+(?:(?-i:[A-Z])[\w'-]+\s+){{0,2}}(?-i:[A-Z])[\w'-]+"
    rf"(?=,\s*{_UNIT_WORD}\.?\s*{_UNIT_NUMBER})){_TAIL}"
    rf"|\b(?:p\.?\s?o\.?|post\s+office)\s+box\s+(?:\d+|{_NUMBER_WORD}(?:\s+{_NUMBER_WORD})*)"
    rf"{_TAIL}"
    rf"|\bzip(?:\s+code)?(?:\s+is|'s|:)?\s+"
    rf"(?P<zip>\d{{5}}(?:-\d{{4}})?\b|{_NUMBER_WORD}(?:\s+{_NUMBER_WORD}){{4}}))",
    re.IGNORECASE,
)
"""The last form, a ZIP code said as one's own: only the code is the value."""


_NOT_A_HOUSE = re.compile(
    r"(?:\b(?:order|item|sku|room|ticket|case|invoice|aisle|gate|qty|quantity|model)\s*(?:no\.?"
    r"|number)?|#|(?:store|shop|branch|location|outlet|showroom)\s+(?:at|on|in))\s*$",
    re.IGNORECASE,
)
"""What before a number makes it an identifier ("Order 12 Main Street store") or a
shop's place ("the store at 12 Main Street"), not where a person lives."""
_SHOP_AFTER = re.compile(r"\s*(?:store|shop|branch|location|outlet|showroom)\b", re.IGNORECASE)
_COUNT = re.compile(
    rf"(?=(?-i:[A-Z])){_NUMBER_WORD}(?:[\s-]+(?:and\s+)?{_NUMBER_WORD})*\s+(?-i:[a-z])",
    re.IGNORECASE,
)
"""A capitalized number word, then a lowercase one: a sentence that starts with a count
("One erasure row per caller"), not a house (typed: "One Infinite Loop"; said: "one
infinite loop")."""


def find_addresses(text: str) -> list[Found]:
    """Every street address in ``text`` but a shop's own."""
    if _HINTS.isdisjoint(_WORD.findall(text.lower())):
        return []
    found = []
    for m in _ADDRESS.finditer(text):
        if (
            _NOT_A_HOUSE.search(text, max(0, m.start() - 24), m.start())
            or _SHOP_AFTER.match(text, m.end())
            or _COUNT.match(text, m.start())
        ):
            continue
        group = "zip" if m.group("zip") else 0
        value = " ".join(m.group(group).lower().split())
        found.append(Found("address", m.start(group), m.end(group), value))
    return found
