"""Moonshine's tokenizer file, read without the package's native library.

``tokenizer.bin`` (shipped by ``moonshine-cpp`` beside the models) holds every token's
bytes, each after a length prefix. :class:`MoonshineTokenizer` turns decoded ids back
into text and names the number tokens the engine's digit bias raises (``DIGIT_BIAS``).
"""

from __future__ import annotations

__all__ = ["END", "START", "MoonshineTokenizer"]

START, END = 1, 2
"""The decoder's start and end tokens."""
_SPECIAL = frozenset({0, START, END})
_SPACE = "\u2581"  # SentencePiece's word-boundary mark
_NUMBER_WORDS = frozenset(
    (
        "zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
        "eighty", "ninety", "hundred", "thousand", "million", "double", "triple",
    )
)  # fmt: skip


class MoonshineTokenizer:
    """Moonshine's ``tokenizer.bin``: every token's bytes, each after a length prefix.

    A length under 128 is one byte; longer ones take a second byte (7 bits + 8).
    Byte-fallback tokens are the raw byte itself, so a decoded sequence is joined as
    bytes first and read as UTF-8 once.
    """

    def __init__(self, data: bytes) -> None:
        tokens: list[bytes] = []
        at = 0
        while at < len(data):
            size = data[at]
            at += 1
            if size >= 128:
                size = (size & 0x7F) | (data[at] << 7)
                at += 1
            tokens.append(data[at : at + size])
            at += size
        if at != len(data) or not tokens:
            raise ValueError("not a Moonshine tokenizer.bin")
        self._tokens = tokens

    def __len__(self) -> int:
        return len(self._tokens)

    def number_tokens(self) -> list[int]:
        """Ids of the tokens that are a whole number word (at a word start) or digits."""
        found = []
        for i, token in enumerate(self._tokens):
            if i in _SPECIAL:
                continue
            text = token.decode("utf-8", errors="ignore")
            word = text.removeprefix(_SPACE).lower()
            # A number word only where a word starts: "one" inside "phone" is not one.
            if (word.isascii() and word.isdigit()) or (
                text.startswith(_SPACE) and word in _NUMBER_WORDS
            ):
                found.append(i)
        return found

    def decode(self, ids: list[int]) -> str:
        """Text of ``ids``, special tokens left out."""
        raw = b"".join(self._tokens[i] for i in ids if i not in _SPECIAL and i < len(self._tokens))
        return raw.decode("utf-8", errors="replace").replace(_SPACE, " ").strip()
