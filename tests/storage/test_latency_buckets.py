"""The fixed latency buckets: a percentile of merged counts is within 2.5 % of the exact one."""

from __future__ import annotations

import math
import random

import pytest

from framekit.storage.latency_buckets import (
    bucket_of,
    count_buckets,
    merge_buckets,
    percentile_ms,
)


def test_merged_calls_give_each_percentile_within_its_bucket() -> None:
    rng = random.Random(7)
    calls = [[rng.lognormvariate(0, 0.6) for _ in range(rng.randint(0, 12))] for _ in range(300)]
    merged = merge_buckets(count_buckets(latencies) for latencies in calls)
    every = sorted(v for latencies in calls for v in latencies)

    for percent in (1, 50, 90, 95, 99, 100):
        exact = every[math.ceil(percent / 100 * len(every)) - 1] * 1000  # nearest rank
        assert percentile_ms(merged, percent) == pytest.approx(exact, rel=0.025)


def test_a_call_without_turns_and_latencies_under_a_millisecond() -> None:
    assert count_buckets([]) is None
    assert percentile_ms(merge_buckets([None, None]), 95) is None
    assert bucket_of(0.0) == bucket_of(0.0005) == 0
    assert count_buckets([0.9, 0.9, 0.95]) == {"139": 2, "140": 1}
