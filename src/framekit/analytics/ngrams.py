"""A caller turn's words and letters as hashed n-grams: what a sentence embedding blurs.

Why: all-MiniLM-L6-v2 places a turn by its topic as much as by its feeling ("oh great,
lost again" sits near "great, it arrived"), and VADER's lexicon misses what a caller
says without an emotional word. Word n-grams keep the exact phrase ("oh great",
"thanks for nothing", "still waiting"); a negation marks the words after it ("not
helpful" is ``not_helpful``, a word of its own, until the next punctuation); letter
n-grams inside words carry a misspelling or a recognizer's spelling ("thx", "pleeease")
to the words they resemble. Each n-gram is hashed (CRC-32, stable across processes and
machines) into one of ``dim`` columns, so there is no vocabulary to ship: the head's
weights over those columns are the whole model.

Lowercased, with the apostrophe kept and other punctuation dropped except ``?`` and
``!``, so a turn typed with capitals and commas reads like the recognizer's lowercase
words of the same turn.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["SparseRows", "hashed_ngrams", "tokens"]

_TOKEN: Final = re.compile(r"[a-z0-9']+|[?!.,;]")
_NEGATORS: Final = frozenset(
    ("not", "no", "never", "nothing", "nobody", "none", "cannot", "cant", "dont", "doesnt",
     "didnt", "wont", "isnt", "wasnt", "arent", "havent", "hasnt", "couldnt", "wouldnt",
     "shouldnt")
)  # fmt: skip
_STOP_NEGATION: Final = frozenset(".,;?!") | {"but"}
_NEGATED_WORDS: Final = 3
"""How many words after a negation are marked: "not very helpful at all" marks three."""


def tokens(text: str) -> list[str]:
    """The turn's words, lowercased, apostrophes dropped, up to three words after a
    negation marked ``not_``; punctuation or "but" ends a negation (``.``, ``,`` and
    ``;`` are dropped, ``?`` and ``!`` kept as words)."""
    out, negated = [], 0
    for token in _TOKEN.findall(text.lower().replace("\u2019", "'")):
        if token in _STOP_NEGATION:
            negated = 0
            if token not in ".,;":
                out.append(token)
            continue
        plain = token.replace("'", "")
        if plain in _NEGATORS or token.endswith("n't"):
            out.append(plain)
            negated = _NEGATED_WORDS
        elif negated:
            out.append("not_" + plain)
            negated -= 1
        else:
            out.append(plain)
    return out


def _grams(words: Sequence[str], chars: tuple[int, ...]) -> tuple[set[str], set[str]]:
    """The words' n-grams (unigrams and bigrams) and their letters' n-grams."""
    said = {*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))}
    letters: set[str] = set()
    for word in words:
        padded = f" {word} "
        letters.update(padded[i : i + n] for n in chars for i in range(len(padded) - n + 1))
    return said, letters


def hashed_ngrams(
    texts: Sequence[str], dim: int, chars: tuple[int, ...] = (3, 4)
) -> npt.NDArray[np.float64]:
    """One row per text: its word unigrams and bigrams and letter ``chars``-grams, hashed
    into ``dim`` columns, each present n-gram counted once, each row's two parts (words,
    letters) scaled to unit length so a long turn weighs as much as a short one."""
    rows = np.zeros((len(texts), dim))
    for n, text in enumerate(texts):
        for kind, grams in zip("wc", _grams(tokens(text), chars), strict=True):
            if grams:
                columns = [zlib.crc32(f"{kind}:{g}".encode()) % dim for g in grams]
                np.add.at(rows[n], columns, 1.0 / np.sqrt(len(grams)))
    return rows


class SparseRows:
    """Rows of hashed n-grams kept as their nonzero entries: a turn sets a few hundred of
    4,096 columns, so a head's fit multiplies by them in a twentieth of the dense time
    (the same sums, in another order)."""

    def __init__(self, rows: npt.NDArray[np.float64]) -> None:
        self.shape = rows.shape
        self._row, self._column = np.nonzero(rows)
        self._value = rows[self._row, self._column]

    def dot(self, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """``rows @ weights`` (``weights``: one row per column of the rows)."""
        out = np.empty((self.shape[0], weights.shape[1]))
        for k in range(weights.shape[1]):
            terms = self._value * weights[self._column, k]
            out[:, k] = np.bincount(self._row, weights=terms, minlength=self.shape[0])
        return out

    def tdot(self, other: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """``rows.T @ other`` (``other``: one row per row of the rows)."""
        out = np.empty((self.shape[1], other.shape[1]))
        for k in range(other.shape[1]):
            terms = self._value * other[self._row, k]
            out[:, k] = np.bincount(self._column, weights=terms, minlength=self.shape[1])
        return out
