"""Requests for one shared model gather into batched runs (framekit.models.batching)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest

from framekit.models.batching import BatchQueue
from framekit.models.scheduling import EARLY, FINAL, FairExecutor


class _Model:
    """Doubles numbers, one batch at a time; the first run can be held open."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = threading.Event()
        self.release.set()
        self.started = threading.Event()

    def run(self, requests: Sequence[int]) -> list[int]:
        self.batches.append(list(requests))
        self.started.set()
        self.release.wait(5)
        if -1 in requests:
            raise ValueError("bad request")
        return [2 * r for r in requests]


def _queue(model: _Model, **options: object) -> BatchQueue[int, int]:
    return BatchQueue(FairExecutor(1, name="test-batch"), model.run, **options)  # type: ignore[arg-type]


async def test_requests_that_wait_while_the_model_runs_share_the_next_run() -> None:
    model = _Model()
    model.release.clear()
    queue = _queue(model, max_batch=8)
    first = asyncio.ensure_future(queue.run(1))
    await asyncio.to_thread(model.started.wait, 5)
    rest = [asyncio.ensure_future(queue.run(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0.05)
    model.release.set()
    assert await asyncio.gather(first, *rest) == [2, 4, 6, 8]
    assert model.batches == [[1], [2, 3, 4]]
    assert (queue.runs, queue.requests) == (2, 4)


async def test_a_lone_request_waits_at_most_the_coalesce_time() -> None:
    model = _Model()
    queue = _queue(model, max_batch=8, coalesce=0.005)
    started = time.perf_counter()
    assert await queue.run(5) == 10
    assert time.perf_counter() - started < 0.5
    assert model.batches == [[5]]


async def test_finals_go_first_and_fits_and_max_batch_bound_a_run() -> None:
    model = _Model()
    model.release.clear()
    queue = _queue(model, max_batch=2, fits=lambda a, b: abs(a - b) < 10)
    blocker = asyncio.ensure_future(queue.run(0))
    await asyncio.to_thread(model.started.wait, 5)
    early = asyncio.ensure_future(queue.run(11, rank=EARLY))
    finals = [asyncio.ensure_future(queue.run(n, rank=FINAL)) for n in (12, 50, 13)]
    await asyncio.sleep(0.05)
    model.release.set()
    await asyncio.gather(blocker, early, *finals)
    # 12 leads (a final, the oldest); 13 fits next to it; 50 does not; the early one last.
    assert model.batches == [[0], [12, 13], [50], [11]]


async def test_max_cost_bounds_what_one_run_adds_up_to() -> None:
    model = _Model()
    model.release.clear()
    queue = _queue(model, max_batch=8, max_cost=3.0)
    blocker = asyncio.ensure_future(queue.run(0))
    await asyncio.to_thread(model.started.wait, 5)
    waiting = [asyncio.ensure_future(queue.run(n, cost=float(n))) for n in (1, 2, 4, 5)]
    await asyncio.sleep(0.05)
    model.release.set()
    await asyncio.gather(blocker, *waiting)
    # cheapest first: 1 + 2 fit the budget; 4 and 5 each over it, so each runs alone
    assert model.batches == [[0], [1, 2], [4], [5]]


async def test_a_cancelled_request_is_never_run_and_a_failure_reaches_its_whole_batch() -> None:
    model = _Model()
    model.release.clear()
    queue = _queue(model, max_batch=8)
    blocker = asyncio.ensure_future(queue.run(0))
    await asyncio.to_thread(model.started.wait, 5)
    dropped = asyncio.ensure_future(queue.run(7))
    failing = [asyncio.ensure_future(queue.run(n)) for n in (-1, 3)]
    await asyncio.sleep(0.01)
    dropped.cancel()
    await asyncio.sleep(0.01)  # the task hands the cancellation to its request
    model.release.set()
    await blocker
    for future in failing:
        with pytest.raises(ValueError, match="bad request"):
            await future
    assert model.batches == [[0], [-1, 3]]


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        _queue(_Model(), max_batch=0)
    with pytest.raises(ValueError, match="coalesce"):
        _queue(_Model(), max_batch=2, coalesce=1.0)
