"""Email addresses, written (``john.smith@gmail.com``) or spelled out by voice.

A recognizer writes a spoken address as words: "john dot smith at gmail dot com",
sometimes letter by letter ("j o h n at ..."). The spoken form needs an "at" and at
least one "dot" after it, ending in a word of two to six letters, so "I'm at the
shop" is not an address. Both forms hash alike: the normal form is the written one.
"""

from __future__ import annotations

import re

from framekit.privacy.kinds import Found

__all__ = ["find_emails"]

_WRITTEN = re.compile(
    r"\b[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
"""Written, or as a URL writes it (an access log's ``?q=jane.doe%40example.com``)."""
_SEPARATOR = r"\s+(?:dot|period|point|underscore|dash|hyphen|minus)\s+|\s*[._-]\s*"
_LABEL_SEPARATOR = r"\s+(?:dash|hyphen|minus)\s+|\s*-\s*"
_SPELLED = r"\s+(?=[a-z0-9]\b)"
"""Letter by letter: "o u t l o o k" (each next token a single letter or digit)."""
_DIGIT_WORD = (
    r"\s+(?=(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b)"
)
"""Digits said in the name: "maria one two at ...", "anderson twenty oh one at ..."."""
_LAST_WORD = r"\s+(?=[a-z0-9]+\b\s+(?:at|@)\b)"
_PART = rf"[a-z0-9]+(?:(?:{_SEPARATOR}|{_SPELLED}|{_DIGIT_WORD}|{_LAST_WORD})[a-z0-9]+)*"
_LABEL = rf"[a-z0-9]+(?:(?:{_LABEL_SEPARATOR}|{_SPELLED})[a-z0-9]+)*"
_DOMAIN_WORD = r"(?!(?:the|a|an|my|our|your|his|her|their|this|that|home|work)\b)[a-z0-9]+\s+"
"""A domain said in words: "dave at dave smith plumbing dot com" (not "at the shop dot")."""
_SPOKEN = re.compile(
    rf"\b(?P<local>{_PART})\s+(?:at|@)\s+(?P<domain>(?:{_DOMAIN_WORD}){{0,3}}{_LABEL}"
    rf"(?:\s+(?:dot|\.)\s+{_LABEL})*"
    rf"\s+(?:dot|\.)\s+(?:[a-z]{{2,6}}|[a-z](?:\s+[a-z]){{1,3}}))\b",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^(?:(?:my|the|is|email|e-mail|address|it's|its|it|was|that's|at|uh|um|er|so|yes|yeah"
    r"|sure|okay|ok|and|send|to|me|you|can|use)\s+)+",
    re.IGNORECASE,
)
_WORDS = {"dot": ".", "period": ".", "point": ".", "underscore": "_", "dash": "-", "hyphen": "-"}
_WORDS["minus"] = "-"


def find_emails(text: str) -> list[Found]:
    """Every written or spoken email address in ``text``."""
    found = []
    if "@" in text or "%40" in text:
        found += [
            Found("email", m.start(), m.end(), m.group().lower().replace("%40", "@"))
            for m in _WRITTEN.finditer(text)
        ]
    lowered = text.lower()
    if " at " not in lowered or " dot " not in lowered:  # the long pattern, only when needed
        return found
    for match in _SPOKEN.finditer(text):
        local = match.group("local")
        lead = _LEAD.match(local)
        start = match.start() + (lead.end() if lead else 0)
        if start >= match.start("local") + len(local):
            continue
        local = text[start : match.end("local")]
        normal = f"{_written(local)}@{_written(match.group('domain'))}"
        found.append(Found("email", start, match.end(), normal))
    return found


def _written(spoken: str) -> str:
    out = []
    for token in re.findall(r"[A-Za-z0-9]+|[._-]", spoken.lower()):
        out.append(_WORDS.get(token, token))
    return "".join(out)
