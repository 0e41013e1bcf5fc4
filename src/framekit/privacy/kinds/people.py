"""Dates of birth and names, found only where the caller says what they are.

A date alone is an appointment, a delivery or a birthday: only "born", "birth",
"birthday" or "DOB" before it makes it a date of birth, so appointment dates stay.
A name is redacted where it is introduced as one ("my name is ...", "this is ...",
"name's ..."): names in general cannot be told from words without a model, and
the caller's name usually reaches a call only this way.
"""

from __future__ import annotations

import re

from framekit.privacy.kinds import Found

__all__ = ["find_birth_dates", "find_names"]

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_NUMBERISH = (
    r"(?:\d{1,4}(?:st|nd|rd|th)?|zero|oh|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty"
    r"|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|first|second|third"
    r"|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth"
    r"|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)\b"
)
_DATE_TOKEN = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|{_MONTH}\.?\b"
    rf"|{_NUMBERISH})"
)
_DATE = rf"(?:the\s+)?{_DATE_TOKEN}(?:(?:\s*[,/-]\s*|\s+(?:of\s+|the\s+)?){_DATE_TOKEN}){{0,7}}"
_KEYWORD = r"(?<![a-z])(?:born|birth|birthday|birthdate|dob|d\.?\s?o\.?\s?b)(?![a-z])\.?"
_BIRTH_HINTS = ("born", "birth", "dob", "d o b", "d.o.b")
_BIRTH = re.compile(
    rf"{_KEYWORD}[^.?!\d]{{0,24}}?(?<![a-z])(?P<date>{_DATE})"
    rf"|(?<![a-z])(?P<before>{_DATE})\s+(?:is\s+|that's\s+)?(?:my|the)\s+"
    r"(?:date of birth|birthday|dob|d o b)\b",
    re.IGNORECASE,
)
_STOP = (
    r"(?:and|i|i'm|im|calling|here|speaking|from|with|about|my|the|a|an|to|on|in|at|is|was"
    r"|but|so|just|please|thanks|thank|hi|hello|yes|yeah|no|ringing|phoning|for|of|it|it's"
    r"|this|that|sorry|not|your|our|plus|warranty|review|way|order|account|booking|me|you"
    r"|zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty"
    r"|sixty|seventy|eighty|ninety|hundred|born|email|phone|call|again|still|now|late|calling)"
)
_WORD = rf"(?!{_STOP}\b)[A-Za-z][A-Za-z'-]+"
_SPELLED = r"(?:\s+[a-z]\b){2,}"
"""The name spelled after it, letter by letter: "garcia g a r c i a"."""
_NAME_WORDS = rf"(?:{_WORD}(?:\s+{_WORD})?(?:{_SPELLED})?|[a-z](?:\s+[a-z]\b)+)"
_NAME = re.compile(
    # Introduced as a name, whatever follows.
    r"(?:\b(?:my\s+name\s+is|my\s+name's|name's|the\s+name\s+is|(?:last|first|full|sur)"
    r"\s*name\s+is|call\s+me|under|name:)\s+|\"name\":\s*\")"
    rf"(?P<name>{_NAME_WORDS})"
    # Said as "this is X", "it's X": only where a name's usual next words follow.
    rf"|\b(?:this\s+is|it's|it\s+is|i'm|i\s+am)\s+(?P<intro>{_NAME_WORDS})"
    r"(?=\s+(?:calling|speaking|here|and\s+you|at\s+\w+\s+\w+\s+\w+)\b|\s*$|(?P<comma>,))"
    # A list that starts with the name: "Khan, 243 Maple Ln", "helen ali born ...".
    rf"|^(?P<first>{_NAME_WORDS})(?=,\s*\d|\s+born\b)",
    re.IGNORECASE,
)


def find_birth_dates(text: str) -> list[Found]:
    """Dates said after a word that makes them a date of birth."""
    lowered = text.lower()
    if not any(word in lowered for word in _BIRTH_HINTS):
        return []
    found = []
    for m in _BIRTH.finditer(text):
        group = "date" if m.group("date") else "before"
        date = " ".join(m.group(group).lower().split())
        found.append(Found("dob", m.start(group), m.end(group), date))
    return found


def find_names(text: str) -> list[Found]:
    """Names said as such: "my name is Jane Doe", "this is Jane calling", "under rossi"."""
    found = []
    for m in _NAME.finditer(text):
        group = next(g for g in ("name", "intro", "first") if m.group(g))
        words = m.group(group)
        if m.group("comma") and not words[0].isupper():  # "I'm Larsen, ...", not "it's fine, ..."
            continue
        found.append(Found("name", m.start(group), m.end(group), " ".join(words.lower().split())))
    return found
