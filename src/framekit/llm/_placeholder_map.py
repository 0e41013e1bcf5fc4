"""One request's placeholders: which value each ``<kind_n>`` stands for, both ways.

:class:`PlaceholderMap` is built from the texts of one request (the redactor finds
the values), replaces them in what goes to the model, and restores them in what
comes back. :class:`StreamRestorer` does the restoring on streamed text, where a
placeholder may arrive cut over several deltas (``"<ema"``, ``"il_1>"``).

A value is one value however it was said: the key is its kind and the redactor's
normal form, so "john dot smith at example dot com" and ``john.smith@example.com``
are both ``<email_1>``. Restored for the caller's ears, a placeholder becomes the
value as it was first said; restored in a tool's arguments, it becomes the normal
form for the kinds a program reads (a card's or phone's digits, an email written
out) and the words as said for the others (a name, an address, a date of birth).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from framekit.privacy.kinds import Found, Kind
from framekit.privacy.redact import Redactor

__all__ = ["PlaceholderMap", "StreamRestorer"]

PLACEHOLDER = re.compile(r"<([a-z]+)_(\d{1,4})>", re.IGNORECASE)
"""A placeholder as the model may write it back (case aside)."""
_LONGEST = len("<address_9999>")
"""The longest placeholder this map makes."""
_PARTIAL = re.compile(r"<(?:[a-z]+(?:_\d{0,4})?)?\Z", re.IGNORECASE)
"""The start of a placeholder, cut by the end of a delta."""
_NORMAL_FOR_TOOLS: frozenset[Kind] = frozenset({"card", "bank", "ssn", "phone", "email"})


@dataclass(slots=True)
class _Value:
    placeholder: str
    said: str
    normal: str
    kind: Kind


class PlaceholderMap:
    """The values of one request and their placeholders; see the module docstring.

    At most ``max_values`` values get a placeholder; a value beyond them is masked
    (``[card]``) and cannot be restored, so a flood of values bounds the map
    instead of reaching the model. Never log or keep a map: it holds the values.
    """

    def __init__(self, redactor: Redactor, *, max_values: int = 200) -> None:
        self._redactor = redactor
        self._max = max_values
        self._by_key: dict[tuple[Kind, str], _Value] = {}
        self._by_placeholder: dict[str, _Value] = {}
        self._counts: dict[Kind, int] = {}
        self._literal: re.Pattern[str] | None = None

    def __repr__(self) -> str:
        return f"PlaceholderMap({len(self._by_key)} values)"

    def __len__(self) -> int:
        return len(self._by_key)

    def learn(self, texts: Iterable[str]) -> None:
        """Give every value found in ``texts`` a placeholder, in order of first appearance."""
        for text in texts:
            for found in self._redactor.find(text):
                self._value_of(found, text)
        self._literal = None

    # --- towards the model ----------------------------------------------------------------

    def replace(self, text: str) -> str:
        """``text`` with each value found, or already known, replaced by its placeholder."""
        parts: list[str] = []
        at = 0
        for found in self._redactor.find(text):
            value = self._value_of(found, text)
            parts += [self._literals(text[at : found.start])]
            parts.append(value.placeholder if value else f"[{found.kind}]")
            at = found.end
        parts.append(self._literals(text[at:]))
        return "".join(parts)

    def replace_data(self, data: Any) -> Any:
        """A copy of JSON-like ``data`` (tool arguments) with values replaced in its strings.

        A number that is a known value as a whole (a phone given as an integer)
        becomes its placeholder, a string.
        """
        if isinstance(data, str):
            return self.replace(data)
        if isinstance(data, dict):
            return {key: self.replace_data(item) for key, item in data.items()}
        if isinstance(data, list | tuple):
            return [self.replace_data(item) for item in data]
        if isinstance(data, int) and not isinstance(data, bool):
            text = str(data)
            replaced = self.replace(text)
            return data if replaced == text else replaced
        return data

    def _value_of(self, found: Found, text: str) -> _Value | None:
        key = (found.kind, found.normal)
        value = self._by_key.get(key)
        if value is None and len(self._by_key) < self._max:
            count = self._counts.get(found.kind, 0) + 1
            self._counts[found.kind] = count
            placeholder = f"<{found.kind}_{count}>"
            said = text[found.start : found.end]
            value = _Value(placeholder, said, found.normal, found.kind)
            self._by_key[key] = value
            self._by_placeholder[placeholder] = value
            self._literal = None
        return value

    def _literals(self, text: str) -> str:
        """Known values the redactor did not find here (a bare name in a tool's arguments)."""
        if not self._by_key or not text.strip():
            return text
        if self._literal is None:
            forms = {form for v in self._by_key.values() for form in (v.said, v.normal) if form}
            alternatives = "|".join(
                re.escape(form) for form in sorted(forms, key=len, reverse=True)
            )
            self._literal = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return self._literal.sub(self._placeholder_of_literal, text)

    def _placeholder_of_literal(self, match: re.Match[str]) -> str:
        wanted = match.group().lower()
        for value in self._by_key.values():
            if wanted in (value.said.lower(), value.normal.lower()):
                return value.placeholder
        return match.group()

    # --- back from the model --------------------------------------------------------------

    def restore(self, text: str, *, for_tool: bool = False) -> str:
        """``text`` with each known placeholder replaced by its value (unknown ones stay)."""
        if "<" not in text or not self._by_placeholder:
            return text
        return PLACEHOLDER.sub(lambda m: self._restored(m, for_tool), text)

    def restore_data(self, data: Any) -> Any:
        """A copy of JSON-like ``data`` (a tool call's arguments) with placeholders restored."""
        if isinstance(data, str):
            return self.restore(data, for_tool=True)
        if isinstance(data, dict):
            return {key: self.restore_data(item) for key, item in data.items()}
        if isinstance(data, list):
            return [self.restore_data(item) for item in data]
        return data

    def _restored(self, match: re.Match[str], for_tool: bool) -> str:
        value = self._by_placeholder.get(match.group().lower())
        if value is None:
            return match.group()
        return value.normal if for_tool and value.kind in _NORMAL_FOR_TOOLS else value.said


class StreamRestorer:
    """Restores placeholders in streamed text, holding back only what may be one's start.

    ``feed`` returns what can go on now; a ``<`` that may begin a placeholder is held
    until the placeholder closes or can no longer be one (at most a dozen
    characters); ``finish`` returns whatever is still held.
    """

    def __init__(self, mapping: PlaceholderMap) -> None:
        self._map = mapping
        self._held = ""

    def feed(self, text: str) -> str:
        """The restored text that may go to the caller now."""
        text = self._held + text
        self._held = ""
        cut = text.rfind("<")
        if cut != -1 and len(text) - cut < _LONGEST and _PARTIAL.match(text, cut):
            text, self._held = text[:cut], text[cut:]
        return self._map.restore(text)

    def finish(self) -> str:
        """The stream ended: what was held, as it is."""
        held, self._held = self._held, ""
        return self._map.restore(held)
