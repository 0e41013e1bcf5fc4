"""The kinds of personal data the redactor finds, one module per family of shapes.

Each finder takes the text and returns :class:`Found` spans; the redactor merges
them (the longer span wins an overlap) and applies the policy of each kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["KINDS", "Found", "Kind", "alternation", "words"]

Kind = Literal["card", "bank", "ssn", "phone", "email", "dob", "address", "name"]
KINDS: tuple[Kind, ...] = ("card", "bank", "ssn", "phone", "email", "dob", "address", "name")


@dataclass(frozen=True, slots=True)
class Found:
    """One value found: its kind, its span in the text, and its normal form (for hashing).

    ``normal`` is what makes two sayings of one value equal: a card's digits, an
    email written out (``john.smith@gmail.com`` for "john dot smith at gmail dot com").
    """

    kind: Kind
    start: int
    end: int
    normal: str


def words(text: str) -> frozenset[str]:
    """The words of ``text`` as a set (long lists read best as text)."""
    return frozenset(text.split())


def alternation(words: frozenset[str] | tuple[str, ...]) -> str:
    """A regular expression for any of ``words``, as a trie: Python's ``re`` tries the
    branches of a flat alternation one by one, a trie's first letter picks one."""
    return _trie(sorted({w.lower() for w in words}))


def _trie(words: list[str]) -> str:
    ends = "" in words
    heads: dict[str, list[str]] = {}
    for word in words:
        if word:
            heads.setdefault(word[0], []).append(word[1:])
    if not heads:
        return ""
    branches = [re.escape(head) + _trie(rest) for head, rest in sorted(heads.items())]
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    if ends:
        return f"(?:{body})?"
    return body
