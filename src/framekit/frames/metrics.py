"""Metrics that processors report as they work."""

from __future__ import annotations

from dataclasses import dataclass, field

from framekit.frames.base import SystemFrame

__all__ = ["MetricKind", "MetricValue", "MetricsFrame"]

MetricKind = str
"""``"processing"``, ``"ttfb"``, ``"turn_latency"``, ``"tokens"`` or a plugin's own kind."""


@dataclass(frozen=True, slots=True)
class MetricValue:
    """One measurement: ``value`` in seconds for durations, a count otherwise."""

    kind: MetricKind
    processor: str
    value: float
    model: str | None = None


@dataclass(slots=True, eq=False)
class MetricsFrame(SystemFrame):
    """Measurements reported by a processor; observers and the task collect them."""

    data: list[MetricValue] = field(default_factory=list)
