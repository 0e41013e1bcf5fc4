"""Joining a second provider's text onto what the caller already heard, without repeats.

When a provider fails half-way through an answer, the caller has heard (or the TTS
holds) the text before the failure. The next provider is asked to continue it, but
models often start over instead, from the sentence or from the whole answer. The
:class:`SeamJoiner` sits on the next provider's text: it holds the text back only
while it could still be such a repeat, and drops the repeated words once they are
certain:

* the next provider's first words are compared, word by word (case and the
  punctuation around words ignored), with the end of what was said;
* a match counts when it reaches the very end of what was said and covers at
  least ``min_overlap`` words, or all of it (the whole answer restarted);
* the last word said may have been cut in the middle ("Mon"): a word that starts
  with it ("Monday.") matches, and only its rest ("day.") goes on;
* as soon as no match is possible any more, everything held goes out at once, so
  a provider that continues properly is delayed by a word or two at most.

A provider that rephrases instead of repeating is not caught: the caller hears both
phrasings. A link that cannot continue at all (the intent engine) starts over, and
when its text does not overlap, ``restart_text`` ("Sorry, let me start again.") is
said first so the caller knows the answer starts again.
"""

from __future__ import annotations

import re

__all__ = ["SeamJoiner"]

_TOKEN = re.compile(r"\S+")


def _norm(word: str) -> str:
    """A word for comparison: lower case, without the punctuation around it."""
    start, end = 0, len(word)
    while start < end and not word[start].isalnum():
        start += 1
    while end > start and not word[end - 1].isalnum():
        end -= 1
    return word[start:end].lower()


class SeamJoiner:
    """Filters the next provider's text deltas; see the module docstring."""

    def __init__(self, said: str, *, restart_text: str = "", min_overlap: int = 2) -> None:
        self._said = said
        self._words = [w for w in (_norm(t) for t in _TOKEN.findall(said)) if w]
        last = said.rstrip()
        self._cut_word = bool(said) and not said[-1].isspace() and said[-1].isalnum()
        self._last_raw = _TOKEN.findall(last)[-1] if last else ""
        self._restart = restart_text.strip()
        self._min_overlap = max(1, min_overlap)
        self._buffer = ""
        self._decided = not self._words
        self._first_out = True
        self._inside_word = False
        self.dropped = ""
        """The text dropped as a repeat of what was said (empty if none)."""

    @property
    def holding(self) -> str:
        """Text received but not passed on yet."""
        return "" if self._decided else self._buffer

    def feed(self, text: str) -> str:
        """The part of ``text`` (with anything held before) that may go to the caller now."""
        if self._decided:
            return self._out(text)
        self._buffer += text
        return self._decide(final=False)

    def finish(self) -> str:
        """The provider's stream ended: whatever was held, minus a repeat."""
        if self._decided:
            return ""
        return self._decide(final=True)

    # --- deciding ---------------------------------------------------------------------------

    def _decide(self, *, final: bool) -> str:
        tokens = [
            (m.start(), m.end(), _norm(m.group()))
            for m in _TOKEN.finditer(self._buffer)
            if _norm(m.group())
        ]
        if not final and tokens and tokens[-1][1] == len(self._buffer):
            tokens.pop()  # the last word may not be complete yet
        said = self._words
        n = len(said)
        waiting = False
        for start in range(n):  # the longest possible repeat first
            length = n - start
            if length < self._min_overlap and start != 0:
                continue
            status = self._match(tokens, start, length)
            if status == "match":
                cut = self._cut_at(tokens[length - 1])
                self.dropped, rest = self._buffer[:cut], self._buffer[cut:]
                return self._settle(rest)
            if status == "open":
                if final:
                    continue
                waiting = True
                break
        if waiting:
            return ""
        return self._settle(self._buffer)

    def _match(self, tokens: list[tuple[int, int, str]], start: int, length: int) -> str:
        said = self._words
        for offset in range(min(length, len(tokens))):
            word, expected = tokens[offset][2], said[start + offset]
            last = start + offset == len(said) - 1
            if word == expected:
                continue
            if last and self._cut_word and word.startswith(expected):
                continue
            return "mismatch"
        return "match" if len(tokens) >= length else "open"

    def _cut_at(self, token: tuple[int, int, str]) -> int:
        """Where the repeat ends in the buffer: after the word, or inside it for a cut word."""
        begin, end, word = token
        expected = self._words[-1]
        if self._cut_word and word != expected:
            raw = self._buffer[begin:end]
            prefix = self._last_raw.lower()
            if raw.lower().startswith(prefix):
                self._inside_word = True
                return begin + len(prefix)
        return end

    def _settle(self, rest: str) -> str:
        self._decided = True
        self._buffer = ""
        return self._out(rest)

    def _out(self, text: str) -> str:
        """``text`` with the seam's spacing fixed (and the restart notice), the first time."""
        if not self._first_out or not text:
            return text
        if not self.dropped and self._restart and self._words:
            text = f"{self._restart} {text.lstrip()}"
        self._first_out = False
        said = self._said
        if said and said[-1].isspace():
            return text.lstrip()
        if said and text[0].isalnum() and not self._inside_word:
            return " " + text
        return text
