"""Read a tool's description and its parameters' descriptions from its docstring.

The model only knows what a tool does from its description, and developers already
write that in the docstring. Two common styles are understood:

* Google style: a summary, free text, then an ``Args:`` (or ``Arguments:``,
  ``Parameters:``) section with ``name (type): text`` entries whose continuation
  lines are indented.
* reST style: ``:param name: text`` or ``:param type name: text`` fields.

Other sections (``Returns:``, ``Raises:``, ``Example:``, ``:returns:`` ...) are
left out: they describe the Python side, not what the model should send.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

__all__ = ["ParsedDocstring", "parse_docstring"]

_GOOGLE_ARGS = {"args", "arguments", "parameters", "params", "keyword args", "keyword arguments"}
_GOOGLE_OTHER = {
    "returns",
    "return",
    "yields",
    "yield",
    "raises",
    "raise",
    "example",
    "examples",
    "note",
    "notes",
    "see also",
    "warning",
    "warnings",
    "attributes",
    "todo",
    "references",
}
_SECTION = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*$")
_GOOGLE_ENTRY = re.compile(r"^\*{0,2}(\w+)\s*(?:\(([^)]*)\))?\s*:\s*(.*)$")
_REST_FIELD = re.compile(r"^:(\w+)(?:\s+([^:]+?))?:\s*(.*)$")


@dataclass(frozen=True, slots=True)
class ParsedDocstring:
    """What a docstring says to the model: a description and one line per parameter."""

    description: str = ""
    params: dict[str, str] = field(default_factory=dict)


def parse_docstring(doc: str | None) -> ParsedDocstring:
    """Split ``doc`` into the tool description and per-parameter descriptions."""
    if not doc:
        return ParsedDocstring()
    lines = inspect.cleandoc(doc).splitlines()
    text: list[str] = []
    params: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    entry_indent = 0
    rest_current: str | None = None
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        header = _SECTION.match(line) if indent == 0 else None
        if header and header.group(1).lower() in _GOOGLE_ARGS | _GOOGLE_OTHER:
            section = header.group(1).lower()
            current = None
            rest_current = None
            continue
        rest = _REST_FIELD.match(stripped)
        if rest and indent == 0:
            section = "rest"
            current = None
            kind, names, body = rest.groups()
            rest_current = None
            if kind in ("param", "parameter", "arg", "argument", "key", "keyword") and names:
                name = names.split()[-1]
                params[name] = body.strip()
                rest_current = name
            continue
        if section is None:
            text.append(line)
        elif section == "rest":
            if rest_current is not None and stripped and indent > 0:
                params[rest_current] = _join(params[rest_current], stripped)
            elif indent == 0 and stripped:
                rest_current = None
        elif section in _GOOGLE_ARGS:
            if not stripped:
                continue
            entry = _GOOGLE_ENTRY.match(stripped)
            if entry and (current is None or indent <= entry_indent):
                current = entry.group(1)
                entry_indent = indent
                params[current] = entry.group(3).strip()
            elif current is not None:
                params[current] = _join(params[current], stripped)
    return ParsedDocstring(description=_paragraphs(text), params=params)


def _join(first: str, more: str) -> str:
    return f"{first} {more}".strip()


def _paragraphs(lines: list[str]) -> str:
    """Free text with each paragraph on one line, paragraphs separated by a blank line."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)
