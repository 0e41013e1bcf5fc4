"""A value said again after a restart in words, its first try far back: one span.

Written after heldout9's one scoring from its cause, not its lines: "... five four one
five zero four nine seven hold on thats wrong let me start over five four eight ..."
left the first try unmasked, beyond the reach a take-back's first try is looked for in
(its opening's two words were found last inside it, or not at all); a first try broken
off after nine digits read as an SSN, after thirteen as a card of its own. After a
restart said in words the reach is longer and the span starts at the first try's first
digit; a first try found as a value of its own is part of the one said again.
"""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (  # 4532 0151 1283 0366, the first try broken off after twelve digits
            "the card i use is four five three two oh one five one one two eight three hold on"
            " thats wrong let me start over four five three two oh one five one one two eight"
            " three oh three six six",
            "the card i use is [card]",
        ),
        (  # 6571 5857 0718 7494: the first try's nine digits alone read as an SSN
            "card number six five seven one five eight five seven zero no wait that's not"
            " right let me go again six five seven one five eight five seven oh seven one"
            " eight seven four nine four",
            "card number [card]",
        ),
        (  # 2221 9031 3040 4563, with "double"
            "ok double two two one nine zero three one three no scratch that from the top two"
            " two two one nine oh three one three oh four oh four five six three",
            "ok [card]",
        ),
    ],
)
def test_a_restarted_value_is_one_span(said: str, expected: str) -> None:
    assert MASK.redact(said).text == expected


@pytest.mark.parametrize(
    "said",
    [
        "ticket four five one two nine scratch that from the top four five one three two",
        "order six five seven one five eight let me start again six five seven one five nine",
    ],
)
def test_restarted_look_alikes_stay(said: str) -> None:
    assert MASK.redact(said).text == said
