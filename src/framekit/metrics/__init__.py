"""Metrics: processing time and time to first byte reported by processors, and turn latency.

:mod:`framekit.metrics.prometheus` (the ``metrics`` extra) exports them, and what a
serving process counts, to Prometheus; it is imported on its own, not from here.
"""

from framekit.metrics.collector import MetricsCollector, MetricSummary

__all__ = ["MetricSummary", "MetricsCollector"]
