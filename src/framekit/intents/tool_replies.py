"""Reading a tool's result into what the caller hears, for the default intents' answers.

Why a module of its own: every family of default intents (orders, appointments, the
FAQ) answers from a tool's result the same way: a tool may return a sentence of its
own, said as is, and its dates are ISO strings the caller must hear as words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from framekit.intents.slots import speak_date, speak_time

__all__ = ["spoken_day", "tool_message"]


def tool_message(context: Mapping[str, Any]) -> str | None:
    """The tool's own sentence (a plain string result, or ``{"message": ...}``), if any."""
    result = context.get("result")
    if isinstance(result, str):
        return result
    message = context.get("message")
    return message if isinstance(message, str) else None


def spoken_day(value: Any) -> str:
    """An ISO date or datetime from a tool as words; anything else as it is."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    day = speak_date(moment.date())
    has_time = "T" in str(value) or " " in str(value).strip()
    return f"{day} at {speak_time(moment.time())}" if has_time else day
