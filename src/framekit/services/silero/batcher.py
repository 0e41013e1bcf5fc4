"""Gathers the windows of one event loop's calls into batched runs of the shared engine.

Why no timer: a request schedules a flush with ``call_soon``, so every call that
asks during the same event-loop tick shares one run, and a lone call waits one
tick, never a timer. While a run is in flight, new requests queue and form the
next batch, so batches grow by themselves exactly when the worker is busy.
``coalesce`` (off by default) is the one exception: a window that finds the
engine idle waits that long for other calls' windows. With the level gate
(:mod:`framekit.processors.vad.gate`) keeping most windows from the model, the
worker is rarely busy and batches shrink (from ~35 to ~5 at 200 calls), so each
window carries more of a run's fixed cost; a few milliseconds of waiting buys
larger batches back, at that much more latency before each decision.

Why small runs stay on the loop: handing a run to the worker thread and its result
back (an executor submission, a wake-up of the worker, ``call_soon_threadsafe`` and a
wake-up of the loop) cost as much CPU as the run itself: at 8 kHz one window took
~100 us run in place and ~210 us through the worker (``docs/benchmarks.md``, issue 18).
A served call node's windows rarely meet in one tick, so nearly every run was a
single window paying that hop. While at most the engine's ``inline_streams`` streams
are open (64 by default), runs now happen in the loop's own thread (a run is at most
one window per stream: ~30 us a window past ~100 us of its own). With more streams
they go to the worker as before: there windows queue while a run is in flight, so
batches grow with the calls and the hop becomes a small part of each run, and the
loop goes on with other calls' frames meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from concurrent.futures import Future as ThreadFuture
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from framekit.metrics.threads import MODEL_THREADS, add_model_cpu

if TYPE_CHECKING:
    from framekit.services.silero.engine import SileroVADEngine

__all__ = ["LoopBatcher"]

_F32 = npt.NDArray[np.float32]
_MODEL = MODEL_THREADS["framekit-vad"]
"""The model's name in the CPU metric (its worker thread is ``framekit-vad``)."""


@dataclass(slots=True)
class _Request:
    slot: int
    audio: _F32
    future: asyncio.Future[float]


class LoopBatcher:
    """Gathers one event loop's pending windows into runs on the engine's worker thread."""

    def __init__(self, engine: SileroVADEngine, loop: asyncio.AbstractEventLoop) -> None:
        self._engine = engine
        self._loop = loop
        self._pending: list[_Request] = []
        self._busy = False

    def submit(self, slot: int, audio: _F32) -> asyncio.Future[float]:
        future: asyncio.Future[float] = self._loop.create_future()
        self._pending.append(_Request(slot, audio, future))
        if not self._busy:
            self._busy = True
            if self._engine.coalesce > 0:
                self._loop.call_later(self._engine.coalesce, self._dispatch)
            else:
                self._loop.call_soon(self._dispatch)
        return future

    def _dispatch(self) -> None:
        limit = self._engine.max_batch
        batch = [r for r in self._pending[:limit] if not r.future.cancelled()]
        del self._pending[:limit]
        if not batch:
            if self._pending:
                self._loop.call_soon(self._dispatch)
            else:
                self._busy = False
            return
        slots = np.fromiter((r.slot for r in batch), dtype=np.intp, count=len(batch))
        audio = np.stack([r.audio for r in batch])
        engine = self._engine
        if engine.open_streams <= engine.inline_streams:
            self._run_here(batch, slots, audio)
            return
        try:
            done = engine._worker().submit(engine._infer, slots, audio)
        except RuntimeError as exc:  # engine closed: fail these windows rather than hang them
            done = ThreadFuture()
            done.set_exception(exc)
        done.add_done_callback(lambda f: self._from_worker(batch, f))

    def _run_here(self, batch: list[_Request], slots: npt.NDArray[np.intp], audio: _F32) -> None:
        """A small run in the loop's thread: no hop to the worker and back (see above)."""
        try:
            if self._engine.closed:
                raise RuntimeError("VAD engine is closed")
            started = time.thread_time()
            probabilities = self._engine._infer(slots, audio)
            add_model_cpu(_MODEL, time.thread_time() - started)  # not the worker's: say so
        except Exception as exc:  # the windows fail; the loop and the other calls go on
            self._settle(batch, None, exc)
        else:
            self._settle(batch, probabilities, None)
        if self._pending:  # more than max_batch asked in one tick: the rest on the next
            self._loop.call_soon(self._dispatch)
        else:
            self._busy = False

    def _from_worker(self, batch: list[_Request], done: ThreadFuture[_F32]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed while the run was in flight
            self._loop.call_soon_threadsafe(self._complete, batch, done)

    def _complete(self, batch: list[_Request], done: ThreadFuture[_F32]) -> None:
        error = done.exception()
        self._settle(batch, None if error is not None else done.result(), error)
        if self._pending:
            self._dispatch()
        else:
            self._busy = False

    def _settle(
        self, batch: list[_Request], probabilities: _F32 | None, error: BaseException | None
    ) -> None:
        """Hand each window its probability, or the run's error."""
        for i, request in enumerate(batch):
            if request.future.done():
                continue
            if probabilities is None:
                request.future.set_exception(error or RuntimeError("VAD run failed"))
            else:
                request.future.set_result(float(probabilities[i]))
