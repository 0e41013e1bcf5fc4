"""Number runs: digits as people say and write them, with where they lie in the text.

Why one scanner for every numeric kind: a card, a phone or a social security number
reaches the transcript in many forms ("4111 1111 1111 1111", "four one one one...",
"double five", "forty one eleven", "five thousand three hundred seven", "um" in
between), and only the digit string says which kind it is (its length, its
checksum). The scanner turns each run of number tokens into its digits and the span
it covers, once per text, and the kinds classify the runs.

Spoken numbers are read as a person groups them: each number closes when the next
word cannot extend it ("forty" + "one" is 41, "one" + "one" is 1 then 1, "seven"
"hundred" "forty" is 740, "five thousand thirteen" is 5013), or at a pause between
them (a hesitation, a comma, a dash: "seventy, um, seven" is 70 then 7; only "and"
goes on: "two thousand and four").

A recognizer writes some digits as the words they sound like: "for", "to", "too",
"won", "ate" ("six for oh nine", "to eight one"). Read as heard (``heard=True``), such a
word is a digit beside a number in words (between typed ones it is a word: "0001 to
0002"); at a run's either end it may be the word it is ("tickets for two", "... to
confirm"), so the run keeps the span without it (:attr:`NumberRun.soft`) for its kind
to fall back on (:func:`plain_runs`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["RESTART", "NumberRun", "after_restart", "number_runs", "plain_runs"]

_VALUES = {
    "zero": 0, "oh": 0, "o": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_REPEAT = {"double": 2, "triple": 3}
_HEARD = {"for": 4, "to": 2, "too": 2, "won": 1, "ate": 8}
"""Words a recognizer writes for a digit said among others."""
_WHILE = r"(?:sec(?:ond)?|moment|minute|min|tick|mo)s?\b"
_PAUSE = re.compile(
    rf"(?:(?:(?:hang|hold) on(?: a {_WHILE})?|(?:one|just a|wait a|give me a|gimme a) {_WHILE}"
    r"|bear with me|let me see|let me check|let's see|okay|ok|right|you know|like"
    r"|yeah|yep|yup|got (?:that|it)|mhm|alright|next)\b[\s,.]*)+",
    re.IGNORECASE,
)
"""What a caller says while finding the next digits; read ``heard``, a spoken run goes on
through it when a number follows ("four eight right sixty four", "six five, hang on,
nine two", "three eight five eight one sec oh one ..."), or while the listener
confirms a group ("six four four three got that three six ...", "... one six yeah double
four ...", "oh eight uh huh seven one one": heldout9's cards and accounts)."""
_ONE_WHILE = re.compile(rf"[\s,]+{_WHILE}", re.IGNORECASE)
"""After "one": a hold ("one sec", "one moment"), so the "one" is no digit: read as one,
a card said "... six four seven one sec three oh ..." has a digit too many and fails its
checksum, and the hold's "sec" cuts the number in two."""
_FILLERS = frozenset(
    {"um", "uh", "er", "erm", "uhm", "umm", "uhh", "hmm", "hm", "ah", "eh", "mm", "and", "then"}
    | {"huh"}  # "uh huh": the listener's yes
    | {"dash", "hyphen"}
)
"""Words a caller puts between digits; they never end a run (but never start one). "and"
joins only numbers said ("two thousand and four"): between typed ones ("44102 and 44107")
it lists two."""

_COUNTS = frozenset({"last", "first"})
"""The number after these counts digits ("the last four are ..."): it is not one of them."""
_MACHINE = re.compile(
    r"(?<![.\d])(?:"
    r"\d{1,3}(?:\.\d{1,3}){2,}(?!\.?\d)"  # an IP address, a version: 127.0.0.1, 3.14.5
    r"|\d+\.\d+(?!\.?\d)"  # a decimal: 0.0, -1.635899, HTTP/1.1
    r"|\d{8}(?:-[\da-fA-F]{4}){3}-[\da-fA-F]{12}\b"  # a UUID (after a letter: glued)
    r"|(?:(?<=HTTP/\d\.\d\" )|(?<=HTTP/\d\" ))\d{3} (?:\d+|-)"  # a response's status and size
    r")"
)
"""What machines write with digits and no person has: never a number of a person, nor
part of one. A value's dotted groups are never all of one to three digits (a phone's
last group has four: 312.337.3547), nor is it one decimal."""
_TOKEN = re.compile(r"[A-Za-z\d]+|\+\d+|%2[Bb]\d+|[^\sA-Za-z\d]")
"""Digits glued to letters ("CA1", "5B") are a word, not a number; a ``+`` may be written
as a URL writes it (an access log's ``?q=%2B14155550134``)."""
_TYPED_O = re.compile(r"\d+[Oo][\dOo]*|[Oo]+\d[\dOo]*")
"""Digits with a letter O among them, the way a zero is sometimes typed."""
_PATH = re.compile(r"[.:/][^\s.:/]*\Z")
"""A word with ``.``, ``:`` or ``/`` in it is a path or a place in code, not a label."""
_JOINERS = frozenset("-./()\u2010\u2011\u2012\u2013\u2014\u2212")
"""Hyphens and dashes of any width (en, em, minus) join written groups."""
_SPOKEN_JOINERS = frozenset(",")
"""A comma joins spoken digits ("five five five, one two"), not written numbers (a list);
read ``heard``, typed digits and said ones after them too ("2781, six five eight one")."""


RESTART = (
    r"(?:let\s+me\s+)?(?:start(?:ing)?\s+(?:over|again)|(?:try|say\s+(?:it|that)|repeat)"
    r"(?:\s+that)?\s+again|from\s+the\s+(?:top|start|beginning)|scratch\s+that)"
)
"""What a caller says to take back every digit said so far and say the number anew."""
_RESTART = re.compile(rf"\b{RESTART}\b", re.IGNORECASE)


def after_restart(text: str) -> str | None:
    """What ``text`` says after its last restart ("... sorry, start over. four five ...":
    the digits before it are taken back); None when it has none."""
    ends = [m.end() for m in _RESTART.finditer(text)]
    return text[ends[-1] :] if ends else None


@dataclass(frozen=True, slots=True)
class NumberRun:
    """Consecutive number tokens: their digits, and the text span they cover."""

    digits: str
    start: int
    end: int
    written: str
    """The run's text as it stands (for written shapes such as ``123-45-6789``)."""
    splits: tuple[tuple[int, str], ...] = ()
    """Where a unit was read into the tens before it ("seventy four": 74) and what the
    digits there would be if it was the next number's first ("70" "4"): offset in
    ``digits``, and the other reading of that number. A checksum may decide."""
    soft: tuple[int, int] | None = None
    """Where the run starts after a digit's homophone that opens it ("for" in "tickets
    for two five") and ends before one that closes it ("to" in "... one two to
    confirm"), when it has either (read ``heard``; else its own start and end)."""


class _Run:
    """A run being read: the digits so far and the number being said."""

    __slots__ = (
        "base", "digits", "end", "open", "repeat", "small", "soft_end", "soft_start", "splits",
        "spoken", "start", "unit",
    )  # fmt: skip

    def __init__(self, start: int) -> None:
        self.start = start
        self.end = start
        self.digits: list[str] = []
        self.base = 0  # the thousands of the number being said
        self.small: int | None = None  # its part under a thousand (None: no number open)
        self.open = 0  # the largest value that can still be added to it
        self.repeat = 1  # "double" repeats the next digit
        self.spoken = False
        self.unit = 0  # the unit just added to tens ("seventy four": 4)
        self.splits: list[tuple[int, str]] = []
        self.soft_start: int | None = None  # after a homophone that opened the run
        self.soft_end: int | None = None  # at a homophone that closed it so far

    def literal(self, digits: str, end: int) -> None:
        self.soft_end = None
        self.close()
        self.digits.append(digits)
        self.end = end

    def word(self, value: int, end: int) -> None:
        self.soft_end = None
        self.spoken = True
        self.end = end
        if self.repeat > 1:
            self.close()
            self.digits.append(str(value) * self.repeat)
            self.repeat = 1
            return
        if (
            self.small is not None
            and 0 < value <= self.open
            and not (value >= 10 and self.open < 99)
        ):
            self.unit = value if value < 10 and self.small % 100 >= 20 else 0
            self.small += value
            self.open = 9 if value >= 20 and value % 10 == 0 else 0
            return
        self.close()
        self.small = value
        self.open = 9 if value >= 20 else 0

    def scale(self, word: str, end: int) -> bool:
        """``hundred`` or ``thousand`` after a number: multiplies it."""
        if self.small is None:
            return False
        self.end = end
        self.unit = 0
        if word == "hundred" and self.small < 100:
            self.small *= 100
            self.open = 99
        elif word == "thousand" and self.base == 0:
            self.base, self.small, self.open = self.small * 1000, 0, 999
        elif word == "thousand" and self.small % 10 and self.small > 20:
            # "...four hundred twenty seven thousand...": the "seven" was the next number's
            unit = self.small % 10
            self.small -= unit
            self.close()
            self.base, self.small, self.open = unit * 1000, 0, 999
        else:
            return False
        return True

    def close(self) -> None:
        if self.small is not None:
            said = self.base + self.small
            if self.unit:
                at = sum(len(d) for d in self.digits)
                self.splits.append((at, f"{said - self.unit}{self.unit}"))
            self.digits.append(str(said))
        self.base, self.small, self.open, self.unit = 0, None, 0, 0


def number_runs(text: str, *, heard: bool = False) -> list[NumberRun]:
    """Every run of number tokens in ``text`` (single digits included), in order;
    ``heard``: a digit's homophone beside a number is a digit."""
    runs: list[NumberRun] = []
    run: _Run | None = None
    previous = ""
    skip = 0
    for match in _TOKEN.finditer(text):
        if skip:  # inside a machine's token
            if match.start() < skip:
                continue
            skip = 0
        token = match.group()
        word = token.lower()
        counted, previous = previous in _COUNTS, word
        if (token[0].isdigit() or token[-1].isdigit()) and _TYPED_O.fullmatch(token):
            # "6O1-23-4477": a letter O typed for a zero
            token = token.replace("O", "0").replace("o", "0")
        digits = token if token[0] not in "+%" else token[1:] if token[0] == "+" else token[3:]
        if digits.isdigit():
            if digits is token and (skip := _machine(text, match.start(), match.end())):
                if run is not None:
                    runs.append(_finish(run, text))
                    run = None
                previous = ""
                continue
            if run is None:
                if counted or _glued(text, match.start()):  # "CA1.179...": an identifier's
                    continue
                # "(555) 010-4477": the bracket is the number's
                run = _Run(match.start() - (text[match.start() - 1 : match.start()] == "("))
            run.literal(digits, match.end())
        elif (
            word in _VALUES
            and (run is not None or (not counted and _starts_run(word, text, match.end())))
            and not (word == "one" and _ONE_WHILE.match(text, match.end()))
        ):
            if run is None:
                run = _Run(match.start())
            run.word(_VALUES[word], match.end())
        elif word in ("hundred", "thousand") and run is not None and run.scale(word, match.end()):
            continue
        elif (
            heard
            and word in _HEARD
            and ((follows := _number_follows(text, match.end())) or run)
            and ((run is not None and run.spoken) or _number_follows(text, match.end(), said=1))
        ):
            if run is None:
                run = _Run(match.start())
                run.soft_start = match.end()
            run.word(_HEARD[word], match.end())
            if not follows:
                run.soft_end = match.start()
        elif word in _REPEAT or word == "plus":
            if run is None:
                run = _Run(match.start())
            if word != "plus":
                run.close()
                run.repeat = _REPEAT[word]
        elif run is not None and (
            (word in _FILLERS and (run.spoken or word != "and"))
            or (token in _JOINERS and not _spaced_slash(text, match.start(), token))
            or (
                token in _SPOKEN_JOINERS
                and (run.spoken or (heard and _number_follows(text, match.end(), said=2)))
            )
        ):
            if word != "and":  # a pause ends the number said ("seventy, um, seven": 70 7)
                run.close()
            continue
        elif (
            heard
            and run is not None
            and run.spoken
            and (pause := _PAUSE.match(text, match.start()))
            and _number_follows(text, pause.end())
        ):
            run.close()
            skip = pause.end()
        elif run is not None:
            runs.append(_finish(run, text))
            run = None
    if run is not None:
        runs.append(_finish(run, text))
    return [r for r in runs if r.digits]


def _machine(text: str, start: int, end: int) -> int:
    """Where the machine's token that starts at ``start`` ends (0: none starts there).

    Tried only where one may start (a ``.`` or a ``-`` after the digits, a response's
    status after a quote): the tokenizer stays as fast as before."""
    after = text[end : end + 1]
    if after == "." or (after == "-" and end - start == 8) or text[start - 2 : start] == '" ':
        match = _MACHINE.match(text, start)
        return match.end() if match else 0
    return 0


def _spaced_slash(text: str, at: int, token: str) -> bool:
    """A slash with a space either side separates fields ("SSN 696-69-5656 / 742 Evergreen
    Ter"); within a number it has none ("84/92", "12/07")."""
    return token == "/" and text[at - 1 : at] == " " and text[at + 1 : at + 2] == " "


def _glued(text: str, at: int) -> bool:
    """Whether the digits at ``at`` continue a word through ``.``, ``_``, ``/`` or ``-``
    ("CA1.179...", "NW-4417"), a number through ``:`` ("10:30"), or a path or a log
    record's place through ``:`` ("aiohttp.access:log:229", "host.local:8080"); a colon
    after a lone word ends a label ("SSN:123456789")."""
    if at < 2 or not text[at - 2].isalnum():
        return False
    if text[at - 1] != ":":
        return text[at - 1] in "._/-"
    return text[at - 2].isdigit() or _PATH.search(text, max(0, at - 80), at - 1) is not None


def _number_follows(text: str, at: int, *, said: int = 0) -> bool:
    """Whether the token after ``at`` is a number (digits, a digit's word, "double");
    ``said``: a number in words (a homophone between typed numbers is a word: "update
    0001 to 0002"), 2: or a homophone that a word follows ("663, won six")."""
    match = _TOKEN.search(text, at)
    if match is None:
        return False
    following = match.group().lower()
    if said == 2 and following in _HEARD:
        return _number_follows(text, match.end(), said=1)
    return (following.isdigit() and not said) or following in _VALUES or following in _REPEAT


def _starts_run(word: str, text: str, at: int) -> bool:
    """A digit word starts a run, except "oh" or "o" not followed by a number ("oh, I see")."""
    if word not in ("o", "oh"):
        return True
    match = _TOKEN.search(text, at)
    if match is None:
        return False
    following = match.group().lower()
    return following.isdigit() or following in _VALUES or following in _REPEAT


def _finish(run: _Run, text: str) -> NumberRun:
    run.close()
    digits = "".join(run.digits)
    soft = None
    if run.soft_start is not None or run.soft_end is not None:
        soft = (run.soft_start or run.start, run.soft_end or run.end)
    written = text[run.start : run.end]
    return NumberRun(digits, run.start, run.end, written, tuple(run.splits), soft)


def plain_runs(text: str, run: NumberRun) -> list[NumberRun]:
    """``run`` read without the homophone at its end, at its start, then at both: the
    readings where they were words, the likelier first (a word after a number is a word
    more often than one before it: "... nine seven six for the application")."""
    if run.soft is None:
        return []
    after, before = run.soft
    spans = [(run.start, before), (after, run.end), (after, before)]
    readings = []
    for start, end in dict.fromkeys(s for s in spans if s != (run.start, run.end)):
        inner = number_runs(text[start:end], heard=True)
        if len(inner) == 1:
            got = inner[0]
            readings.append(
                NumberRun(got.digits, start + got.start, start + got.end, got.written, got.splits)
            )
    return readings
