"""Email addresses, written (``john.smith@gmail.com``) or spelled out by voice.

A recognizer writes a spoken address as words: "john dot smith at gmail dot com",
"j o h n at ...", "dee jay marley at yahoo dot com", "the letter k then smith at ...",
"p kowalski eighty eight at wp dot p l". So the spoken form is read from its "at"
(or "at sign", "@") in both directions: forward, a domain of up to four words, its
labels joined by "dot", ending in a top-level domain said or spelled; backward, the
local part, word by word (names, letters, letter names, digits said, "dot",
"underscore", "dash", "plus", "then", "the letter", "b as in bravo", "full stop",
hesitations inside) until a word of the sentence around it ("my email is", "send it
to"). "I'm at the shop" has no "dot" after it; "i am at the shop dot com" has no local
part. Both forms hash alike: the normal form is the written one.
"""

from __future__ import annotations

import re

from framekit.privacy.kinds import Found, words
from framekit.privacy.kinds.spoken import number_runs

__all__ = ["find_emails"]

_WRITTEN = re.compile(
    r"\b[A-Za-z0-9._%+-]+(?:'[A-Za-z0-9._%+-]+)*(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    r"\.[A-Za-z]{2,}\b"
)
"""Written, or as a URL writes it (an access log's ``?q=jane.doe%40example.com``); an
apostrophe inside the local part is the address's (``j.o'neill@eircom.net``)."""
_BRACKETED = re.compile(
    r"\b[A-Za-z0-9._%+-]+\s*[(\[{]\s*at\s*[)\]}]\s*[A-Za-z0-9-]+"
    r"(?:\s*(?:[(\[{]\s*dot\s*[)\]}]|\.)\s*[A-Za-z0-9-]+)+",
    re.IGNORECASE,
)
"""Written to hide it from robots: ``jane.doe(at)example(dot)com``, ``[at]``."""
_PROVIDERS = (
    r"(?:gmail|g\s+mail|googlemail|yahoo|hotmail|outlook|icloud|aol|proton\s*mail|gmx|yandex"
    r"|zoho|comcast|verizon|msn)"
)
"""Mail providers said without their top-level domain: "my email is jdoe at gmail" (only
after an email's word: "we met at yahoo" stays)."""
_EMAIL_WORD = re.compile(r"e-?mail|address", re.IGNORECASE)
_DOT = r"(?:\s+(?:dot|period|point|full\s+stop|\.)\s+|\.(?=[a-z]))"
_SENTENCE_WORD = r"(?:of|the|and|for|to|in|on|is|it|or|at|by|an|as|be|so|if|we|us|me|my|no)\b"
"""After "period" or "point", a word of the sentence, not a top-level domain ("at the same
point of the audio"); after "dot", any ("gmx dot at", "libero dot it")."""
_TLD = (
    rf"(?:(?:\s+(?:dot|\.)\s+|\.(?=[a-z]))|\s+(?:period|point|full\s+stop)\s+(?!{_SENTENCE_WORD}))"
    r"(?:[a-z]{2,6}|[a-z](?:\s+[a-z]){1,3})"
)
_LABEL = r"[a-z0-9]+(?:(?:\s+(?:dash|hyphen|minus)\s+|\s*-\s*|\s+(?=[a-z0-9]\b))[a-z0-9]+)*"
"""A label, with dashes, or spelled letter by letter ("o u t l o o k")."""
_FILLER = r"(?:(?:um|uh|er|erm|uhm)\s+)?"
_DOMAIN_WORD = r"(?!(?:dot|at|period|point|a|an|my|our|your|his|her|their|this|that)\b)[a-z0-9]+"
"""A domain said in words: "at dave smith plumbing dot com", "at the smith family dot org"."""
_AT = re.compile(
    rf"(?:\bat(?:\s+(?:sign|symbol|the\s+rate(?:\s+of)?))?|@)\s+{_FILLER}"
    rf"(?P<domain>(?:{_DOMAIN_WORD}\s+){{0,3}}{_LABEL}(?:{_DOT}{_LABEL})*"
    rf"(?:{_TLD}|\s+dot(?:com|net|org))"
    rf"|(?P<bare>{_PROVIDERS})(?!{_DOT}))\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[a-z]+)?|[._+-]")
