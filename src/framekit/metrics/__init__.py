"""Metrics: processing time and time to first byte reported by processors, and turn latency."""

from framekit.metrics.collector import MetricsCollector, MetricSummary

__all__ = ["MetricSummary", "MetricsCollector"]
