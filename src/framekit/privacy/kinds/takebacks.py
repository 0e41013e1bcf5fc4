"""What a caller says to take back digits just said, between two runs of one value.

Why apart from :mod:`.numbers`: which words take a number back ("no", "sorry", "wait",
"start over"), and which put a new digit in place of the last one ("... oh four no wait
that's a three ..."), is one vocabulary for every numeric kind; the kinds decide what the
runs it joins are.
"""

from __future__ import annotations

import re

from framekit.privacy.kinds.cards import group_starts
from framekit.privacy.kinds.spoken import RESTART, NumberRun

__all__ = ["readings", "replaces_digit", "takes_back"]

_REACH = 64
"""Characters a correction may take between two runs."""
_TAKE_BACK = (
    r"\b(?:no|nope|sorry|wait|hold on|hang on|one sec(?:ond)?|just a (?:sec(?:ond)?|moment)"
    r"|bear with me|let me (?:see|check)|i mean|i meant|actually|correction|oops"
    rf"|my (?:bad|mistake)|let me repeat(?: that)?|{RESTART}|not|(?:or )?rather|make that"
    r"|that's wrong|again|i said|should be|that should be|sorry about that)\b"
)
_TAKE_BACK_WORD = re.compile(_TAKE_BACK, re.IGNORECASE)
_REPLACES = (
    r"\b(?:(?:that|it|this)(?:'s|s| is| was)|(?:the|that) last (?:one|digit|number)"
    r" (?:was|is|should be|should have been))\s+an?\b"
)
"""A take-back that puts a new digit in place of the last one said ("... oh four no wait
that's a three four five ...", "... one two no that last one was a oh ...")."""
_REPLACED = re.compile(rf"{_REPLACES}[\s,]*$", re.IGNORECASE)
_CORRECTION = re.compile(
    rf"(?:[\s,.;:!?-]+|\b(?:um|uh|er|erm|uhm|so|oh|it's|it is)\b|{_TAKE_BACK}|{_REPLACES})+",
    re.IGNORECASE,
)
"""Between two runs of one value: words that take back what was said (one at least)."""
_GROUP_STARTS = {"ssn": (3, 5)}
"""Where an SSN's groups (3-2-4) start after the first (a card's: :func:`.group_starts`). A
phone's need none: seven digits after its label are a phone, so its first try joins it."""


def takes_back(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` takes back the run before it and nothing else."""
    return (
        end - start <= _REACH
        and _CORRECTION.fullmatch(text, start, end) is not None
        and _TAKE_BACK_WORD.search(text, start, end) is not None
    )


def replaces_digit(text: str, start: int, end: int) -> bool:
    """Whether the correction ``text[start:end]`` ends by putting the next run's first
    digit in place of the last one said ("no wait that's a", "the last one was a")."""
    return _REPLACED.search(text, start, end) is not None


def readings(
    first: NumberRun, second: NumberRun, replaced: bool, kind: str | None = None
) -> list[str]:
    """The digits of two runs a correction joins: the first's last digit replaced by the
    second's first where the correction says so, else the two together; then, for a card
    or an SSN, the first up to where one of its groups starts and the second after it, the
    nearest start first: a caller who slips in a group says that group again, not one
    digit nor the whole value ("... five six three four i mean five six five four ...",
    "eight eight oh one five no one two oh ...")."""
    joined = first.digits + second.digits
    said = [first.digits[:-1] + second.digits, joined] if replaced else [joined]
    starts = group_starts(first.digits) if kind == "card" else _GROUP_STARTS.get(kind or "", ())
    n = len(first.digits)
    return said + [first.digits[:at] + second.digits for at in reversed(starts) if at < n]
