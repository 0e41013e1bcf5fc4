"""An address's pieces that lie outside the span its grammar reads: found addresses joined.

:mod:`.places` reads one address from its house to its postcode. Two things belong to
it that its grammar cannot read, so they are joined to the spans it found:

* a first try taken back: "six oh six main street no sorry six oh eight main street",
  "forty six wait no seven three three pennington terrace", "four seven nine hmm four
  seven nine dogwood trail": the first try is the caller's address too (or the house
  next door), so the span reaches back over it and the take-back between;
* the town of a record whose street is a field of its own (``{"street": "88 Awolowo
  Road", "city": "Ikoyi, Lagos"}``): only once the street was found, so a record without
  an address ("city" of a store, of a flight) or with only its postcode stays.
"""

from __future__ import annotations

import re

from framekit.privacy.kinds import Found, alternation, words

__all__ = ["joined"]

_NUMBER = (
    r"(?:\d{1,6}[a-z]?|"
    + alternation(
        words(
            "zero oh one two three four five six seven eight nine ten eleven twelve thirteen"
            " fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty"
            " sixty seventy eighty ninety hundred thousand"
        )
    )
    + r")\b"
)
_TAKE_BACK = (
    r"(?:no|sorry|wait|i\s+mean|h+m+|u+h+|u+m+|e+r+m*|actually|correction|scratch\s+that"
    r"|oops|let\s+me\s+see|hang\s+on)\b"
)
_PAUSE = r"[\s,.;:!-]"
_BETWEEN = re.compile(rf"{_PAUSE}*(?:{_TAKE_BACK}{_PAUSE}*)+", re.IGNORECASE)
"""What lies between a first try and the address said anew: take-backs, pauses."""
_FIRST_TRY = re.compile(
    rf"(?<!\w)(?>{_NUMBER}(?:[\s-]+(?:and\s+)?{_NUMBER})*){_PAUSE}+(?:{_TAKE_BACK}{_PAUSE}*)+$",
    re.IGNORECASE,
)
"""A house's number taken back before the address: "forty six wait no " (atomic: a run of
numbers read one way, not every way)."""
_TAKE_BACK_ENDS = words(
    "no sorry wait mean hmm hm uh um er erm actually correction that oops see on"
)
"""The last word of every take-back: texts without one before an address skip the pattern."""
_REACH = 60
_STARTS_NUMBER = re.compile(_NUMBER, re.IGNORECASE)
_RECORD_STREET = re.compile(
    r'"(?:[a-z]+_)?(?:street|address|addr|line_?1|address_?line_?1)"\s*:', re.IGNORECASE
)
_RECORD_TOWN = re.compile(
    r'"(?:[a-z]+_)?(?:city|town|suburb|locality|village|district|county|province)"\s*:\s*'
    r'"(?P<town>[^"\\]{1,60})"',
    re.IGNORECASE,
)


def joined(text: str, found: list[Found]) -> list[Found]:
    """``found`` (addresses in ``text``) in order, with each first try taken back joined
    to the address said after it, and a record's town added where its street was found."""
    spans = sorted(found, key=lambda f: f.start)
    out: list[Found] = []
    for span in spans:
        if out and _BETWEEN.fullmatch(text, out[-1].end, span.start):
            out[-1] = _spanning(text, out[-1].start, max(out[-1].end, span.end))
            continue
        if _STARTS_NUMBER.match(text, span.start) and _after_take_back(text, span.start):
            floor = out[-1].end if out else 0
            tried = _FIRST_TRY.search(text, max(floor, span.start - _REACH), span.start)
            if tried:
                span = _spanning(text, tried.start(), span.end)
        out.append(span)
    if out and '":' in text.replace('" :', '":') and _RECORD_STREET.search(text):
        for m in _RECORD_TOWN.finditer(text):
            out.append(_spanning(text, m.start("town"), m.end("town")))
    return out


def _after_take_back(text: str, at: int) -> bool:
    """Whether the word before ``at`` may end a take-back ("uhh", "hmmm" as heard)."""
    before = text[max(0, at - 20) : at].rstrip(" \t,.;:!-").rsplit(None, 1)
    word = before[-1].lower() if before else ""
    return word in _TAKE_BACK_ENDS or re.fullmatch(r"h+m+|u+h+|u+m+|e+r+m*", word) is not None


def _spanning(text: str, start: int, end: int) -> Found:
    """The address from ``start`` to ``end``, its normal form the words said."""
    return Found("address", start, end, " ".join(text[start:end].lower().split()))
