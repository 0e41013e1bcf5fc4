"""Word error rate with a normaliser for what a caller says on the phone.

Why the normalisation: a recogniser writes "4271" where the caller said "four two
seven one", "March 14th" for "March fourteenth", "$45" for "forty-five dollars",
and adds capitals and punctuation. None of that changes what an agent would
understand, so both sides go through the same steps before words are compared:

1. lower case; ``$N`` becomes ``N dollars`` and ``N%`` ``N percent``;
2. separators inside numbers go: ``1,250`` is ``1250``, ``3:30`` and ``4.50`` are
   two numbers; ordinal suffixes go (``14th`` is ``14``); hyphens split words;
3. runs of number words become numbers the way a listener groups them
   (``forty two`` is 42, ``one hundred and five`` is 105, ``four two`` is 4 then 2,
   ``twenty twenty four`` is 20 then 24); ordinal words count as their number;
   ``oh`` is zero only next to another number;
4. every number is written out as single digits, so ``4271``, ``4 2 7 1``,
   ``forty two seventy one`` and ``four two seven one`` are all ``4 2 7 1``.

Counting digits one by one is deliberate: a wrong digit in an order number is one
error, not a whole wrong "word".
"""

from __future__ import annotations

import re

__all__ = ["corpus_word_error_rate", "edit_distance", "normalize_words", "word_error_rate"]

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "twentieth": 20,
    "thirtieth": 30,
    "fortieth": 40,
    "fiftieth": 50,
    "sixtieth": 60,
    "seventieth": 70,
    "eightieth": 80,
    "ninetieth": 90,
}
_SCALES = {
    "hundred": 100,
    "hundredth": 100,
    "thousand": 1000,
    "thousandth": 1000,
    "million": 1_000_000,
    "millionth": 1_000_000,
}
_SPELLINGS = {"ok": "okay", "e-mail": "email", "mr": "mister", "dr": "doctor"}

_MONEY = re.compile(r"\$\s*(\d[\d,]*(?:\.\d+)?)")
_PERCENT = re.compile(r"(\d)\s*%")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_NUMBER_JOINER = re.compile(r"(?<=\d)[:.](?=\d)")
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_TOKEN = re.compile(r"[a-z0-9']+")


def _tokens(text: str) -> list[str]:
    text = text.lower()
    for spelling, canonical in _SPELLINGS.items():
        text = re.sub(rf"\b{re.escape(spelling)}\b", canonical, text)
    text = _MONEY.sub(r"\1 dollars", text)
    text = _PERCENT.sub(r"\1 percent", text)
    text = _THOUSANDS.sub("", text)
    text = _NUMBER_JOINER.sub(" ", text)
    text = _ORDINAL.sub(r"\1", text)
    text = text.replace("-", " ")
    return [token.strip("'") for token in _TOKEN.findall(text) if token.strip("'")]


def _is_number_word(tokens: list[str], i: int) -> bool:
    token = tokens[i]
    if token in _UNITS or token in _TEENS or token in _TENS or token in _SCALES:
        return True
    if token == "oh":  # "four oh seven", not "oh, I see"
        return any(
            0 <= j < len(tokens) and tokens[j] != "oh" and _is_number_word(tokens, j)
            for j in (i - 1, i + 1)
        )
    return False


def _group_numbers(words: list[str]) -> list[int]:
    """Number words in a row as the numbers a listener hears (see the module doc)."""
    numbers: list[int] = []
    total = group = 0
    last = ""  # kind of the previous word: "", "unit", "teen", "tens", "scale"
    started = False

    def flush() -> None:
        nonlocal total, group, last, started
        if started:
            numbers.append(total + group)
        total = group = 0
        last = ""
        started = False

    for word in words:
        if word == "and":
            continue
        if word in _SCALES:
            scale = _SCALES[word]
            if scale == 100:
                group = (group or 1) * 100
            else:
                total, group = total + (group or 1) * scale, 0
            last, started = "scale", True
            continue
        if word in _TENS:
            kind, value = "tens", _TENS[word]
        elif word in _TEENS:
            kind, value = "teen", _TEENS[word]
        else:
            kind, value = "unit", 0 if word == "oh" else _UNITS[word]
        if last in ("unit", "teen") or (last == "tens" and kind != "unit"):
            flush()  # "four two", "twenty twenty", "nineteen eighty": a new number
        group += value
        last, started = kind, True
    flush()
    return numbers


def normalize_words(text: str) -> list[str]:
    """Lower-case words without punctuation, with every number as single-digit words."""
    tokens = _tokens(text)
    words: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.isdigit():
            words.extend(token)
            i += 1
        elif _is_number_word(tokens, i):
            run = [token]
            i += 1
            while i < len(tokens) and (
                _is_number_word(tokens, i)
                or (tokens[i] == "and" and i + 1 < len(tokens) and _is_number_word(tokens, i + 1))
            ):
                run.append(tokens[i])
                i += 1
            for number in _group_numbers(run):
                words.extend(str(number))
        else:
            words.append(token)
            i += 1
    return words


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    """Fewest substitutions, deletions and insertions turning one word list into the other."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, start=1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (ref_word != hyp_word),
                )
            )
        previous = current
    return previous[-1]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, after normalisation."""
    ref, hyp = normalize_words(reference), normalize_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


def corpus_word_error_rate(pairs: list[tuple[str, str]]) -> float:
    """Errors over all (reference, hypothesis) pairs / all reference words.

    Pooled, not averaged per sentence, so a short sentence's one error does not
    weigh like a long sentence's one error (the usual way corpus WER is reported).
    """
    errors = words = 0
    for reference, hypothesis in pairs:
        ref = normalize_words(reference)
        errors += edit_distance(ref, normalize_words(hypothesis))
        words += len(ref)
    return errors / words if words else 0.0
