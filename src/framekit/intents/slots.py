"""Slot values from what a caller said: order numbers, dates and times, names, yes or no.

Why rules and not the embedding model: slot values are exact strings (a digit
dropped is a wrong order), the forms callers use are few and well known, and a
rule is instant, testable and explainable. The embedding model decides *what*
the caller wants; these functions pick out *which* order, *when* and *who*.

Formats (see ``docs/intents.md``):

* an order number is 4 to 8 digits, said as digits, words, pairs or a cardinal
  ("4271", "four two seven one", "forty two seventy one", "4-2-7-1",
  "four thousand two hundred and seventy one"); letters are not part of it;
* dates and times follow :func:`parse_when`'s conventions;
* a name is one to three words after a cue ("my name is", "this is", "call me",
  "under the name"), or the whole answer when the caller was just asked for it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from framekit.intents._when import When, parse_when
from framekit.text.numbers import ORDINALS, is_number_word, number_runs, tokenize

__all__ = [
    "DEFAULT_TOPICS",
    "ORDER_DIGITS",
    "When",
    "extract_name",
    "extract_order_number",
    "extract_topic",
    "parse_when",
    "parse_yes_no",
    "speak_date",
    "speak_digits",
    "speak_time",
]

ORDER_DIGITS = (4, 8)
"""Fewest and most digits an order number has."""

DEFAULT_TOPICS: Mapping[str, tuple[str, ...]] = {
    "hours": ("hour", "open", "close", "closing", "weekend", "sunday", "saturday", "holiday"),
    "returns": ("return", "refund", "send back", "send it back", "exchange", "money back"),
    "shipping": ("shipping", "deliver", "ship", "postage", "courier", "abroad", "international"),
    "payment": ("pay", "card", "paypal", "credit", "debit", "invoice", "instal", "cash"),
    "location": ("address", "located", "location", "where are you", "find you", "parking"),
}
"""FAQ topics and the word stems that name them (a stem matches the start of a word)."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ORDER_CUES = {"order", "number", "reference", "ref", "confirmation"}
_SENTENCES = re.compile(r"[.!?;]\s+")
_CORRECTION = re.compile(r"\b(?:sorry|i meant|actually|not|wrong|instead|no wait)\b", re.IGNORECASE)

_NAME_CUES = re.compile(
    r"\b(?=(my name is|my name's|the name is|the name's|name is|name's|name,|call me|"
    r"under the name(?: of)?|under|this is|i'm|i am|it's|it is|for|try)\s+(.+))",
    re.IGNORECASE,
)
_STRONG_CUES = ("name", "call me", "under")
_WRITTEN_NAME = re.compile(r"[A-Z][a-zA-Z'-]+ [A-Z][a-zA-Z'-]+\b")
_SPELLED = re.compile(r"(?<!['\w])[A-Za-z](?:[\s.-]+[A-Za-z]\b){2,}")
"""A name spelled out letter by letter ("M I L L E R", "m-i-l-l-e-r"): one word."""
_NAME_ALONE = re.compile(r"(?:^|[,.?!] )([A-Z][a-zA-Z'-]+ [A-Z][a-zA-Z'-]+)(?=[,.?!]|$)")
"""Two capitalized words set apart by punctuation: "..., Zoe Johnson, it's the one on...",
"can you get rid of it? John Lewis"."""
"""Two capitalized words: a name as a transcript writes it, after a weak cue ("it's")."""
_NAME_HERE = re.compile(r"(?:^|[,.] ?)([A-Z][a-zA-Z'-]+ [A-Z][a-zA-Z'-]+) (?:here|speaking)\b")
_NOT_NAMES = _words(
    """
    a about actually afraid after again ah and any anyone appointment are around at back
    be booking but by calling can cancel check checking could do don't er fine for from get
    going good great hello help here hey hi how i i'd i'll i'm in interested is it it's
    just like looking me mine my need no not now of off ok okay on order phoning please
    ringing really right so sorry speaking still sure thank thanks that the there this
    to trying uh um wanting want was we well what when where which who why will with
    wondering would yeah yes you your calling about regarding re hoping that's go ahead
    never mind hmm mm oh hold wait nothing anything book make cancel
    yup yep nope nah ta cheers ok yeah right alright indeed
    street road avenue lane drive square market place boulevard
    monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight
    morning afternoon evening noon midday next week the then same time
    january february march april june july august september october november december
    """
)

_YES = _words(
    "yes yeah yep yup ya yah sure correct right ok okay absolutely definitely perfect great "
    "fine affirmative certainly exactly indeed alright"
)
_NO = _words("no nope nah not don't dont never wrong incorrect negative")
_YES_PHRASES = ("please do", "go ahead", "sounds good", "do it", "that works", "uh huh", "mm hmm")
_NO_PHRASES = ("never mind", "nevermind", "hold on", "wait")
_WEAK_YES = frozenset({"okay", "ok", "alright", "right", "fine", "great"})


def extract_order_number(text: str) -> str | None:
    """The order number in ``text`` as a digit string, or ``None``.

    A run of 4 to 8 digits wins; when several do, the one nearest after a cue
    word ("order", "number", "reference") does, or the last one when the caller
    corrects themselves ("sorry, I meant ..."). A run never spans two sentences.
    """
    lo, hi = ORDER_DIGITS
    found: list[str] = []
    text = re.sub(r"(\w)'s\b", r"\1 is", text)  # "nineteen thirty's got to"
    for sentence in _SENTENCES.split(text):  # "...not a seven. 4 7 2 9": two numbers
        tokens = tokenize(sentence)
        runs = [r for r in number_runs(tokens) if lo <= len(r.digits) <= hi]
        cued = [
            r for r in runs if any(t in _ORDER_CUES for t in tokens[max(0, r.start - 3) : r.start])
        ]
        found += [r.digits for r in cued or runs]
    if not found:
        return None
    return found[-1] if _CORRECTION.search(text) else found[0]


