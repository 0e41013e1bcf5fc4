"""Requests of many calls for one shared model, gathered into batched runs.

Why: a model run on a CPU pays a fixed cost per run (reading the weights from
memory once per step, one framework call per layer) whatever the number of rows
in it. Moonshine's decoder reads ~50 MB of float weights per token: three
utterances decoded together cost 0.22 CPU-s, one at a time 0.35 (measured on this
machine, ``docs/benchmarks.md``). So the requests of every call that wait at the
same moment go through the model as one run, as the Silero VAD's windows do
(:mod:`framekit.services.silero.batcher`).

How requests meet, without a timer on the common path: a request that finds no
run scheduled schedules one on the model's :class:`~framekit.models.scheduling.FairExecutor`;
the run takes, when a worker thread starts it, every pending request that fits
with the most urgent one (up to ``max_batch``). While a run is in flight new
requests wait and form the next batch, so batches grow by themselves exactly when
the model is busy, and a lone request waits for nothing. ``coalesce`` seconds (a
few milliseconds at most) is the one fixed wait: a run that starts with a single
request gives others that long to join it.

Why ``linger`` besides: under a steady load whose requests arrive a little further
apart than a run takes (eight callers staggered over 2 s: one utterance every
250 ms, a lone decode ~150 ms), every run holds one request and batching saves
nothing, although the model pays its fixed cost per run for every one of them. With
``linger`` set, a lone request waits up to that long after its arrival for a second
one to share its run, but only while requests have lately arrived at least that
often (a moving mean of the gaps between them): a quiet queue never waits, and a
busy one trades up to ``linger`` of one request's latency for a shared run.

Which requests share a run: the most urgent pending one (finals before early
decodes, then the cheapest, then the oldest, as the executor orders jobs) and the
others that ``fits`` admits next to it, so a model whose batch rows must be padded
to one length never pads a short utterance to a long one.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from framekit.models.scheduling import FINAL, FairExecutor

__all__ = ["BatchQueue"]

R = TypeVar("R")
T = TypeVar("T")

_MAX_COALESCE = 0.05
_GAP_WEIGHT = 0.3
"""Weight of the newest gap in the moving mean of the gaps between requests."""


@dataclass(order=True, slots=True)
class _Pending(Generic[R, T]):
    rank: int
    cost: float
    seq: int
    request: R = field(compare=False)
    future: Future[T] = field(compare=False)
    arrived: float = field(compare=False, default=0.0)


class BatchQueue(Generic[R, T]):
    """Runs requests through ``run_batch`` in batches on ``executor``'s threads.

    ``run_batch`` takes a list of requests and returns one result per request, in
    order (blocking, in a worker thread). ``fits(first, other)`` says whether
    ``other`` may share a run with ``first``, the batch's most urgent request.
    ``max_cost``: the most that the requests' ``cost`` may add up to in one run (its
    first request always runs), so a batch never holds the next request longer than
    that; ``None``: no bound. ``linger``: the longest a lone request waits after its
    arrival for another to share its run, only while requests arrive at least that
    often (see the module doc; ``0``: never, and never with ``max_batch`` 1).
    """

    def __init__(
        self,
        executor: FairExecutor,
        run_batch: Callable[[Sequence[R]], Sequence[T]],
        *,
        max_batch: int,
        fits: Callable[[R, R], bool] | None = None,
        coalesce: float = 0.0,
        max_cost: float | None = None,
        linger: float = 0.0,
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {max_batch}")
        if not 0.0 <= coalesce <= _MAX_COALESCE:
            raise ValueError(f"coalesce must be in [0, {_MAX_COALESCE}] seconds, got {coalesce}")
        if linger < 0:
            raise ValueError(f"linger must be >= 0 seconds, got {linger}")
        self._executor = executor
        self._run_batch = run_batch
        self._fits = fits
        self.max_batch = max_batch
        self.coalesce = coalesce
        self.max_cost = max_cost
        self.linger = linger
        self._gap = float("inf")
        self._last_arrival: float | None = None
        self._pending: list[_Pending[R, T]] = []
        self._arrived = threading.Condition()
        self._seq = itertools.count()
        self._scheduled = False
        self.runs = 0
        """Batched runs so far (with :attr:`requests`, the mean batch size)."""
        self.requests = 0
        """Requests run so far."""

    def submit(self, request: R, *, rank: int = FINAL, cost: float = 0.0) -> Future[T]:
        """Queue ``request`` (thread-safe); its result goes to the returned future."""
        future: Future[T] = Future()
        now = time.monotonic()
        with self._arrived:
            if self._last_arrival is not None:
                gap = now - self._last_arrival
                mean = gap if self._gap == float("inf") else self._gap
                self._gap = mean + _GAP_WEIGHT * (gap - mean)
            self._last_arrival = now
            self._pending.append(_Pending(rank, cost, next(self._seq), request, future, now))
            self._arrived.notify()
            if self._scheduled:
                return future
            self._scheduled = True
        self._schedule(rank, cost)
        return future

    async def run(self, request: R, *, rank: int = FINAL, cost: float = 0.0) -> T:
        """:meth:`submit` from the event loop; cancelling drops a request not yet run."""
        future = self.submit(request, rank=rank, cost=cost)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()
            raise

    def _schedule(self, rank: int, cost: float) -> None:
        try:
            self._executor.submit(self._drain, rank=rank, cost=cost)
        except RuntimeError as exc:  # the executor is shut down: fail what waits
            with self._arrived:
                pending, self._pending = self._pending, []
                self._scheduled = False
            for item in pending:
                if item.future.set_running_or_notify_cancel():
                    item.future.set_exception(exc)

    def _take(self) -> list[_Pending[R, T]]:
        """The next batch: the most urgent live request and those that fit with it."""
        with self._arrived:
            if len(self._pending) == 1 and (wait := self._lone_wait()) > 0:
                self._arrived.wait(wait)
            self._scheduled = False
            self._pending.sort()
            batch: list[_Pending[R, T]] = []
            rest: list[_Pending[R, T]] = []
            cost = 0.0
            for item in self._pending:
                if item.future.cancelled():
                    continue
                if not batch or (
                    len(batch) < self.max_batch
                    and (self.max_cost is None or cost + item.cost <= self.max_cost)
                    and (self._fits is None or self._fits(batch[0].request, item.request))
                ):
                    batch.append(item)
                    cost += item.cost
                else:
                    rest.append(item)
            self._pending = rest
            if rest and not self._scheduled:
                self._scheduled = True
                head = rest[0]
            else:
                head = None
        if head is not None:
            self._schedule(head.rank, head.cost)
        return [item for item in batch if item.future.set_running_or_notify_cancel()]

    def _lone_wait(self) -> float:
        """Seconds the one pending request waits for company (``_arrived`` held)."""
        if self.max_batch > 1 and self.linger and self._gap <= self.linger:
            left = self._pending[0].arrived + self.linger - time.monotonic()
            return max(self.coalesce, left)
        return self.coalesce

    def _drain(self) -> None:
        batch = self._take()
        if not batch:
            return
        try:
            results = self._run_batch([item.request for item in batch])
        except BaseException as exc:
            for item in batch:
                item.future.set_exception(exc)
            return
        self.runs += 1
        self.requests += len(batch)
        for item, result in zip(batch, results, strict=True):
            item.future.set_result(result)
