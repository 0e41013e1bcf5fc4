"""The recognizer's queue lingers for a second utterance only while the queue is busy.

Why it matters for Moonshine in the model tier: callers staggered a little further
apart than a decode takes would each get a run of their own, and the decoder's fixed
cost per step would be paid once per utterance (``framekit.models.batching``'s
``linger``; ``docs/model-tier.md``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import pytest

from framekit.models.batching import BatchQueue
from framekit.models.scheduling import FairExecutor


class _Model:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def run(self, requests: Sequence[int]) -> list[int]:
        self.batches.append(list(requests))
        return list(requests)


def _queue(model: _Model, *, max_batch: int, linger: float) -> BatchQueue[int, int]:
    return BatchQueue(
        FairExecutor(1, name="test-linger"), model.run, max_batch=max_batch, linger=linger
    )


async def _paced(queue: BatchQueue[int, int], count: int, gap: float) -> list[float]:
    """``count`` requests ``gap`` s apart; each one's wait for its answer."""

    async def one(n: int) -> float:
        await asyncio.sleep(n * gap)
        sent = time.perf_counter()
        await queue.run(n)
        return time.perf_counter() - sent

    return list(await asyncio.gather(*(one(n) for n in range(count))))


async def test_requests_arriving_within_the_linger_share_runs() -> None:
    model = _Model()
    await _paced(_queue(model, max_batch=8, linger=0.3), 8, 0.1)
    # the first two arrive before the queue knows it is busy; after them, pairs
    assert max(len(batch) for batch in model.batches) >= 2
    assert len(model.batches) <= 6


async def test_a_quiet_queue_never_lingers() -> None:
    model = _Model()
    waits = await _paced(_queue(model, max_batch=8, linger=0.3), 4, 0.4)
    assert model.batches == [[0], [1], [2], [3]]
    assert max(waits) < 0.2


async def test_one_request_a_run_never_lingers() -> None:
    model = _Model()
    waits = await _paced(_queue(model, max_batch=1, linger=0.3), 6, 0.1)
    assert model.batches == [[n] for n in range(6)]
    assert max(waits) < 0.2


def test_a_negative_linger_is_refused() -> None:
    with pytest.raises(ValueError, match="linger"):
        _queue(_Model(), max_batch=8, linger=-1.0)
