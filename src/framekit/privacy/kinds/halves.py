"""A card read in two halves with words between them: two values, one per half.

Why: a caller or an agent reading a card back in two parts ("the first eight are ...
and the last eight are ...", "so far you have ... and then ...") leaves two runs of
eight digits, neither a value alone, and between them words that are no number. Only
together do they pass the checksum of an issuer's card, which a pair of unrelated
numbers does about one time in twenty: so the pair is joined only where no label of
another kind (an order's, a gift card's, an amount's, a time's) names either run, the
words between are few and say no correction, and neither half is a value of its own.
The annotator marks each half apart, the words between them unmasked.
"""

from __future__ import annotations

import re
from itertools import pairwise

from framekit.privacy.kinds import Found
from framekit.privacy.kinds.cards import issued, luhn_valid
from framekit.privacy.kinds.spoken import NumberRun
from framekit.privacy.kinds.takebacks import takes_back

__all__ = ["with_halves"]

_GAP = 48
"""Characters between the halves: a short phrase ("and the last eight are")."""
_NO_GAP = re.compile(r"[\d.!?;]")
"""Between the halves: no digit (a third number), no sentence's end."""
_HALF = range(4, 13)
"""A half's digits: a card said as 8 and 8, 4 and 12, 6 and 10."""

Labelled = tuple[NumberRun, list[tuple[str, int]]]


def with_halves(text: str, values: list[Labelled], found: list[Found]) -> list[Found]:
    """``found`` and the cards read in two halves among ``values`` (runs and labels)."""
    added: list[Found] = []
    for (first, labels), (second, second_labels) in pairwise(values):
        if (
            _halves(text, first, second)
            and _unlabelled(labels)
            and _unlabelled(second_labels)
            and not any(f.start < second.end and first.start < f.end for f in found)
        ):
            digits = first.digits + second.digits
            added += [Found("card", first.start, first.end, digits)]
            added += [Found("card", second.start, second.end, digits)]
    return sorted(found + added, key=lambda f: f.start) if added else found


def _halves(text: str, first: NumberRun, second: NumberRun) -> bool:
    """Whether two runs read as one card's halves: together a card, neither alone."""
    gap = text[first.end : second.start]
    digits = first.digits + second.digits
    return (
        len(first.digits) in _HALF
        and len(second.digits) in _HALF
        and 15 <= len(digits) <= 16
        and len(gap) <= _GAP
        and not _NO_GAP.search(gap)
        and issued(digits)
        and luhn_valid(digits)
        and not takes_back(text, first.end, second.start)
    )


def _unlabelled(labels: list[tuple[str, int]]) -> bool:
    """No label, or a card's, names the run."""
    return not labels or labels[0][0] == "card"