_JOINERS = words("dot period point underscore dash hyphen minus plus then . _ - +")
"""Said between the pieces of a local part; never its first or last piece."""
_FILLERS = words("um uh er erm uhm hmm")
_STOP = words(
    "email e-mail mail emails address addresses is was it's its it that's thats my your his"
    " her our their the a an to at send sent use using me you us him them and or but so yes"
    " yeah yep sure okay ok please try contact reach write on in for from with by of under as"
    " also actually like just spelled spell spelling that this here new old personal work"
    " home office business i i'm im we he she they be should would can could will are name"
    " called account login username user hi hello hey no not is what's whats via am were"
    " been i'll we're currently still now have has had got get need want used type typed"
    " wrote put enter entered change changed update updated confirm confirmed check thanks"
    " thank one's correct right sorry should"
)
"""Words of the sentence around an address: its local part starts after the last one."""
_COPULAS = words("is was it's be")
_MAILBOXES = words("hello hi info contact support sales admin office mail team help orders")
"""A business's mailbox said alone before "at": words of a sentence elsewhere."""
_LETTER_INTRO = words("letter capital small lowercase uppercase")
_SPOKEN_JOINERS = words("dot underscore dash hyphen")
"""Said after a word of the sentence, they make it the local part's ("the dot real ...")."""
_PARTICLES = words("an the of")
"""Words of a sentence that end a name too ("nguyen van an")."""
_MAX_WORDS = 3
"""Whole words in a local part ("gamer tag one two three" has two): more is a sentence."""
_MAX_TOKENS = 24
_WORDS = {"dot": ".", "period": ".", "point": ".", "underscore": "_", "dash": "-"}
_WORDS |= {"hyphen": "-", "minus": "-", "plus": "+", "then": "", "letter": "", "the": ""}
_WORDS |= {"at": "@", "dotcom": ".com", "dotnet": ".net", "dotorg": ".org"}
_NUMBERS = words(
    "zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    " fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy"
    " eighty ninety hundred thousand double triple"
)
_PIECES = _JOINERS | _FILLERS | _LETTER_INTRO | _NUMBERS
"""Words of a local part that are not whole words of it."""
_AT_WORD = re.compile(r"(?<!\S)(?:at|@)(?=\s)", re.IGNORECASE)


def find_emails(text: str) -> list[Found]:
    """Every written or spoken email address in ``text``."""
    found = []
    if "@" in text or "%40" in text:
        found += [
            Found("email", m.start(), m.end(), m.group().lower().replace("%40", "@"))
            for m in _WRITTEN.finditer(text)
        ]
    lowered = text.lower()
    if "at)" in lowered or "at]" in lowered or "at}" in lowered:
        found += [
            Found("email", m.start(), m.end(), _written(m.group()))
            for m in _BRACKETED.finditer(text)
        ]
    if " at " not in lowered and " @ " not in lowered:
        return found
    done = 0
    for word in _AT_WORD.finditer(text):
        at = word.start()
        if at < done or (match := _AT.match(text, at)) is None:
            continue
        local = _local_part(text, at)
        if match.group("bare") and not _EMAIL_WORD.search(text, max(0, (local or 0) - 40), at):
            continue
        if local is not None:
            normal = f"{_written(text[local:at])}@{_written(match.group('domain'))}"
            done = _spelled_after(text, match.end(), normal)
            found.append(Found("email", local, done, normal))
    return found


_SPELLED = re.compile(
    r"[\s,.;:-]*(?:(?:that's|that is|thats|it's|its|spelled|spelt)\s+)*"
    r"(?P<letters>[a-z](?:[\s,.-]+[a-z]){2,})(?![a-z0-9'])",
    re.IGNORECASE,
)
"""Letters said one by one after a spoken address ("... at gmail dot com o c o n n o r")."""


def _spelled_after(text: str, end: int, normal: str) -> int:
    """Where the address said up to ``end`` ends with the letters spelled after it, when
    they spell a piece of it (its name said again to be sure of the spelling): as
    personal as the rest; ``end`` when none follow."""
    match = _SPELLED.match(text, end)
    if match is None:
        return end
    letters = "".join(c for c in match.group("letters").lower() if c.isalpha())
    return match.end() if letters in normal else end