def extract_name(text: str, *, expecting: bool = False) -> str | None:
    """A caller's name ("Jane Doe") from ``text``, or ``None``.

    ``expecting``: the caller was just asked for their name, so a bare answer
    ("jane doe") counts, and so do weak cues ("it's", "I'm").
    """
    cleaned = re.sub(r"[^\w' ,.;:!?-]+", " ", text.replace("\u2019", "'"))
    cleaned = _SPELLED.sub(lambda m: re.sub(r"[\s.-]", "", m.group(0)).capitalize(), cleaned)
    candidates: list[tuple[bool, str]] = []
    for match in _NAME_CUES.finditer(cleaned):
        cue = match.group(1).lower()
        strong = any(c in cue for c in _STRONG_CUES) or cue == "this is"
        written = bool(_WRITTEN_NAME.match(match.group(2)))  # "it's Hannah Rossi"
        if strong or (expecting and cue not in ("for", "try")) or written:
            candidates.append((not strong, match.group(2)))
    here = _NAME_HERE.search(cleaned)  # "Fiona Byrne here"
    if here is not None:
        candidates.append((False, here.group(1)))
    candidates += [(True, m.group(1)) for m in _NAME_ALONE.finditer(cleaned)]
    if _CORRECTION.search(cleaned):  # "Tom Becker. no wait, under my wife's name, Ana Becker"
        candidates.reverse()
    # strong cues first, then names written with capitals, then in order
    for _, rest in sorted(candidates, key=lambda c: (c[0], not c[1][:1].isupper())):
        name = _name_words(rest)
        if name:
            return name
    if expecting:
        plain = re.sub(r"[,.;:!?]", " ", cleaned)
        words = [w for w in plain.split() if w.lower() not in ("uh", "um", "er", "yeah", "sure")]
        name = _name_words(" ".join(words)) if 1 <= len(words) <= 3 else None
        if name is not None and len(name.split()) == len(words):
            return name
    return None


def _name_words(text: str) -> str | None:
    words: list[str] = []
    for word in re.split(r"[,.;:!?]", text, maxsplit=1)[0].split():
        lowered = word.lower()
        not_name = lowered in _NOT_NAMES or is_number_word(lowered) or lowered in ORDINALS
        if not_name or not word[0].isalpha() or len(words) == 3:
            break
        words.append(word)
    if not words:
        return None
    return " ".join(w[0].upper() + w[1:] if w.islower() else w for w in words)


def parse_yes_no(text: str) -> bool | None:
    """``True`` for yes, ``False`` for no, ``None`` when neither: the first decisive word wins."""
    lowered = " ".join(tokenize(text))
    positions: list[tuple[int, bool]] = []
    for phrase in _YES_PHRASES:
        if (at := _find_phrase(lowered, phrase)) >= 0:
            positions.append((at, True))
    for phrase in _NO_PHRASES:
        if (at := _find_phrase(lowered, phrase)) >= 0:
            positions.append((at, False))
    offset = 0
    for token in lowered.split():
        if token in _NO:
            positions.append((offset, False))
        elif token in _YES:
            positions.append((offset, True))
        offset += len(token) + 1
    if not positions:
        return None
    positions.sort()
    first = positions[0]
    if first[1] and any(not yes for _, yes in positions):
        # "okay, no, don't book it": a filler yes before a no is not a yes
        word = lowered[first[0] :].split(" ", 1)[0]
        if word in _WEAK_YES:
            return False
    return first[1]


def _find_phrase(text: str, phrase: str) -> int:
    match = re.search(rf"\b{re.escape(phrase)}\b", text)
    return -1 if match is None else match.start()


def extract_topic(text: str, topics: Mapping[str, Sequence[str]] = DEFAULT_TOPICS) -> str | None:
    """The FAQ topic whose stems ``text`` mentions first, or ``None``."""
    lowered = " " + " ".join(tokenize(text))
    best: tuple[int, str] | None = None
    for topic, stems in topics.items():
        for stem in stems:
            at = lowered.find(" " + stem)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, topic)
    return None if best is None else best[1]


def speak_digits(digits: str) -> str:
    """ "4271" as "4 2 7 1", so speech synthesis reads it digit by digit."""
    return " ".join(digits)


def speak_date(date: dt.date, now: dt.datetime | None = None) -> str:
    """ "today", "tomorrow" or "Friday, November 27" (with the year when it is not this year)."""
    if now is not None:
        if date == now.date():
            return "today"
        if date == now.date() + dt.timedelta(days=1):
            return "tomorrow"
    text = f"{date:%A}, {date:%B} {date.day}"
    if now is not None and date.year != now.year:
        text += f", {date.year}"
    return text


def speak_time(time: dt.time) -> str:
    """ "2 PM", "10:30 AM", "noon", "midnight"."""
    if time.minute == 0 and time.hour in (0, 12):
        return "midnight" if time.hour == 0 else "noon"
    hour = time.hour % 12 or 12
    suffix = "AM" if time.hour < 12 else "PM"
    return f"{hour} {suffix}" if time.minute == 0 else f"{hour}:{time.minute:02d} {suffix}"
