"""The post-call job: analyses each call once it has ended, in a thread of its own.

Durable through the database, not through memory: the queue is only the fast path.
A call is to analyse while it has ended and has no ``done`` or ``failed`` analysis
row (:func:`~framekit.storage.analyses.unanalysed_calls`), and the worker looks for
such calls when it starts and every ``sweep_interval`` seconds. So a call whose
notice was lost (the queue was full, the process was killed before or during its
analysis) is analysed at the next sweep, here or in the next process to start.

Why a thread and not the event loop: the analysis reads the database and runs
VADER, regular expressions and the sentence model over the transcript; on the loop
that would delay the 20 ms audio frames of every live call. A thread is not enough
on its own: on a server with two cores, a worker analysing a backlog back to back
(a first start over thousands of old calls) took a core and the interpreter from the
live calls (voice to voice p50 368 -> 502 ms in ``bench_analytics_served.py``). So
the thread keeps to a ``duty`` share of one core: after each analysis it rests for
the CPU time it spent times ``(1 - duty) / duty`` (at least ``pause`` seconds).

Bounded: ``queue_size`` notices wait at most (:meth:`AnalysisWorker.submit` never
blocks and drops beyond that: the sweep finds the call later); a call whose record
is still open when its notice arrives (the writer thread has not written its end
yet) is looked at again after ``retry_delay`` seconds, for up to ``wait_for_end``
seconds; an analysis that raises is retried after ``retry_delay``, doubling, up to
``max_attempts`` attempts in all (restarts included: the row counts them), then
stored as ``failed`` with its error. A call taken more often than that and never
finished (its process died each time: a crash the analysis may cause) is stored as
``failed`` without another try.
"""

from __future__ import annotations

import contextlib
import heapq
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loguru import logger
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from framekit.analytics.analysis import Analysis, analyze
from framekit.storage import CallDetails
from framekit.storage.analyses import (
    begin_analysis,
    fail_analysis,
    save_analysis,
    unanalysed_calls,
)

__all__ = ["AnalysisWorker", "WorkerStats"]


_Analyze = Callable[[CallDetails], Analysis]


@dataclass(slots=True)
class WorkerStats:
    """What the worker has done since it started."""

    analysed: int = 0
    failed: int = 0
    """Analyses given up after ``max_attempts`` (stored as ``failed``)."""
    retried: int = 0
    dropped: int = 0
    """Notices refused by a full queue (their calls wait for the next sweep)."""


