"""A short summary of a call, taken from its own words (extractive, offline).

Why extractive: a summary a supervisor scans in a list must be faithful above all;
sentences lifted from the call cannot invent anything. It reads: what the caller
asked (their first turn with a request in it), what the bot answered after the
first tool that served it (or its last answer), and how the call ended. With an LLM
configured, :mod:`framekit.analytics.llm` writes one in prose instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from framekit.analytics.conversation import Event, ToolUse, Utterance, tool_ok

__all__ = ["MAX_SUMMARY", "extractive_summary"]

MAX_SUMMARY: Final = 400
"""Characters at most."""

_MIN_REQUEST_WORDS: Final = 4  # "hello?", "yes" are not requests


def extractive_summary(events: Sequence[Event], resolution: str) -> str:
    """``Caller: "..." Bot: "..." Tools: ... Resolution: ...`` in at most :data:`MAX_SUMMARY`."""
    caller = [e for e in events if isinstance(e, Utterance) and e.role == "caller"]
    request = next(
        (u.text for u in caller if len(u.text.split()) >= _MIN_REQUEST_WORDS),
        caller[0].text if caller else "",
    )
    answer = _answer(events)
    tools = [e for e in events if isinstance(e, ToolUse)]
    parts = []
    if request:
        parts.append(f'Caller: "{_cut(request, 140)}"')
    if answer:
        parts.append(f'Bot: "{_cut(answer, 140)}"')
    if tools:
        named = ", ".join(f"{t.name} ({'ok' if tool_ok(t) else 'error'})" for t in tools[:4])
        parts.append(f"Tools: {named}{', ...' if len(tools) > 4 else ''}.")
    parts.append(f"Resolution: {resolution}.")
    return _cut(" ".join(parts), MAX_SUMMARY)


def _answer(events: Sequence[Event]) -> str:
    """The bot's words right after the first tool that succeeded, else its last words."""
    after_tool = False
    last = ""
    for event in events:
        if isinstance(event, ToolUse):
            after_tool = after_tool or tool_ok(event)
        elif event.role == "bot":
            if after_tool:
                return event.text
            last = event.text
    return last


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
