"""Cut streamed LLM text into sentences, so speech can start before the answer ends.

A TTS engine speaks whole sentences best (intonation needs the full clause), yet
waiting for the whole answer would add seconds of silence. So text is cut as soon
as a sentence is certainly complete: at ``.``, ``!`` or ``?`` (closing quotes and
brackets included) followed by white space, or at a line break.

What does *not* end a sentence, because a voice would stop mid-thought:

* abbreviations: ``Dr.``, ``Mr.``, ``e.g.``, ``i.e.``, ``vs.``, single initials (``J. Smith``);
* ``a.m.`` / ``p.m.`` unless the next word starts with a capital letter;
* numbers and money: ``3.5``, ``$4.50``, ``v1.2`` (the dot is not followed by white space).

Because a cut needs the character *after* the punctuation, a chunk that ends in
``"$4."`` is held until the next chunk shows ``"50"``: streaming never cuts a number
in two. :meth:`SentenceAggregator.flush` releases what is left when the answer ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["DEFAULT_ABBREVIATIONS", "SentenceAggregator", "split_sentences"]

DEFAULT_ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "vs",
        "approx",
        "dept",
        "e.g",
        "i.e",
        "cf",
        "fig",
        "inc",
        "ltd",
        "co",
        "corp",
        "u.s",
        "u.k",
    }
)
"""Words (lower case, without the final dot) after which a dot never ends a sentence."""

_TIME_SUFFIXES = frozenset({"a.m", "p.m"})
_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)|\n")
_LEADING = "\"'\u201c\u2018(["
_CLOSING = "\"'\u201d\u2019)]"


class SentenceAggregator:
    """Collects streamed text and hands back each sentence once it is complete.

    One aggregator per stream of text (one TTS processor); :meth:`reset` forgets
    the pending text when the caller interrupts.
    """

    __slots__ = ("_abbreviations", "_buffer", "_scan_from")

    def __init__(self, abbreviations: Iterable[str] = DEFAULT_ABBREVIATIONS) -> None:
        self._abbreviations = frozenset(a.lower().rstrip(".") for a in abbreviations)
        self._buffer = ""
        self._scan_from = 0

    @property
    def pending(self) -> str:
        """Text received but not yet part of a complete sentence."""
        return self._buffer

    def push(self, text: str) -> list[str]:
        """Add a chunk of text; return the sentences it completed, oldest first."""
        self._buffer += text
        sentences: list[str] = []
        buffer = self._buffer
        start = 0
        position = self._scan_from
        while match := _END.search(buffer, position):
            position = match.end()
            verdict = self._ends_sentence(buffer, match)
            if verdict is None:  # cannot tell yet: wait for more text
                position = match.start()
                break
            sentence = buffer[start : match.end()].strip()
            if verdict and not _is_list_marker(sentence):
                if sentence:
                    sentences.append(sentence)
                start = match.end()
        self._buffer = buffer[start:]
        self._scan_from = max(0, position - start)
        return sentences

    def flush(self) -> str | None:
        """End of the stream: return the unfinished rest (``None`` if only white space)."""
        rest = self._buffer.strip()
        self.reset()
        return rest or None

    def reset(self) -> None:
        """Forget the pending text."""
        self._buffer = ""
        self._scan_from = 0

    def _ends_sentence(self, text: str, match: re.Match[str]) -> bool | None:
        """Whether ``match`` ends a sentence; ``None`` when the next word is still unknown."""
        if match.group().rstrip(_CLOSING) != ".":
            return True  # "!", "?", "...", a line break
        word = _word_before(text, match.start())
        if not word:
            return True
        if word in self._abbreviations:
            return False
        if len(word) == 1 and word.isalpha() and word.isupper():
            return False  # an initial: "J. Smith"
        if word in _TIME_SUFFIXES:
            following = text[match.end() :].lstrip()
            if not following:
                return None
            return following[0].isupper()
        return True


def _is_list_marker(sentence: str) -> bool:
    """``"2."`` alone: the number of a list item, not a sentence of its own."""
    return sentence.endswith(".") and sentence[:-1].isdigit()


def _word_before(text: str, end: int) -> str:
    """The white-space separated word that ends at ``end``, lower-cased, opening marks removed."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:end].lstrip(_LEADING)
    return word if len(word) == 1 else word.lower()


def split_sentences(text: str, abbreviations: Iterable[str] = DEFAULT_ABBREVIATIONS) -> list[str]:
    """Every sentence of a complete ``text``, the unfinished tail included."""
    aggregator = SentenceAggregator(abbreviations)
    sentences = aggregator.push(text)
    rest = aggregator.flush()
    if rest is not None:
        sentences.append(rest)
    return sentences
