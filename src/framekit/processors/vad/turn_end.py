"""How long a pause must last before the caller's turn is over, from what they said so far.

A fixed silence window is a compromise: long enough that "my order number is ...
four five" survives the pause while the caller looks for the number, and therefore
too long after "yes." or "thanks, bye.", where every extra 100 ms is dead air. The
words heard so far tell the two apart well enough to move the window both ways:
a turn that ends a thought (terminal punctuation from the recognizer, a yes or a
thanks) needs only a short pause, a turn that trails off (a conjunction, a
preposition, an article, a filler, "is", a number still too short to be one) a long
one, and anything else the usual one.

Why words and not a turn model: no end-of-turn model ships offline inside a PyPI
package that we found (a search of the package index for turn detection came up
empty), and a lexical rule is free, deterministic and easy to read. Its limits are
those of the transcript: it can only act on text that has arrived, so its benefit
depends on how fast the speech recognizer delivers text after a pause (measured in
``docs/vad.md``, "End of turn").

:class:`TurnEndPolicy` is the interface the VAD consults; :class:`TextTurnEndPolicy`
is the lexical rule. A policy holds no per-call state, so one instance can serve
every call.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

__all__ = ["COVERS_END_TOLERANCE", "TextTurnEndPolicy", "TurnCue", "TurnEndPolicy"]

COVERS_END_TOLERANCE = 0.05
"""Seconds by which a transcript's audio may stop short of the end of speech and still cover it.

The VAD's end of speech (``stopped_at``) is the last 8 ms block standing 10 dB above the
background and within 20 dB of the utterance's loudest window
(:mod:`framekit.processors.vad.endpoint`); the recognizer's early decode ends where its
own pause began plus ``pause_seconds``, a pause being 20 ms frames under a tenth of the
utterance's loudest one (:mod:`framekit.processors.vad.pause`). The two ends lie on
different grids (8 ms blocks against 20 ms frames, a 32 ms window against a 20 ms one
for the loudest), and a last word softer than 20 dB under the loudest is dated by the
background alone: when the VAD still used the background only, the transcripts' audio of
browser turns ended 20 ms before to 20 ms after ``stopped_at``. 50 ms covers that spread
with a 20 ms frame to spare, and stays under any word a caller can add after a pause (a
lone "no" or "and" lasts 100 ms or more): a word said after the transcript's audio moves
the end of speech past it by the word's length, so a transcript within the tolerance has
heard every word. :class:`~framekit.processors.stt.utterance.UtteranceSTTProcessor` uses
the same tolerance to take its early decode as the final transcript.
"""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class TurnCue(Enum):
    """What the words so far say about the end of the turn."""

    COMPLETE = "complete"
    """The words end a thought: a short pause ends the turn."""
    INCOMPLETE = "incomplete"
    """The words trail off: more is coming, wait longer."""
    UNKNOWN = "unknown"
    """No text, or no cue either way: the usual window."""


class TurnEndPolicy(Protocol):
    """Decides how much silence ends the caller's turn.

    The VAD asks on every scored window while the caller is silent after speech,
    with the transcript of the turn so far when the recognizer has one that covers
    the end of speech, else ``None``.
    """

    @property
    def longest_silence(self) -> float:
        """The longest window :meth:`required_silence` can return, in seconds."""
        ...

    def required_silence(self, text: str | None) -> float:
        """Seconds of silence after the last speech that end the turn."""
        ...


_TRAILING_WORDS = _words("""
    and but or so nor because cause cuz since although though if unless until while
    whereas than plus
    to of for from with without at by about into onto under after before between
    through during like as per via
    the a an my your our their its these those some any every each
    is are was were am be been being will would can could should shall may might must
    do does did have has had just
    i we he she they i'm we're you're they're it's i've we've i'll we'll i'd
    um uh er erm hmm ah eh mm basically
    number numbers
    """)
"""A turn ending on one of these is not over: a conjunction, a preposition, an article
or possessive, a verb waiting for its object, a pronoun waiting for its verb, a filler,
or "number" (a number is about to be read out). "is" covers "my order
number is", which Whisper often writes with a full stop."""

_AUXILIARIES = _words(
    "is are was were am will would can could should shall may might must do does did have has had"
)
_SUBJECTS = _words("i you we they he she it that there this")
"""An auxiliary after one of these is a short answer ("yes it is", "I do", "we can"),
not a verb waiting for its object: it is not a trailing word there."""

_COMPLETE_WORDS = _words("""
    yes yeah yep yup no nope nah okay ok alright right sure correct exactly fine great
    perfect thanks thx bye goodbye cheers please done
    """)
"""A turn ending on one of these is over even without punctuation ("yes", "thanks",
"okay bye", "that's all please"); "thank you" and the like are in ``_COMPLETE_PHRASES``.
Words that often end a sentence but also start a clause ("this", "that", "in", "on",
"well", "then") are in neither list: they get the usual window."""

_COMPLETE_PHRASES = ("thank you", "that's it", "that's all", "that is all", "that is it")

