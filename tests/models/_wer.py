"""Word error rate for speech tests (may move into the library later).

Why the normalisation: Whisper writes "4271" where a speaker said "4 2 7 1",
"four" where the reference has "4", and adds punctuation and capitals. None of
that changes what a caller would understand, so both sides are lower-cased,
stripped of punctuation, number words become digits and digit runs are split
into single digits before words are compared.
"""

from __future__ import annotations

import re

__all__ = ["normalize_words", "word_error_rate"]

_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_TOKEN = re.compile(r"[a-z0-9']+")


def normalize_words(text: str) -> list[str]:
    """Lower-case words without punctuation, with every digit its own word."""
    words: list[str] = []
    for token in _TOKEN.findall(text.lower().replace("-", " ")):
        token = _DIGIT_WORDS.get(token.strip("'"), token.strip("'"))
        if token.isdigit():
            words.extend(token)
        elif token:
            words.append(token)
    return words


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, after normalisation."""
    ref, hyp = normalize_words(reference), normalize_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i]
        for j, hyp_word in enumerate(hyp, start=1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (ref_word != hyp_word),
                )
            )
        previous = current
    return previous[-1] / len(ref)