def _local_part(text: str, at: int) -> int | None:
    """Where the local part before ``at`` starts (None: there is none)."""
    tokens = list(_TOKEN.finditer(text, max(0, at - 160), at))[-_MAX_TOKENS:]
    pieces = _spelling_aids(tokens)
    start = None
    whole_words = 0
    for i in range(len(tokens) - 1, -1, -1):
        after = tokens[i + 1].start() if i + 1 < len(tokens) else at
        if not text[tokens[i].end() : after].isspace() and tokens[i].end() < after:
            break  # a quote, a bracket, a comma: the sentence around it
        word = tokens[i].group().lower()
        if i in pieces:
            start = tokens[i].start()
            continue
        if word == "the" and i + 1 < len(tokens) and tokens[i + 1].group().lower() == "letter":
            start = tokens[i].start()
            continue
        stop = word in _STOP if len(word) > 1 else tokens[i].group() == "I"
        if stop and i == len(tokens) - 1 and word in _MAILBOXES:
            stop = False  # "hello at maisie makes dot co dot uk"
        if stop and i == len(tokens) - 1 and word in _PARTICLES and i and not _said(tokens, i - 1):
            stop = False  # "nguyen van an at ...": no sentence puts "an" right before "at"
        if stop and word == "the" and start is not None and i and _copula(tokens, i - 1):
            start = tokens[i].start()  # "the email is the bakers four at ...": its first piece
            break
        if stop and not _joined(tokens, i):
            break
        if len(word) > 1 and word not in _PIECES and not word.isdigit():
            whole_words += 1
            if whole_words > _MAX_WORDS:
                break
        start = tokens[i].start()
    if start is None:
        return None
    # A local part starts with a piece of it, not a joiner or a hesitation.
    kept = [t for t in tokens if t.start() >= start]
    while kept and kept[0].group().lower() in _JOINERS | _FILLERS:
        kept.pop(0)
    return kept[0].start() if kept else None


def _said(tokens: list[re.Match[str]], i: int) -> bool:
    """Whether the token at ``i`` is a word of the sentence around an address."""
    return tokens[i].group().lower() in _STOP


def _copula(tokens: list[re.Match[str]], i: int) -> bool:
    """Whether the token at ``i`` says what an address is: "the" after it starts the local
    part ("my email is the real jess at ..."), not the sentence ("send it to the office at")."""
    return tokens[i].group().lower() in _COPULAS


_AS_SAID = (
    ["all", "one", "word"], ["one", "word"], ["no", "spaces"], ["no", "space"],
    ["all", "lowercase"], ["all", "lower", "case"], ["all", "small"],
)  # fmt: skip
"""How a caller says the local part is written, inside it: "jane doe all one word at ..."."""


def _spelling_aids(tokens: list[re.Match[str]]) -> set[int]:
    """The tokens that help spell a letter or a dot ("q as in queen", "full stop", "all
    one word"): pieces of the local part, whatever their words."""
    said = [t.group().lower() for t in tokens]
    aids: set[int] = set()
    for i, word in enumerate(said):
        if len(word) == 1 and said[i + 1 : i + 3] == ["as", "in"] and i + 3 < len(said):
            aids.update((i + 1, i + 2, i + 3))
        elif word == "full" and said[i + 1 : i + 2] == ["stop"]:
            aids.update((i, i + 1))
        for phrase in _AS_SAID:
            if said[i : i + len(phrase)] == phrase:
                aids.update(range(i, i + len(phrase)))
    return aids


def _joined(tokens: list[re.Match[str]], i: int) -> bool:
    """Whether the word at ``i`` joins the words around it: between two joiners ("mike
    dash the dash builder"), "and" between numbers ("two thousand and nine") or between
    two names right before "at" (a shared mailbox: "pat and gerry at ..."), "the" between
    two words of the address ("dave the rave")."""
    around = [tokens[j].group().lower() for j in (i - 1, i + 1) if 0 <= j < len(tokens)]
    if i and around[0] in _SPOKEN_JOINERS:
        return True  # "old dot email at ...": whatever follows "dot" is the address's
    if len(around) < 2:
        return False
    word = tokens[i].group().lower()
    if word == "and":  # "two thousand and nine", or two names sharing one ("pat and gerry")
        return all(w in _NUMBERS for w in around) or (
            i == len(tokens) - 2 and not any(w in _STOP or len(w) < 2 for w in around)
        )
    if all(w in _JOINERS for w in around) or around[1] in _SPOKEN_JOINERS:
        return True  # "mike dash the dash builder", "the dot real dot jess"
    return word == "the" and not any(w in _STOP or w in _JOINERS for w in around)


def _written(spoken: str) -> str:
    """The written form: numbers said as digits ("eighty eight": 88), joiners as signs."""
    said, at = [], 0
    for run in number_runs(spoken):
        said += [spoken[at : run.start], f" {run.digits} "]
        at = run.end
    said.append(spoken[at:])
    written = re.sub(r"\b([a-z]) as in [a-z]+\b", r"\1", "".join(said).lower())
    written = re.sub(r"\bfull stop\b", ".", written)
    tokens = re.findall(r"[A-Za-z0-9]+|[._+-]", written)
    return "".join(_WORDS.get(token, token) for token in tokens if token not in _FILLERS)
