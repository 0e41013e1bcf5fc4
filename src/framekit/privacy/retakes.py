"""Where a value said again after a take-back starts: at its first try.

A caller who stumbles says part of a value, takes it back and says it anew: "g b eight
three barc, sorry, g b eight three b a r c ...", "forty seven um forty seven hawthorn
crescent", "five four uh wait no that's my old card the new one is five four five six
...". The first try is as personal as the rest, so the value's span reaches back to it.
Two forms of a first try are read, both before a take-back word within a short reach:

* the value's first two words said before (anywhere before the take-back: "... wait no
  that's my old card the new one is ...");
* the value's shape cut short right before the take-back, when the value says its
  first word anew with another: a run of numbers ("forty two sorry forty four willow
  bend drive") or an email's pieces joined by "dot" ("luisa dot ortez sorry ortiz at
  gmail dot com").

A restart said in words ("... hold on thats wrong let me start over ...", "scratch that
from the top") follows a whole first try, which may lie further back than the short
reach: after one, the reach is longer and the span starts at the first try's first
digit, not where its opening two words were said last (a card's "five four" recurs
inside it: "five four eight two five four one ...").
"""

from __future__ import annotations

import re
from dataclasses import replace

from framekit.privacy.kinds import Found, alternation, words

__all__ = ["restarted", "with_first_tries"]

_TAKE_BACK = re.compile(
    r"\b(?:sorry|no|wait|i mean|actually|correction|scratch that|oops|um|uh|er|erm"
    r"|start over|start again|starting over|starting again)\b"
)
_REACH = 80
"""Characters before a value where the start it takes back may lie."""
_RESTART = re.compile(
    r"\b(?:start(?:ing)? (?:over|again)|(?:go|try) again|from the top|redo)\b", re.IGNORECASE
)
_RESTART_REACH = 200
"""After a restart said in words: a whole first try (a card's 16 digits said one by one)."""
_NUMBER_WORDS = words(
    "zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    " fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy"
    " eighty ninety hundred thousand double triple"
)
_NUMBER = rf"(?:\d+|{alternation(_NUMBER_WORDS)})\b"
_CUT_SHORT = {
    "number": re.compile(rf"(?<!\w)(?:{_NUMBER}[\s-]+)*{_NUMBER}$"),
    "email": re.compile(r"(?<!\w)(?:[a-z0-9]+\s+(?:dot|underscore|dash|hyphen)\s+)+[a-z0-9]+$"),
}
"""A value's shape said in part: where the first try begins, read back from its end."""
_SAID_AFTER = re.compile(r"[\s,.;:!-]*$")


_SAME_START = 6
"""Digits a first try and the value said again after a restart begin with alike."""


def with_first_tries(text: str, kept: list[Found]) -> list[Found]:
    """``kept`` (in order, not overlapping) with each value's span reaching back to its
    first try. A first try found as a value of its own (a card broken off after nine
    digits reads as an SSN, after thirteen as a shorter card) is part of the value a
    restart says again: one span."""
    out: list[Found] = []
    for found in kept:
        first = out.pop() if out and _first_try(text, out[-1], found) else None
        start = restarted(text, found, out[-1].end if out else 0)
        start = min(start, first.start) if first else start
        out.append(replace(found, start=start) if start != found.start else found)
    return out


def _first_try(text: str, earlier: Found, found: Found) -> bool:
    """Whether ``earlier`` is ``found`` said in part before a restart said in words."""
    same = earlier.normal[:_SAME_START]
    return (
        len(same) == _SAME_START
        and same.isdigit()
        and found.normal.startswith(same)
        and found.start - earlier.end <= _REACH
        and _RESTART.search(text, earlier.end, found.start) is not None
    )


def restarted(text: str, found: Found, floor: int) -> int:
    """Where ``found`` starts with its first try (its own start if there is none);
    ``floor`` is where the value before it ends."""
    start = found.start
    restart = _RESTART.search(text, max(floor, start - _REACH), start) is not None
    before = text[max(floor, start - (_RESTART_REACH if restart else _REACH)) : start].lower()
    takes = list(_TAKE_BACK.finditer(before))
    if not takes:
        return start
    opening = " ".join(text[start : start + 40].lower().split()[:2])
    last = takes[-1]
    tried = before.rfind(opening, 0, last.start()) if opening else -1
    if tried >= 0 and not (tried and before[tried - 1].isalnum()):
        whole = _CUT_SHORT["number"].search(before[:tried].rstrip()) if restart else None
        if whole:
            tried = whole.start()  # the first try's first digit, before its opening's last
        return start - len(before) + tried
    if not _SAID_AFTER.match(before, last.end()):
        return start
    for take in reversed(takes[:-1]):  # "no sorry", "wait no": one take-back
        if not _SAID_AFTER.fullmatch(before, take.end(), last.start()):
            break
        last = take
    shape = _shape(found, opening)
    if shape is None:
        return start
    said = before[: last.start()].rstrip(" \t\n,.;:!-")
    cut = shape.search(said)
    return start - len(before) + cut.start() if cut else start


def _shape(found: Found, opening: str) -> re.Pattern[str] | None:
    """The pattern of a first try cut short, for a value that starts as ``opening``."""
    if found.kind == "email":
        return _CUT_SHORT["email"]
    first = opening.split(" ", 1)[0] if opening else ""
    return _CUT_SHORT["number"] if first and re.fullmatch(_NUMBER, first) else None