_DIGIT_WORDS = _words("zero oh o one two three four five six seven eight nine double triple")
_NUMBER_CONTEXT = _words(
    "number numbers code pin zip postcode phone account order reference ref id digits"
)
_WHOLE_NUMBER_DIGITS: dict[str, int] = {
    **dict.fromkeys(("phone", "mobile", "cell", "telephone", "callback", "landline"), 10),
    **dict.fromkeys(("card", "credit", "debit"), 15),
    **dict.fromkeys(("social", "security", "ssn"), 9),
    "zip": 5,
}
"""Digits a number of a known kind has at least when whole, by a word said before it: a
caller reading "my phone number is five five five, two one three" pauses between the
groups, and six digits are not a phone number yet (a US number has ten, most others more;
a card 15 or 16, an SSN nine). Any other number (an order, a code) needs
``min_number_digits``."""
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_TRAILING_PUNCTUATION = ("...", "\u2026", ",", ";", ":", "-", "\u2013", "\u2014")
_TERMINAL_PUNCTUATION = (".", "?", "!")
_CLOSERS = "\"')]\u201d\u2019 "


@dataclass(frozen=True, slots=True)
class TextTurnEndPolicy:
    """Short, long or usual silence window from the last words of the turn so far.

    The rules, first match wins (text lower-cased, closing quotes and brackets
    ignored):

    1. no text: the usual window (``unknown``);
    2. ends with ``...``, a comma, a colon, a dash: ``incomplete``;
    3. a number run (digits or digit words) after a word like "number", "code",
       "phone", with fewer digits than its kind has when whole (a phone number ten,
       a card 15, an SSN nine, a ZIP code five; any other ``min_number_digits``):
       ``incomplete`` (the caller is still reading it out, pausing between groups);
    4. the last word is a trailing word (conjunction, preposition, article,
       auxiliary, filler, "is", "number"): ``incomplete``, whatever the
       punctuation (Whisper writes "My order number is." for a fragment);
    5. ends with ``.``, ``?`` or ``!``: ``complete``;
    6. the last word is a closing word ("yes", "no", "thanks", "bye", "okay") or the
       text ends with "thank you", "that's it", "that's all": ``complete``;
    7. otherwise: the usual window.
    """

    complete: float = 0.3
    """Seconds of silence that end a turn whose words end a thought."""
    incomplete: float = 1.1
    """Seconds of silence that end a turn whose words trail off."""
    unknown: float = 0.6
    """Seconds of silence that end a turn with no text or no cue."""
    min_number_digits: int = 4
    """Digits a number after "number", "code" and the like needs before it may be whole
    (4: the shortest order number the intent engine reads)."""

    def __post_init__(self) -> None:
        for name in ("complete", "incomplete", "unknown"):
            value = getattr(self, name)
            if not (value >= 0.0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value}")
        if self.min_number_digits < 0:
            raise ValueError(f"min_number_digits must be >= 0, got {self.min_number_digits}")

    @property
    def longest_silence(self) -> float:
        return max(self.complete, self.incomplete, self.unknown)

    def required_silence(self, text: str | None) -> float:
        cue = self.classify(text)
        if cue is TurnCue.COMPLETE:
            return self.complete
        if cue is TurnCue.INCOMPLETE:
            return self.incomplete
        return self.unknown

    def classify(self, text: str | None) -> TurnCue:
        """What ``text`` (the turn so far) says about the end of the turn."""
        if not text:
            return TurnCue.UNKNOWN
        tail = text.lower().replace("\u2019", "'").rstrip(_CLOSERS)
        words = _WORD.findall(tail)
        if not words:
            return TurnCue.UNKNOWN
        if tail.endswith(_TRAILING_PUNCTUATION):
            return TurnCue.INCOMPLETE
        if self._number_too_short(words):
            return TurnCue.INCOMPLETE
        if _trails_off(words):
            return TurnCue.INCOMPLETE
        if tail.endswith(_TERMINAL_PUNCTUATION):
            return TurnCue.COMPLETE
        if words[-1] in _COMPLETE_WORDS or tail.endswith(_COMPLETE_PHRASES):
            return TurnCue.COMPLETE
        return TurnCue.UNKNOWN

    def _number_too_short(self, words: list[str]) -> bool:
        """Whether the text ends with a number being read out that is still too short."""
        digits = 0
        index = len(words)
        while index > 0 and _is_digits(words[index - 1]):
            index -= 1
            digits += _digit_count(words[index])
        if digits == 0 or index == 0:
            return False
        context = words[max(0, index - 3) : index]
        if not any(w in _NUMBER_CONTEXT or w in _WHOLE_NUMBER_DIGITS for w in context):
            return False
        whole = max(_WHOLE_NUMBER_DIGITS.get(w, 0) for w in words[max(0, index - 5) : index])
        return digits < max(whole, self.min_number_digits)


def _trails_off(words: list[str]) -> bool:
    last = words[-1]
    if last not in _TRAILING_WORDS:
        return False
    short_answer = last in _AUXILIARIES and len(words) > 1 and words[-2] in _SUBJECTS
    return not short_answer


def _is_digits(word: str) -> bool:
    return word.isdigit() or word in _DIGIT_WORDS


def _digit_count(word: str) -> int:
    if word.isdigit():
        return len(word)
    return 0 if word in ("double", "triple") else 1
