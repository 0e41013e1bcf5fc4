"""Free appointment times: reading an availability tool's answer, and the nearest ones.

Why here and not in the tool: the tool says what is free; which of those to
offer a caller whose time is taken (the closest to what they asked for, on the
same day when possible) is a conversational choice, the same for any business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from framekit.intents.slots import speak_time

__all__ = ["free_times", "nearest", "spoken_choices", "spoken_times"]


def free_times(result: Any, day: dt.date) -> list[dt.datetime] | None:
    """The free times in an availability result (``{"slots": [...]}``), earliest first.

    Slots may be ISO datetimes or ``HH:MM`` times of ``day``; ``None`` when the
    result is an error or has no ``slots`` list (the check is then skipped).
    """
    if not isinstance(result, Mapping) or result.get("error"):
        return None
    slots = result.get("slots")
    if not isinstance(slots, list):
        return None
    times: list[dt.datetime] = []
    for slot in slots:
        text = str(slot)
        try:
            if "T" in text or " " in text.strip():
                times.append(dt.datetime.fromisoformat(text).replace(second=0, microsecond=0))
            else:
                times.append(dt.datetime.combine(day, dt.time.fromisoformat(text)))
        except ValueError:
            continue
    return sorted(times)


def nearest(free: Sequence[dt.datetime], wanted: dt.datetime) -> list[dt.datetime]:
    """``free`` ordered by distance from the time of day ``wanted`` (earlier first on ties)."""
    minutes = wanted.hour * 60 + wanted.minute
    return sorted(free, key=lambda t: (abs(t.hour * 60 + t.minute - minutes), t))


def spoken_times(times: Sequence[dt.datetime]) -> str:
    """ "9 AM, 10 AM or 2 PM", in the order given."""
    return spoken_choices([speak_time(t.time()) for t in times])


def spoken_choices(words: Sequence[str]) -> str:
    """ "a, b or c": the choices a caller is offered, in the order given ("" for none).

    Why apart from :func:`spoken_times`: an availability reply offers a tool's slots,
    some of which may not read as times and are said as they are.
    """
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]
