"""The shapes of postcodes, written and said, that :mod:`.places` reads an address by.

Why apart from :mod:`.places`: a code's shape is the same whichever form of an address
it ends (a street with its type, a street known only by its code, a code said after its
label), and the grammar of streets is long enough without it. Number words are here too:
a code said digit by digit is made of them.
"""

from __future__ import annotations

import re

from framekit.privacy.kinds import alternation, words

__all__ = [
    "CODE_WORDS_SAID",
    "DIGIT",
    "LETTER",
    "NUMBER_WORD",
    "NUMBER_WORDS",
    "ONE_DIGIT",
    "POSTCODE",
    "SAID_CODE",
    "SAID_ZIP",
    "SPOKEN_POSTCODE",
    "TIMES_WORDS",
    "WRITTEN_POSTCODE",
    "code_said_in",
    "named_twice",
]

NUMBER_WORDS = words(
    "zero oh nought one two three four five six seven eight nine ten eleven twelve thirteen"
    " fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy"
    " eighty ninety hundred thousand"
)
NUMBER_WORD = rf"{alternation(NUMBER_WORDS)}\b"
DIGIT = rf"(?:\d|{NUMBER_WORD})"
LETTER = r"[a-z]\b"
WRITTEN_POSTCODE = (
    r"(?-i:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"  # UK: SW1A 2AA, CF37 1EG
    r"|[A-Z]\d[A-Z]\s?\d[A-Z]\d"  # Canada: M6R 1A5
    r"|[A-Z]\d[\dW]\s?(?=[A-Z\d]*[A-Z])[A-Z\d]{4}"  # Ireland's Eircode: T12 X2C4
    r"|[A-Z]{2}\s+\d{5}(?:-\d{4})?)\b"  # a US state and its ZIP
)
SPOKEN_POSTCODE = (
    rf"(?:{LETTER}(?:\s+{LETTER})?\s+{DIGIT}(?:\s+(?:{DIGIT}|{LETTER}))?\s+{DIGIT}"
    rf"|{LETTER}\s+{DIGIT}\s+{LETTER}\s+{DIGIT})\s+{LETTER}\s+(?:{LETTER}|{DIGIT})"
    rf"(?!\s+(?:[a-z]|{DIGIT})\b)"
)
POSTCODE = rf"(?:{WRITTEN_POSTCODE}|{SPOKEN_POSTCODE})"
"""Postcodes that say "address" by their shape alone; the last, a UK or Canadian one said
letter by letter ("c f three seven one e g", "m five v three l nine")."""
SAID_ZIP = (
    rf"{NUMBER_WORD}(?:\s+{NUMBER_WORD}){{4}}"
    rf"(?:\s+(?:dash|hyphen|-)\s+{NUMBER_WORD}(?:\s+{NUMBER_WORD}){{3}})?"
)
"""A ZIP said digit by digit, with its four more after a dash ("six oh six one four dash
two three one oh")."""
_LETTERS = re.compile(r"[a-z]+")
_DIGIT_WORDS = words("zero oh nought one two three four five six seven eight nine")
TIMES_WORDS = frozenset({"double", "triple"})
CODE_WORDS_SAID = _DIGIT_WORDS | TIMES_WORDS
ONE_DIGIT = rf"{alternation(_DIGIT_WORDS)}\b"
_TIMES = r"(?:double|triple)\b"
_CODE_DIGIT = rf"(?:{_TIMES}\s+)?{ONE_DIGIT}"
SAID_CODE = (
    rf"(?!(?:{ONE_DIGIT}\s+){{3}}{ONE_DIGIT}(?!\s+(?:{_TIMES}|{NUMBER_WORD})))"
    rf"{_CODE_DIGIT}(?:\s+{_CODE_DIGIT}){{3,5}}(?!\s+(?:{_TIMES}|{NUMBER_WORD}))"
)
"""A postcode said digit by digit: five digits or six (India's, Singapore's, China's,
Russia's), a pair or three alike said "double" or "triple" ("four double oh oh five
three"): four to six words, but not four plain digits."""


def code_said_in(words: list[str], unnamed: frozenset[str]) -> bool:
    """Whether ``words`` (a text's, lowercase) hold a run of four to six digits' words
    ("double" and "triple" too) after a word not in ``unnamed`` (no number's, nor a word
    no place is named by) and before no number's: only then may :data:`SAID_CODE` end a
    street after its town. Most texts with digits said skip its search: a card or a phone
    said in words is one run too long, an order's number follows "order" or "is"."""
    run, after_name, previous = 0, False, ""
    for word in [*words, ""]:
        if word in CODE_WORDS_SAID:
            if not run:
                after_name = bool(previous) and previous not in unnamed
            run += 1
            previous = word
            continue
        if 4 <= run <= 6 and after_name and word not in NUMBER_WORDS:
            return True
        run, previous = 0, word
    return False


def named_twice(said: str) -> bool:
    """Whether a street said with no word of an address's but its said code names two
    places at least (a building and a town: "b two oh four lotus towers juhu mumbai ..."):
    one word between a number and a code is a thing counted ("two lamps five six ...")."""
    said_words = _LETTERS.findall(said.lower())
    return (
        sum(len(w) > 1 and w not in NUMBER_WORDS and w not in TIMES_WORDS for w in said_words) >= 2
    )
