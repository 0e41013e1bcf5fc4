"""A shared model's worker threads, serving the most urgent and cheapest job first.

Why not a plain :class:`~concurrent.futures.ThreadPoolExecutor`: its queue is first
come, first served, so one caller's long utterance (two minutes of speech, or music
on the line) holds every other call's short answer behind it, and a speculative
decode (useful only if it finishes early) delays another call's final transcript.
:class:`FairExecutor` keeps one priority queue ordered by ``(rank, cost, arrival)``:
finals (rank 0) before speculative work (rank 1), and among equals the cheapest
first, so a long job costs its own call the wait, not everyone else's. A job whose
awaiting task was cancelled before a thread took it is skipped, never run.

Why every executor is stopped at exit: its threads are daemons (a stuck job must
not keep the process alive), and a daemon thread still inside a model's native
code when the interpreter finalizes is killed as it takes the GIL back: the
forced unwind crosses C++ frames (ctranslate2's, onnxruntime's) and the process
dies after its work is done ("terminate called without an active exception",
exit 134, or a segfault, 139). An ``atexit`` hook cancels the queued jobs and
waits up to :data:`EXIT_GRACE` for the running ones, while threads still run
normally.
"""

from __future__ import annotations

import asyncio
import atexit
import heapq
import itertools
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

__all__ = ["EARLY", "EXIT_GRACE", "FINAL", "FairExecutor"]

T = TypeVar("T")

FINAL: Final = 0
"""Rank of work a caller waits for now (a final transcript)."""
EARLY: Final = 1
"""Rank of work that only helps if it finishes early (a speculative or interim decode)."""
EXIT_GRACE: Final = 30.0
"""Seconds the exit waits, over all executors, for jobs already running (a decode
ends well within it; a hung tool call does not hold the exit forever)."""

_LIVE: weakref.WeakSet[FairExecutor] = weakref.WeakSet()


@dataclass(order=True, slots=True)
class _Job:
    rank: int
    cost: float
    seq: int
    run: Callable[[], Any] = field(compare=False)
    future: Future[Any] = field(compare=False)


class FairExecutor:
    """``workers`` daemon threads taking jobs by ``(rank, cost, arrival)``.

    Threads start with the first job. :meth:`run` is the asynchronous entry point;
    :meth:`submit` the thread-safe one.
    """

    def __init__(self, workers: int, *, name: str = "framekit-model") -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self._name = name
        self._queue: list[_Job] = []
        self._ready = threading.Condition()
        self._seq = itertools.count()
        self._threads: list[threading.Thread] = []
        self._closed = False
        _LIVE.add(self)

    @property
    def pending(self) -> int:
        """Jobs waiting for a thread."""
        return len(self._queue)

    def submit(self, run: Callable[[], T], *, rank: int = FINAL, cost: float = 0.0) -> Future[T]:
        """Queue ``run``; its result (or exception) goes to the returned future."""
        future: Future[T] = Future()
        with self._ready:
            if self._closed:
                raise RuntimeError(f"{self._name}: the executor is shut down")
            heapq.heappush(self._queue, _Job(rank, cost, next(self._seq), run, future))
            if len(self._threads) < self.workers:
                self._start_thread()
            self._ready.notify()
        return future

    async def run(self, run: Callable[[], T], *, rank: int = FINAL, cost: float = 0.0) -> T:
        """:meth:`submit` from the event loop; cancelling the caller drops a job not started."""
        future = self.submit(run, rank=rank, cost=cost)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()
            raise

    def shutdown(self, *, timeout: float = 0.0) -> None:
        """Let the threads finish their job and stop; queued jobs are cancelled.

        Waits up to ``timeout`` seconds for the running jobs to end.
        """
        with self._ready:
            self._closed = True
            for job in self._queue:
                job.future.cancel()
            self._queue.clear()
            self._ready.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    def _start_thread(self) -> None:
        thread = threading.Thread(
            target=self._serve, name=f"{self._name}-{len(self._threads)}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _serve(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._closed:
                    self._ready.wait()
                if not self._queue:
                    return
                job = heapq.heappop(self._queue)
            if not job.future.set_running_or_notify_cancel():
                continue  # its caller gave up before a thread was free
            try:
                result = job.run()
            except BaseException as exc:
                job.future.set_exception(exc)
            else:
                job.future.set_result(result)


@atexit.register
def _stop_at_exit() -> None:
    """Stop every executor before the interpreter finalizes (see the module's docstring)."""
    deadline = time.monotonic() + EXIT_GRACE
    executors = list(_LIVE)
    for executor in executors:
        executor.shutdown()  # cancel every queue first, so no thread takes a new job
    for executor in executors:
        executor.shutdown(timeout=max(0.0, deadline - time.monotonic()))
