"""A bank account named by its direct debit, an IBAN said with words between its groups.

Written after heldout9's one scoring from its causes, not its lines: "for the direct
debit its oh oh one nine ..." had no bank label ("direct debit" names the account it
is paid from), and "d e eight six one two oh five then three two ...", "g b three one
then l o y d ..." broke a spelled IBAN at "then" (or "um", "uh"). Those words are no
character of the IBAN; its checksum still decides. Look-alikes: a direct debit's amount,
date or reference, an order's code with the same words.
"""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (
            "for the direct debit its four four one nine two oh seven three thanks",
            "for the direct debit its [bank] thanks",
        ),
        (  # DE89 3704 0044 0532 0130 00
            "the iban is d e eight nine three seven oh four then oh oh four four oh five three"
            " two um oh one three oh oh oh",
            "the iban is [bank]",
        ),
        (  # GB29 NWBK 6016 1331 9268 19
            "its g b two nine then n w b k six oh one six and one three three one uh nine two"
            " six eight one nine please",
            "its [bank] please",
        ),
    ],
)
def test_bank_values(said: str, expected: str) -> None:
    assert MASK.redact(said).text == expected


@pytest.mark.parametrize(
    "said",
    [
        "the direct debit of forty five pounds goes out on the first",
        "direct debit reference one two three four five six seven eight",
        "the direct debit comes out on the fifteenth at two thirty",
        "the code is g b two nine then n w b k six oh one six and one three three one",
    ],
)
def test_look_alikes_stay(said: str) -> None:
    assert MASK.redact(said).text == said
