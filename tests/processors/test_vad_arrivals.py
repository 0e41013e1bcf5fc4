"""The VAD's log of frame arrivals: places in the audio for transcript stamps."""

from __future__ import annotations

import math
import random

from framekit.processors.vad.processor import _Arrivals


def test_a_stamp_is_placed_at_the_end_of_the_last_frame_arrived_by_then() -> None:
    arrivals = _Arrivals(keep=10_000)
    for index in range(10):
        arrivals.add(1.0 + index * 0.02, 320)
    assert arrivals.place(1.0) == 320
    assert arrivals.place(1.03) == 640  # between two arrivals: the earlier one
    assert arrivals.place(1.18) == 3200
    assert arrivals.place(5.0) == 3200


def test_every_frame_of_the_last_keep_samples_is_known_as_frames_shrink() -> None:
    """Long frames, then shorter ones: the log still covers ``keep`` samples, then forgets."""
    rng = random.Random(18)
    keep = 16000
    arrivals = _Arrivals(keep)
    log: list[tuple[float, int]] = []
    heard, now = 0, 0.0
    for size in [640] * 40 + [320] * 40 + [160] * 120 + [rng.choice((160, 320)) for _ in range(99)]:
        now += 0.01
        heard += size
        arrivals.add(now, size)
        log.append((now, heard))
        for arrived_at, through in log:
            if heard - through < keep:
                assert arrivals.place(arrived_at) == through
    assert arrivals.place(log[0][0]) == -math.inf  # long forgotten
