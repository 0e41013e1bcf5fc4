"""Payment cards: the checksum, the issuers' ranges, and readings of a card said aloud.

Why apart from :mod:`.numbers`: a card is the one number that checks itself (Luhn), so
where the reader of spoken numbers could read a run two ways, or a caller said a word
before it or its end again, the checksum picks the reading. :mod:`.numbers` decides
where a card's label allows it.
"""

from __future__ import annotations

from framekit.privacy.kinds.spoken import NumberRun, number_runs

__all__ = ["group_starts", "issued", "luhn_valid", "reread", "retaken", "without_one"]

_MAX_SPLITS = 6
"""Readings tried of a run said with tens and units: 2 ** 6 at most."""


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if i % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def issued(digits: str) -> bool:
    """Whether ``digits`` start as a card issuer's range does (ISO/IEC 7812): 2, 4, 5, 6,
    and of the 3s, American Express (34, 37: 15 digits), JCB (3528-3589) and Diners Club
    (300-305, 36, 38, 39)."""
    if digits[0] in "2456":
        return True
    if digits[0] != "3":
        return False
    return (
        (digits[:2] in ("34", "37") and len(digits) == 15)
        or "3528" <= digits[:4] <= "3589"
        or digits[:2] in ("36", "38", "39")
        or "300" <= digits[:3] <= "305"
    )


def group_starts(digits: str) -> tuple[int, ...]:
    """Where the groups a card is printed and read in start after its first: 4-6-5 for
    American Express and 4-6-4 for Diners Club (a 3 and not JCB's 35), else fours."""
    return (4, 10) if digits[:1] == "3" and digits[:2] != "35" else (4, 8, 12, 16)


def reread(run: NumberRun) -> NumberRun | None:
    """The card in a run whose tens took the next group's first digit ("... eight hundred
    seventy four oh nine one ...": read 874 0911, said 870 4091): the reading with units
    apart that makes a card's 16 digits (15 for American Express) of an issuer that pass
    the checksum, when the run as read does not. Only under a card's label: unlabelled,
    a long number said in pairs would pass one reading or another too often."""
    if (
        not run.splits
        or len(run.splits) > _MAX_SPLITS
        or not 14 <= len(run.digits) <= 15
        or luhn_valid(run.digits)
    ):
        return None
    for chosen in range(1, 2 ** len(run.splits)):
        parts, at = [], 0
        for i, (offset, other) in enumerate(run.splits):
            if chosen >> i & 1:
                parts += [run.digits[at:offset], other]
                at = offset + len(other) - 1
        digits = "".join(parts) + run.digits[at:]
        if len(digits) == (15 if digits[:2] in ("34", "37") else 16) and (
            issued(digits) and luhn_valid(digits)
        ):
            return NumberRun(digits, run.start, run.end, run.written)
    return None


def without_one(run: NumberRun) -> NumberRun | None:
    """The card in a run said after "one" as a word ("the jcb one three five two ..."): the
    run without it, when only without it are its digits a card's."""
    digits = run.digits[1:]
    if (
        run.written[:4].lower() != "one "
        or not 13 <= len(digits) <= 19
        or luhn_valid(run.digits)
        or not (issued(digits) and luhn_valid(digits))
    ):
        return None
    rest = next(iter(number_runs(run.written[4:])), None)
    skip = 4 + (rest.start if rest else 0)  # "one is five four ...": the card from "five"
    return NumberRun(digits, run.start + skip, run.end, run.written[skip:])


def retaken(said: str, again: str) -> str | None:
    """The card a correction gives when it says the number's end again ("4911 3007, no
    sorry, 3007 0038 1225"): the first try's start up to a group of four, then the
    second try, Luhn-valid (None: no such card)."""
    for keep in sorted(range(len(said) + 1), key=lambda k: (k % 4 != 0, -k)):
        digits = said[:keep] + again
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return digits
    return None
