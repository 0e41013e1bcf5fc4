"""Street addresses: a house number, up to four words, and a street type.

"221B Baker Street", "twelve thirty four Elm Street, apartment 5", "42 Main St."
The house number may be spoken; the unit that follows (apartment, unit, suite, flat)
and a following "P.O. Box" are included. A city alone is not redacted: without the
street it does not locate a person.
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
_UNIT = (
    r"(?:,?\s+(?:apartment|apt|unit|suite|flat|number|#)\.?\s*[A-Za-z0-9-]+"
    r"(?:\s+[A-Za-z0-9]\b)?)?"
)
_ADDRESS = re.compile(
    rf"\b{_HOUSE}\s+(?:[A-Za-z][A-Za-z'.-]*\s+){{0,3}}?{_STREET}\b\.?{_UNIT}"
    r"|\bP\.?\s?O\.?\s+Box\s+\d+",
    re.IGNORECASE,
)


def find_addresses(text: str) -> list[Found]:
    """Every street address in ``text``."""
    return [
        Found("address", m.start(), m.end(), " ".join(m.group().lower().split()))
        for m in _ADDRESS.finditer(text)
    ]
