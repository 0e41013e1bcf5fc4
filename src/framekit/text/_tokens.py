"""Words and numbers of a transcript with their place in it, and the edits made to it.

Why spans and not a token list joined back: the written form must leave everything
it does not rewrite exactly as the recognizer wrote it (punctuation, casing,
spacing), so each finder replaces a stretch of the original text and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

from framekit.text.numbers import is_number_word

__all__ = [
    "Edit",
    "Kind",
    "Token",
    "apply",
    "joined",
    "number_joint",
    "numeric",
    "original",
    "spans",
    "tokens",
]

Kind = Literal["word", "digits", "grouped", "decimal", "clock", "ordinal", "iso"]

_TOKEN = re.compile(
    r"(?P<iso>\d{4}-\d\d-\d\d)(?!\d)"
    r"|(?P<clock>\d{1,2}:\d\d)(?!\d)"
    r"|(?P<grouped>\d{1,3}(?:,\d{3})+)(?!,?\d)"
    r"|(?P<decimal>\d+\.\d+)"
    r"|(?P<ordinal>\d+(?:st|nd|rd|th))(?![^\W\d_])"
    r"|(?P<digits>\d+)"
    r"|(?P<word>[^\W\d_]+(?:['\u2019][^\W\d_]+)*)"
)
_SPACE = re.compile(r"\s+")
_HYPHEN = re.compile(r"\s*-\s*|\s+")
_NUMBER_JOINT = re.compile(r"\s*-\s*|\s*,\s+|\s+")


@dataclass(frozen=True, slots=True)
class Token:
    """One word or number as written, with the text between it and the token before."""

    text: str
    kind: Kind
    start: int
    end: int
    before: str
    """What separates this token from the previous one ("" when glued, as in "3pm")."""

    @property
    def lower(self) -> str:
        return self.text.lower().replace("\u2019", "'")


@dataclass(frozen=True, slots=True)
class Edit:
    """Tokens ``first`` to ``stop`` (exclusive) rewritten as ``text``.

    ``end``: where the rewritten stretch ends in the original text, when it reaches
    past the last token (the closing dot of "p.m.").
    """

    first: int
    stop: int
    text: str
    end: int | None = None


def tokens(text: str) -> list[Token]:
    """The tokens of ``text`` in order.

    "42,719", "3:30", "3.30", "14th" and "2026-03-14" are one token each.
    """
    out: list[Token] = []
    previous_end = 0
    for match in _TOKEN.finditer(text):
        kind = cast(Kind, match.lastgroup)  # the group names are the kinds
        out.append(
            Token(
                match.group(), kind, match.start(), match.end(), text[previous_end : match.start()]
            )
        )
        previous_end = match.end()
    return out


def joined(toks: Sequence[Token], i: int, *, hyphen: bool = False) -> bool:
    """Whether token ``i`` follows the one before it after plain spaces (or a hyphen)."""
    if i <= 0 or i >= len(toks):
        return False
    pattern = _HYPHEN if hyphen else _SPACE
    return pattern.fullmatch(toks[i].before) is not None


def number_joint(toks: Sequence[Token], i: int) -> bool:
    """Whether token ``i`` may continue a spoken number: after spaces, a hyphen or ", "."""
    return 0 < i < len(toks) and _NUMBER_JOINT.fullmatch(toks[i].before) is not None


def numeric(token: Token) -> bool:
    """Whether the token is, or can be part of, a number: digits, "3:30", "14th", "forty"."""
    return token.kind != "word" or is_number_word(token.lower)


def original(toks: Sequence[Token], first: int, stop: int) -> str:
    """Tokens ``first`` to ``stop`` (exclusive) exactly as written, with what is between them."""
    return toks[first].text + "".join(t.before + t.text for t in toks[first + 1 : stop])


def spans(toks: Sequence[Token], edits: Sequence[Edit]) -> list[tuple[int, int, str]]:
    """The edits as (start, end, text) stretches of the original text."""
    return [
        (toks[e.first].start, toks[e.stop - 1].end if e.end is None else e.end, e.text)
        for e in edits
    ]


def apply(text: str, toks: Sequence[Token], edits: Sequence[Edit]) -> str:
    """``text`` with each edit's stretch replaced; the edits must not overlap."""
    parts: list[str] = []
    at = 0
    for start, end, replacement in sorted(spans(toks, edits)):
        parts += [text[at:start], replacement]
        at = end
    parts.append(text[at:])
    return "".join(parts)