class AnalysisWorker:
    """Analyses ended calls of ``engine``'s database (see the module docstring).

    ``analyze`` turns a stored call into an :class:`~framekit.analytics.Analysis`
    (default: :func:`~framekit.analytics.analyze`, offline).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        analyze: _Analyze = analyze,
        queue_size: int = 1000,
        max_attempts: int = 3,
        retry_delay: float = 1.0,
        wait_for_end: float = 30.0,
        sweep_interval: float = 60.0,
        pause: float = 0.005,
        duty: float = 0.25,
    ) -> None:
        if queue_size < 1 or max_attempts < 1:
            raise ValueError("queue_size and max_attempts must be at least 1")
        if not 0.0 < duty <= 1.0:
            raise ValueError(f"duty is a share of one core, in (0, 1]: got {duty}")
        self._engine = engine
        self._analyze = analyze
        self._queue: queue.Queue[str | None] = queue.Queue(queue_size)
        self._queue_size = queue_size
        self._max_attempts = max_attempts
        self._retry_delay = retry_delay
        self._wait_for_end = wait_for_end
        self._sweep_interval = sweep_interval
        self._pause = pause
        self._rest_per_cpu_second = (1.0 - duty) / duty
        self._later: list[tuple[float, str, float]] = []
        """(when, call id, first seen) of calls to look at again, a heap."""
        self._known: set[str] = set()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._thread: threading.Thread | None = None
        self.stats = WorkerStats()

    # --- from any thread -----------------------------------------------------------------

    def start(self) -> AnalysisWorker:
        """Start the thread; its first sweep picks up calls left unanalysed by a restart."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="framekit-analytics", daemon=True
            )
            self._thread.start()
        return self

    def submit(self, call_id: str) -> bool:
        """Note that ``call_id`` ended; never blocks. False when the queue was full."""
        self._idle.clear()
        try:
            self._queue.put_nowait(call_id)
        except queue.Full:
            self.stats.dropped += 1
            return False
        return True

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or waiting for a retry (tests, shutdown)."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the analysis in progress; what is queued waits for the next start."""
        self._stop.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        if self._thread is not None:
            self._thread.join(timeout)

    # --- the thread ----------------------------------------------------------------------

    def _run(self) -> None:
        next_sweep = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_sweep:
                self._sweep(now)
                next_sweep = now + self._sweep_interval
            due = self._later[0][0] if self._later else next_sweep
            if self._later and due <= now:
                _, call_id, first = heapq.heappop(self._later)
                self._known.discard(call_id)
                self._work(call_id, first)
                continue
            if not self._later and self._queue.empty():
                self._idle.set()
            try:
                notice = self._queue.get(timeout=max(0.0, min(due, next_sweep) - now))
            except queue.Empty:
                continue
            if notice is not None:
                self._work(notice, time.monotonic())

    def _sweep(self, now: float) -> None:
        try:
            waiting = unanalysed_calls(self._engine, limit=self._queue_size)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning(f"analytics: cannot list the calls to analyse: {type(exc).__name__}")
            return
        for call_id in waiting:
            self._again(call_id, now, now)

    def _again(self, call_id: str, when: float, first: float) -> None:
        if call_id in self._known or len(self._later) >= self._queue_size:
            return  # the next sweep finds it
        self._known.add(call_id)
        heapq.heappush(self._later, (when, call_id, first))

    def _work(self, call_id: str, first: float) -> None:
        began = time.thread_time()
        self._attempt(call_id, first)
        rest = max(self._pause, (time.thread_time() - began) * self._rest_per_cpu_second)
        if rest:
            self._stop.wait(rest)

    def _attempt(self, call_id: str, first: float) -> None:
        now = time.monotonic()
        try:
            attempt = begin_analysis(self._engine, call_id)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning(f"analytics: call {call_id}: database failed: {type(exc).__name__}")
            self._again(call_id, now + self._retry_delay, first)
            return
        if not attempt.ended:
            if now - first < self._wait_for_end:
                self._again(call_id, now + self._retry_delay, first)
            return
        if attempt.details is None:
            return
        if attempt.attempt > self._max_attempts:
            # Taken that often and never finished: each try ended with its process (a
            # crash, a kill). Analysing it again could end this one too.
            why = f"gave up: {attempt.attempt - 1} attempts ended with their process"
            logger.warning(f"analytics: call {call_id}: {why}")
            with contextlib.suppress(SQLAlchemyError, OSError):
                fail_analysis(self._engine, call_id, why, final=True)
            self.stats.failed += 1
            return
        try:
            columns: dict[str, Any] = self._analyze(attempt.details).columns()
            save_analysis(self._engine, call_id, columns)
        except Exception as exc:  # a bad record must not stop the job for every call
            self._failed(call_id, attempt.attempt, exc, first)
        else:
            self.stats.analysed += 1

    def _failed(self, call_id: str, attempt: int, exc: Exception, first: float) -> None:
        final = attempt >= self._max_attempts
        why = f"{type(exc).__name__}: {exc}"
        logger.opt(exception=exc).warning(
            f"analytics: call {call_id}: attempt {attempt} of {self._max_attempts} failed"
        )
        with contextlib.suppress(SQLAlchemyError, OSError):  # else pending: the sweep retries
            fail_analysis(self._engine, call_id, why, final=final)
        if final:
            self.stats.failed += 1
            return
        self.stats.retried += 1
        delay = self._retry_delay * 2 ** (attempt - 1)
        self._again(call_id, time.monotonic() + delay, first)
