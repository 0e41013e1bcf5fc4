"""The redactor: finds personal data in text and masks, hashes or keeps it, per kind.

Why text, not frames: everything framekit stores or logs is text at some point (a
transcript segment, a tool's arguments as JSON, a log line), so one pure function
serves the pipeline stage (:mod:`framekit.processors.redaction`), the logs
(:func:`framekit.logs.set_personal_data_filter`) and anyone else. It holds no state
per call and never logs what it finds.

Policies, per kind (see :data:`~framekit.privacy.kinds.KINDS`):

* ``mask`` (the default): the value becomes ``[card]``, ``[email]``... Nothing of
  it remains, not even a card's last four digits: a transcript that needs them can
  say them in the bot's words, and a mask that keeps digits is one more thing to
  audit;
* ``hash``: ``[card:3f9a1c2be04d]``, the first 12 hex digits of HMAC-SHA256 over the
  value's normal form (a card's digits, an email written out) with a key from the
  settings. Equal values give equal tags, so two calls by the same email can be
  linked, and nobody without the key can test a guess;
* ``keep``: left as said.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal, get_args

from framekit.privacy.continued import continued_from
from framekit.privacy.kinds import KINDS, Found, Kind
from framekit.privacy.kinds.births import find_birth_dates
from framekit.privacy.kinds.email import find_emails
from framekit.privacy.kinds.iban import find_ibans
from framekit.privacy.kinds.numbers import find_numbers
from framekit.privacy.kinds.people import find_names
from framekit.privacy.kinds.places import find_addresses
from framekit.privacy.kinds.streets import HOUSE_HEADS
from framekit.privacy.retakes import with_first_tries

__all__ = ["KINDS", "Kind", "Policy", "Redacted", "Redactor", "Span", "parse_policies"]

Policy = Literal["mask", "hash", "keep"]
_POLICIES: tuple[str, ...] = get_args(Policy)
_HASH_HEX = 12
_FINDERS: tuple[Callable[[str], list[Found]], ...] = (
    find_numbers,
    find_ibans,
    find_emails,
    find_addresses,
    find_birth_dates,
    find_names,
)
_HINTS = frozenset("0123456789@")
_HINT_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", " oh ",
    "ten", "eleven", "twelve", "teen", "ty ", "at ", "name", "this is", "i am", "i'm", "box",
    "it's", "its ", "under", "born", "birth", "dob", "d o b", "speaking", "talking to", "here",
    "call me", "holder", "attn", "to:", " mr", " ms", " mx", " dr", "miss", "mister", "doctor",
    "prof", " im ", "behalf", "go by", "goes by", "known as", "speak", "talking", "patient",
    "customer", "client", "caller", "recipient", "guest", "passenger", "contact", "attendee",
    "holder", "husband", "wife", "partner", "son ", "daughter", "mother", "mom ", "mum ",
    "father", "dad ", "brother", "sister", "boss", "colleague", "friend", "neighb", "fianc",
    "girlfriend", "boyfriend", "calls me", "thank", "regards", "cheers", "sincerely", "best",
    "(at", "[at", "beneficiary", "applicant", "addressee", "down as", "spoke",
    "talked", "from:", "holder", "owner", "dear", "spel", "calling",
    " hi ", " hello", " hey ", "ed by", *sorted(HOUSE_HEADS),
)  # fmt: skip
"""A text with none of these has no value of any kind: most turns skip the finders (a house
named, not numbered, says an address without a digit: "the old forge mill lane")."""


@dataclass(frozen=True, slots=True)
class Span:
    """Where a value was found in the original text: its kind and offsets (never the value)."""

    kind: Kind
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Redacted:
    """The text with its values replaced, and the spans found in the original."""

    text: str
    spans: tuple[Span, ...]


class Redactor:
    """Finds and replaces personal data in text; one per process serves every call.

    ``policies`` maps kinds to ``mask``, ``hash`` or ``keep`` (a kind left out is
    masked); ``hash_key`` is required when any kind is hashed.
    """

    def __init__(self, policies: Mapping[str, str] | None = None, *, hash_key: bytes | None = None):
        chosen: dict[Kind, Policy] = dict.fromkeys(KINDS, "mask")
        for kind, policy in (policies or {}).items():
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
            if policy not in _POLICIES:
                raise ValueError(f"unknown policy {policy!r} for {kind}: one of mask, hash, keep")
            chosen[kind] = policy  # type: ignore[assignment]
        if "hash" in chosen.values() and not hash_key:
            raise ValueError("a hashed kind needs a hash key")
        self.policies: Mapping[Kind, Policy] = chosen
        self._key = hash_key or b""
        self._active = frozenset(k for k, p in chosen.items() if p != "keep")

    def find(self, text: str) -> list[Found]:
        """The values of every kind not kept, in order, overlaps resolved: two of one kind
        are one value (their union), of two kinds the longer wins."""
        if not self._active or not _may_hold(text):
            return []
        candidates = sorted(
            (f for finder in _FINDERS for f in finder(text) if f.kind in self._active),
            key=lambda f: (f.start, f.start - f.end),
        )
        kept: list[Found] = []
        for found in candidates:
            if kept and found.start < kept[-1].end:
                if found.kind == kept[-1].kind:  # two readings of one value: both go
                    kept[-1] = replace(kept[-1], end=max(found.end, kept[-1].end))
                elif _ends_address(kept[-1], found):
                    end = kept[-1].start + len(text[kept[-1].start : found.start].rstrip())
                    kept[-1] = replace(kept[-1], end=end)
                    kept.append(found)
                elif found.end - found.start > kept[-1].end - kept[-1].start:
                    kept[-1] = found
                continue
            kept.append(found)
        return with_first_tries(text, kept)

    def redact(self, text: str, *, before: str = "") -> Redacted:
        """``text`` with each value replaced as its kind's policy says, and where they were.

        ``before`` is the same speaker's previous turn, if any: a number begun there and
        finished in ``text`` ("my phone number is 555-213." then "4477.") is a value, and
        its part in ``text`` is replaced (:mod:`framekit.privacy.continued`).
        """
        found = self.find(text)
        tail = continued_from(before, text)
        if tail and self._active:
            found = _merged(found, self._continuing(tail, text))
        if not found:
            return Redacted(text, ())
        parts: list[str] = []
        at = 0
        for value in found:
            parts += [text[at : value.start], self._replacement(value)]
            at = value.end
        parts.append(text[at:])
        return Redacted("".join(parts), tuple(Span(f.kind, f.start, f.end) for f in found))

    def text(self, text: str, *, before: str = "") -> str:
        """Only the redacted text (what a log filter or a stage needs); ``before`` as in
        :meth:`redact`."""
        return self.redact(text, before=before).text if _may_hold(text) else text

    def kinds_in(self, text: str) -> Iterable[Kind]:
        """The kinds found in ``text`` (for tests and metrics)."""
        return (f.kind for f in self.find(text))

    def _continuing(self, tail: str, text: str) -> list[Found]:
        """The values read in ``tail`` and ``text`` together that reach into ``text``,
        cut to their part in it."""
        offset = len(tail) + 1
        return [
            replace(f, start=max(f.start - offset, 0), end=f.end - offset)
            for f in self.find(f"{tail} {text}")
            if f.end > offset
        ]

    def _replacement(self, found: Found) -> str:
        if self.policies[found.kind] == "hash":
            mac = hmac.new(self._key, found.normal.encode(), hashlib.sha256).hexdigest()
            return f"[{found.kind}:{mac[:_HASH_HEX]}]"
        return f"[{found.kind}]"


def _merged(own: list[Found], continuing: list[Found]) -> list[Found]:
    """Both lists of values in one, in order; where two overlap, the longer stands for both."""
    merged: list[Found] = []
    for found in sorted([*own, *continuing], key=lambda f: (f.start, f.start - f.end)):
        if merged and found.start < merged[-1].end:
            last = merged[-1]
            longer = found if found.end - found.start > last.end - last.start else last
            merged[-1] = replace(longer, start=last.start, end=max(last.end, found.end))
            continue
        merged.append(found)
    return merged


def _ends_address(address: Found, phone: Found) -> bool:
    """Whether a phone number said after an address's first words ends it: an address's
    tail reads on through numbers ("... queensland four seven four oh mobile oh four two
    ..."), a phone's digits are a whole value by their label or shape."""
    return address.kind == "address" and phone.kind == "phone" and phone.start > address.start + 8


def _may_hold(text: str) -> bool:
    if not _HINTS.isdisjoint(text):
        return True
    lowered = f" {text.lower()} "
    return any(word in lowered for word in _HINT_WORDS) or (
        " for " in lowered  # booked "for" a name
    )


def parse_policies(value: str) -> dict[str, str]:
    """``"card=mask, email=hash, name=keep"`` as a mapping; raises ``ValueError`` if malformed."""
    policies: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        kind, sep, policy = item.partition("=")
        if not sep:
            raise ValueError(f"expected kind=policy, got {item!r}")
        policies[kind.strip().lower()] = policy.strip().lower()
    return policies
