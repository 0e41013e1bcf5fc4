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
"""

from __future__ import annotations

import re

from framekit.privacy.kinds import Found, alternation, words

__all__ = ["restarted"]

_TAKE_BACK = re.compile(
    r"\b(?:sorry|no|wait|i mean|actually|correction|scratch that|oops|um|uh|er|erm"
    r"|start over|start again|starting over|starting again)\b"
)
_REACH = 80
"""Characters before a value where the start it takes back may lie."""
_NUMBER_WORDS = words(
    "zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    " fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy"
    " eighty ninety hundred thousand"
)
_NUMBER = rf"(?:\d+|{alternation(_NUMBER_WORDS)})\b"
_CUT_SHORT = {
    "number": re.compile(rf"(?<!\w)(?:{_NUMBER}[\s-]+)*{_NUMBER}$"),
    "email": re.compile(r"(?<!\w)(?:[a-z0-9]+\s+(?:dot|underscore|dash|hyphen)\s+)+[a-z0-9]+$"),
}
"""A value's shape said in part: where the first try begins, read back from its end."""
_SAID_AFTER = re.compile(r"[\s,.;:!-]*$")


def restarted(text: str, found: Found, floor: int) -> int:
    """Where ``found`` starts with its first try (its own start if there is none);
    ``floor`` is where the value before it ends."""
    start = found.start
    before = text[max(floor, start - _REACH) : start].lower()
    takes = list(_TAKE_BACK.finditer(before))
    if not takes:
        return start
    opening = " ".join(text[start : start + 40].lower().split()[:2])
    last = takes[-1]
    tried = before.rfind(opening, 0, last.start()) if opening else -1
    if tried >= 0 and not (tried and before[tried - 1].isalnum()):
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
