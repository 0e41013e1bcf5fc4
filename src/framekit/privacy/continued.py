"""A number said across two turns: where the caller's earlier words continue into this turn.

A caller reading out a number pauses between its groups: "my phone number is five five
five, two one three ... four four seven seven". When a pause is long enough to end the
turn (the caller looks for the card, the line breaks up), the recognizer delivers the
number in two transcripts, and the second, "213 4477.", is a bare run of digits that no
finder can call a phone number on its own. Read with the end of the turn before it, it
is one: so the redactor reads a turn that starts with a number together with the tail
of the same caller's previous turn when that turn ended with a number too, and masks
what falls in this turn.

Only numbers continue across turns: they are the values said in groups with pauses
(cards, phone, social security and account numbers), and a turn that neither ends nor
starts with one joins nothing, so a turn's redaction never depends on unrelated words
said before it.
"""

from __future__ import annotations

import re

__all__ = ["TAIL_CHARS", "continued_from"]

TAIL_CHARS = 120
"""How much of the previous turn is read with this one: enough for a label and the
groups already said ("my card number is 4111 1111 1111"), little enough to stay cheap."""

_NUMBER_WORDS = (
    "zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple"
    "|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
    "|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred"
)
_ENDS_WITH_NUMBER = re.compile(rf"(?:\d|\b(?:{_NUMBER_WORDS}))[\s.,;:!?\-\u2013\u2014]*\Z", re.I)
_STARTS_WITH_NUMBER = re.compile(rf"\s*(?:\+?\d|(?:{_NUMBER_WORDS})\b)", re.I)
_CLOSING = " \t\n.,;:!?-\u2013\u2014"


def continued_from(before: str, text: str) -> str:
    """The tail of ``before`` that ``text`` continues, or ``""`` when it continues nothing.

    ``before`` is the same speaker's previous turn, ``text`` this one; the tail comes
    without the pause's punctuation ("... is 555-213." gives "... is 555-213"), to be
    read as ``f"{tail} {text}"``.
    """
    if not before or not _STARTS_WITH_NUMBER.match(text) or not _ENDS_WITH_NUMBER.search(before):
        return ""
    tail = before.rstrip(_CLOSING)
    if len(tail) > TAIL_CHARS:
        cut = tail.find(" ", len(tail) - TAIL_CHARS)
        tail = tail[cut + 1 :] if cut >= 0 else tail[-TAIL_CHARS:]
    return tail
