"""Per-call metrics: what processors reported, and the latency of every turn.

A turn's latency is the time from the caller's end of speech
(:class:`UserStoppedSpeakingFrame`, at the instant VAD says speech really
ended) to the first bot audio the caller hears (:class:`BotStartedSpeakingFrame`,
sent by the output transport when it plays the first chunk). That is the
voice-to-voice delay a caller feels.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import ClassVar

from framekit.frames import (
    BotStartedSpeakingFrame,
    Frame,
    MetricsFrame,
    MetricValue,
    UserStoppedSpeakingFrame,
)

__all__ = ["MetricSummary", "MetricsCollector"]


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """Count, median, 99th percentile and maximum of one kind of metric for one processor."""

    count: int
    p50: float
    p99: float
    max: float


@dataclass(slots=True)
class MetricsCollector:
    """Collects the metrics of one call as frames leave its pipeline."""

    OBSERVED: ClassVar[tuple[type[Frame], ...]] = (
        MetricsFrame,
        UserStoppedSpeakingFrame,
        BotStartedSpeakingFrame,
    )
    """The frame types :meth:`observe` learns from; others can skip it."""

    values: list[MetricValue] = field(default_factory=list)
    _user_stopped_at: float | None = None

    def observe(self, frame: Frame, now: float) -> MetricValue | None:
        """Record what ``frame`` tells; returns a new turn latency when a turn completes."""
        if isinstance(frame, MetricsFrame):
            self.values.extend(frame.data)
        elif isinstance(frame, UserStoppedSpeakingFrame):
            self._user_stopped_at = frame.stopped_at if frame.stopped_at is not None else now
        elif isinstance(frame, BotStartedSpeakingFrame) and self._user_stopped_at is not None:
            latency = MetricValue("turn_latency", "pipeline", now - self._user_stopped_at)
            self._user_stopped_at = None
            self.values.append(latency)
            return latency
        return None

    @property
    def turn_latencies(self) -> list[float]:
        """Voice-to-voice latency of each completed turn, in seconds."""
        return [v.value for v in self.values if v.kind == "turn_latency"]

    def summary(self) -> dict[tuple[str, str], MetricSummary]:
        """Summaries keyed by ``(kind, processor)``."""
        groups: dict[tuple[str, str], list[float]] = {}
        for value in self.values:
            groups.setdefault((value.kind, value.processor), []).append(value.value)
        return {key: _summarize(samples) for key, samples in groups.items()}


def _summarize(samples: list[float]) -> MetricSummary:
    ordered = sorted(samples)
    p99_index = min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))
    return MetricSummary(len(ordered), statistics.median(ordered), ordered[p99_index], ordered[-1])
