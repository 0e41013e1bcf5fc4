"""Phone numbers' own shapes: the dialling plans a run of digits is read against.

Why apart from :mod:`.numbers`: a phone is the one number whose digits say where it is
dialled (an area code and exchange that never start with 0 or 1, ``00``/``011`` before
a country, a country's code before its trunk zero), and the words around it that belong
to it (an extension after it, "area code" before three digits). :mod:`.numbers` decides
where a phone's label allows it; these say what a phone's digits look like.
"""

from __future__ import annotations

import re

from framekit.privacy.kinds.spoken import NumberRun, number_runs

__all__ = ["AREA_CODE", "EXTENSION", "phone_after_code", "phone_shape", "said_with_trunk"]

EXTENSION = re.compile(
    r"\s*,?\s*(?:ext\.?|extension|x)\s*(?:\d{1,6}\b|(?:(?:zero|oh|one|two|three|four|five|six"
    r"|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred)\b\s*){1,6})",
    re.IGNORECASE,
)
"""An extension after a phone number belongs to it ("(415) 222-9876 ext. 204")."""
_WORD_START = re.compile(r"(?<!\w)\w")
AREA_CODE = re.compile(r"\barea\s+code\s*(?:is\s+|'s\s+|,\s*)?$", re.IGNORECASE)
"""A phone's area code said alone, often after the number ("... area code five one
two"): three digits, as personal as the rest."""

_TRUNK = re.compile(r"(?:44|61|64|353|27|91)0[1-9]\d{8,9}$")
"""A country's calling code said without its "+", then the trunk zero and the national
number (the UK, Australia, New Zealand, Ireland, South Africa, India): "four four oh two
six one ..." is +44 (0)26...; said only (typed, twelve digits are a reference's)."""
_TYPED = re.compile(r"\d")


def phone_shape(digits: str) -> bool:
    """A North American number (area code and exchange not 0 or 1, a trunk "1" allowed)
    or an international one dialled with ``00`` or ``011``."""
    if digits.startswith(("00", "011")):
        return 10 <= len(digits) <= 17
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    return len(digits) == 10 and digits[0] not in "01" and digits[3] not in "01"


def said_with_trunk(run: NumberRun) -> bool:
    """Whether ``run`` is a phone said with its country's code and trunk zero, in words."""
    return _TRUNK.match(run.digits) is not None and not _TYPED.search(run.written)


def phone_after_code(run: NumberRun) -> NumberRun | None:
    """The phone number said right after a postcode, in one breath ("... south carolina
    two nine four one two nine five four three six ..."): the run's last ten digits, when
    they are a phone's and the four or five before them a postcode's (sixteen digits are a
    reference's)."""
    if not 14 <= len(run.digits) <= 15 or not phone_shape(run.digits[-10:]):
        return None
    for token in _WORD_START.finditer(run.written):
        rest = number_runs(run.written[token.start() :])
        if rest and rest[0].digits == run.digits[-10:]:
            at = run.start + token.start()
            return NumberRun(rest[0].digits, at, run.end, run.written[token.start() :])
    return None
