"""The kinds of personal data the redactor finds, one module per family of shapes.

Each finder takes the text and returns :class:`Found` spans; the redactor merges
them (the longer span wins an overlap) and applies the policy of each kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["KINDS", "Found", "Kind"]

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
