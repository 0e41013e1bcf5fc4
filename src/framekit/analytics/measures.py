"""The timing of a finished call, from its records: talk, silence, barge-ins, latency.

Every measure comes from what the call recorder stored, nothing is re-heard:

* ``duration_s``: from the call's start to its end;
* ``talk_s``: the caller's transcribed speech (each segment from the start of speech
  to the final transcription) and the bot's speech the caller heard (each heard
  utterance's span);
* ``turns``: the caller's turns (final transcriptions);
* ``interruptions``: the bot's utterances the caller cut short (``truncated``);
* ``silence_s``: the call's time in which neither side spoke (overlaps counted once);
* ``latency_ms``: voice to voice per turn (the caller's end of speech to the first bot
  audio), nearest-rank p50 and p95 and the maximum, the percentile definition the
  aggregation in :mod:`framekit.storage.aggregates` uses too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from framekit.storage import CallDetails

__all__ = ["Timing", "nearest_rank", "timing"]


@dataclass(frozen=True, slots=True)
class Timing:
    """The measures of the module docstring (seconds, and milliseconds for latency)."""

    duration_s: float | None
    talk_caller_s: float
    talk_bot_s: float
    turns: int
    interruptions: int
    silence_s: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_max_ms: float | None


def nearest_rank(sorted_values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile: the value at rank ``ceil(fraction * n)`` (1-based)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def timing(details: CallDetails) -> Timing:
    """The timing measures of one stored call."""
    call = details.call
    duration = (call.ended_at - call.started_at).total_seconds() if call.ended_at else None
    spans: list[tuple[datetime, datetime]] = []
    talk = {"user": 0.0, "bot": 0.0}
    turns = interruptions = 0
    for segment in details.transcript:
        if segment.speaker == "user":
            turns += 1
        elif segment.truncated:
            interruptions += 1
        if not segment.heard or segment.started_at is None or segment.ended_at is None:
            continue
        if segment.ended_at > segment.started_at:
            spans.append((segment.started_at, segment.ended_at))
            side = "user" if segment.speaker == "user" else "bot"
            talk[side] += (segment.ended_at - segment.started_at).total_seconds()
    silence = None
    if duration is not None and call.ended_at is not None:
        silence = max(0.0, duration - _covered(spans, call.started_at, call.ended_at))
    latencies = sorted(turn.latency_s * 1000 for turn in details.turns)
    return Timing(
        duration_s=_round(duration),
        talk_caller_s=round(talk["user"], 3),
        talk_bot_s=round(talk["bot"], 3),
        turns=turns,
        interruptions=interruptions,
        silence_s=_round(silence),
        latency_p50_ms=_round(nearest_rank(latencies, 0.5)),
        latency_p95_ms=_round(nearest_rank(latencies, 0.95)),
        latency_max_ms=_round(latencies[-1] if latencies else None),
    )


def _covered(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> float:
    """Seconds of ``[start, end]`` inside at least one span."""
    total = 0.0
    reach = start
    for begin, finish in sorted(spans):
        begin, finish = max(begin, reach), min(finish, end)
        if finish > begin:
            total += (finish - begin).total_seconds()
            reach = finish
    return total


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
