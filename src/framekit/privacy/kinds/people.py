"""Dates of birth and names, found only where the caller says what they are.

A date alone is an appointment, a delivery or a birthday: only "born", "birth",
"birthday" or "DOB" before it makes it a date of birth, so appointment dates stay.
A name is redacted where it is introduced as one ("my name is ...", "this is ...",
"name's ..."): names in general cannot be told from words without a model, and
the caller's name usually reaches a call only this way.
"""

from __future__ import annotations

import itertools
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
_DATE_TOKEN = rf"(?:{_MONTH}\.?|{_NUMBERISH}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}})"
_BIRTH = re.compile(
    rf"\b(?:born|birth|birthday|birthdate|dob|d\.o\.b\.?)\b[^.?!\d]{{0,24}}?"
    rf"(?P<date>{_DATE_TOKEN}(?:(?:\s*[,/-]\s*|\s+(?:of\s+|the\s+)?){_DATE_TOKEN}){{0,7}})",
    re.IGNORECASE,
)
_STOP = (
    r"(?:and|i|i'm|im|calling|here|speaking|from|with|about|my|the|a|an|to|on|in|at|is|was"
    r"|but|so|just|please|thanks|thank|hi|hello|yes|yeah|no|calling|ringing|phoning)"
)
_NAME_WORD = rf"(?!{_STOP}\b)[A-Za-z][A-Za-z'-]+"
_NAME = re.compile(
    rf"\b(?:my\s+name\s+is|my\s+name's|name's|the\s+name\s+is|call\s+me)\s+(?P<name>{_NAME_WORD}"
    rf"(?:\s+{_NAME_WORD}){{0,2}})"
    rf"|\b(?:this\s+is|i\s+am|i'm)\s+(?P<capital>[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+){{0,2}})",
    re.IGNORECASE,
)
_CAPITAL = re.compile(r"[A-Z][a-z'-]+")


def find_birth_dates(text: str) -> list[Found]:
    """Dates said after a word that makes them a date of birth."""
    return [
        Found("dob", m.start("date"), m.end("date"), " ".join(m.group("date").lower().split()))
        for m in _BIRTH.finditer(text)
    ]


def find_names(text: str) -> list[Found]:
    """Names said as such: "my name is Jane Doe", "this is Jane" (capitalized there)."""
    found = []
    for m in _NAME.finditer(text):
        group = "name" if m.group("name") else "capital"
        words = m.group(group).split()
        if group == "capital":  # "This is Jane Doe calling": the capitalized words only
            kept = list(itertools.takewhile(_CAPITAL.fullmatch, words))
            if not kept:
                continue
            words = kept
        start = m.start(group)
        end = text.index(words[-1], start) + len(words[-1])
        found.append(Found("name", start, end, " ".join(words).lower()))
    return found
