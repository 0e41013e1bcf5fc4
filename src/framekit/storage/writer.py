"""One writer per process: takes records from calls, writes them in batches, spools on outage.

Why a thread with synchronous sessions, not an async engine: a call's event loop
moves audio every 20 ms, and nothing about the database may slow it. With a
dedicated thread the loop's only cost is :meth:`RecordWriter.submit`, a
non-blocking put on an in-memory queue; connection attempts, timeouts of a dead
server, ``fsync`` of the spool and Alembic all happen off the loop. An async
engine would still run its I/O on the loop (and SQLite's async driver is a
thread anyway), so a thread is both simpler and safer, and it needs no extra
driver: the standard ``sqlite3`` and psycopg 3 serve it.

Why one per process, not one per call: a thousand calls share a handful of
database connections (SQLite: one at a time), and records of many calls are
written together in one transaction per batch.

What happens to a record, in order of preference:

1. :meth:`~RecordWriter.submit` queues it (from any thread or the event loop);
2. the writer thread takes everything queued (one batch) and writes it in one
   transaction (see :mod:`framekit.storage._apply`: idempotent), with a deadline
   (``write_timeout``, 5 s): a write that has not finished by then is given up
   (:mod:`framekit.storage._deadline`), as a server that never answers must not
   stop the writer;
3. if the database is unreachable (a connection error, a lost connection, a
   missing table, the deadline), the batch goes to the :class:`~framekit.storage.spool.Spool`,
   ``fsync``-ed, and every later batch follows it there, so order is kept. The
   writer retries with backoff (``retry_interval`` doubling up to
   ``max_retry_interval``); once a replay of the whole spool commits, the spool
   is emptied and batches go straight to the database again;
4. if the spool cannot be written either (a full disk, a read-only directory),
   the records stay in memory, in order, behind the spool (at most ``max_held``;
   beyond that they go to the fallback below), an error is logged, and both the
   spool and the database are tried again;
5. what is still in memory when the writer stops is written to a file in
   ``fallback_dir`` (the temporary directory), else to standard error, as JSON
   lines in the spool's format (:mod:`framekit.storage._fallback`);
6. a record the database rejects for its content (not an outage) is written to
   ``rejected-<pid>.jsonl`` in the spool directory and logged: never silently dropped.

:meth:`~RecordWriter.close` writes or spools everything within its timeout and
says in one log line what it did: records written, spooled (and still waiting in
the spool for the next start), kept in memory and where they were dumped.

At start the writer adopts spool files left by crashed processes and replays them.

Why every started writer is closed at exit: its thread is a daemon (a hung
database must not keep the process alive), and a daemon thread simply stops when
the interpreter does, so whatever was still queued would be lost. An ``atexit``
hook closes every writer still running (within :data:`EXIT_TIMEOUT_S` in all; what
is not written or spooled by then is dumped, as :meth:`RecordWriter.close` does).
Its native calls (``sqlite3``, libpq, ``fsync``) are C: a thread still inside one
when the interpreter finalizes ends without harm, unlike one inside C++ code
(:mod:`framekit.models.scheduling`); what the hook prevents is the loss.

This module is the writer's thread and its queue (batches, flushes, the stop and its
report); steps 3 to 5, the outage's spool, memory and catch-up, are
:class:`~framekit.storage._backlog.Backlog`'s.
"""

from __future__ import annotations

import atexit
import os
import queue
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from loguru import logger
from sqlalchemy import Engine

from framekit.storage._backlog import Backlog
from framekit.storage._delivery import Delivery, WriterStats
from framekit.storage._fallback import dump_records
from framekit.storage.database import DEFAULT_DATABASE_URL, make_engine, normalize_url
from framekit.storage.records import Record

__all__ = [
    "DEFAULT_MAX_HELD",
    "DEFAULT_SPOOL_DIR",
    "DEFAULT_WRITE_TIMEOUT_S",
    "EXIT_TIMEOUT_S",
    "RecordWriter",
    "WriterStats",
    "shared_writer",
]

DEFAULT_SPOOL_DIR = Path("framekit-spool")
"""Where spools go unless told otherwise (``FRAMEKIT_SPOOL_DIR`` overrides it)."""
DEFAULT_WRITE_TIMEOUT_S = 5.0
"""Seconds one write may take before it is given up (``FRAMEKIT_WRITE_TIMEOUT`` overrides it)."""
DEFAULT_MAX_HELD = 100_000
"""Records kept in memory while neither the database nor the spool takes them (~100 MB)."""
EXIT_TIMEOUT_S: Final = 10.0
"""Seconds the exit gives, over all writers still running, to write or spool what they hold."""

_running: weakref.WeakSet[RecordWriter] = weakref.WeakSet()


class _Barrier:
    __slots__ = ("event",)

    def __init__(self) -> None:
        self.event = threading.Event()


@dataclass(frozen=True, slots=True)
class _Stop:
    deadline: float | None
    """``time.monotonic()`` by which the thread must be done; None: no limit."""


class RecordWriter:
    """Writes records to ``database_url`` from its own thread (see the module docstring).

    ``write_timeout``: seconds one write may take (default ``FRAMEKIT_WRITE_TIMEOUT``
    or 5). ``max_held``: records kept in memory while the spool cannot be written.
    ``fallback_dir``: where records that could be kept nowhere else are dumped at
    the end (default: the system's temporary directory).
    """

    def __init__(
        self,
        database_url: str = DEFAULT_DATABASE_URL,
        *,
        spool_dir: str | os.PathLike[str] | None = None,
        batch_size: int = 500,
        retry_interval: float = 0.5,
        max_retry_interval: float = 5.0,
        write_timeout: float | None = None,
        max_held: int = DEFAULT_MAX_HELD,
        fallback_dir: str | os.PathLike[str] | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.database_url = database_url
        # Absolute now: the writer outlives a change of working directory (it closes at exit).
        self.spool_dir = Path(
            spool_dir or os.environ.get("FRAMEKIT_SPOOL_DIR") or DEFAULT_SPOOL_DIR
        ).absolute()
        self.batch_size = batch_size
        self.retry_interval = retry_interval
        self.max_retry_interval = max_retry_interval
        self.write_timeout = (
            write_timeout
            if write_timeout is not None
            else float(os.environ.get("FRAMEKIT_WRITE_TIMEOUT") or DEFAULT_WRITE_TIMEOUT_S)
        )
        self.max_held = max_held
        self.fallback_dir = Path(fallback_dir or tempfile.gettempdir())
        self.stats = WriterStats()
        self._engine = engine
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._backlog: Backlog | None = None
        self._waiting: list[_Barrier] = []
        self._last_words: tuple[str, str] | None = None
        self._gave_up = False
        self._closed = False

    # --- any thread ----------------------------------------------------------------------

    def start(self) -> RecordWriter:
        """Start the writer thread (it first replays spools left by crashed processes)."""
        if self._thread is None:
            if self._engine is None:
                self._engine = make_engine(self.database_url)
            database = Delivery(
                self._engine,
                self.stats,
                batch_size=self.batch_size,
                write_timeout=self.write_timeout,
                rejected_dir=self.spool_dir,
                fallback_dir=self.fallback_dir,
            )
            self._backlog = Backlog(
                database,
                self.stats,
                spool_dir=self.spool_dir,
                retry_interval=self.retry_interval,
                max_retry_interval=self.max_retry_interval,
                max_held=self.max_held,
                fallback_dir=self.fallback_dir,
            )
            self._thread = threading.Thread(
                target=self._run, name="framekit-record-writer", daemon=True
            )
            self._thread.start()
            _running.add(self)
        return self

    def submit(self, record: Record) -> None:
        """Queue ``record`` for writing; never blocks (safe on the event loop)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the record writer is closed")
            self._queue.put(record)

    @property
    def spooled_now(self) -> int:
        """Records waiting in the spool for the database to come back."""
        return self._backlog.spooled_now if self._backlog is not None else 0

    @property
    def held_now(self) -> int:
        """Records kept in memory because neither the database nor the spool took them."""
        return len(self._backlog.held) if self._backlog is not None else 0

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted so far is in the database; False on timeout.

        A blocking call: from async code run it in a thread
        (``await asyncio.to_thread(writer.flush, 5)``).
        """
        if self._thread is None:
            raise RuntimeError("the record writer has not started")
        barrier = _Barrier()
        self._queue.put(barrier)
        return barrier.event.wait(timeout)

    def close(self, timeout: float | None = 10.0) -> None:
        """Write or spool everything within ``timeout`` seconds, stop, and log what happened.

        One line says how many records were written, spooled (and still wait in
        the spool for the next start) and kept in memory (then dumped to a file, or
        stderr): ``INFO`` when all is in the database, ``WARNING`` when some wait in
        the spool, ``ERROR`` when some could be neither written nor spooled.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
        started = time.monotonic()
        if self._thread is not None:
            self._queue.put(_Stop(None if timeout is None else started + timeout))
            self._thread.join(timeout)
            if self._thread.is_alive():
                self._report_stuck(time.monotonic() - started)
            elif self._last_words is not None:
                level, what = self._last_words
                seconds = time.monotonic() - started
                logger.log(level, f"record writer stopped in {seconds:.1f} s: {what}")
        if self._engine is not None:
            self._engine.dispose()

    # --- the writer thread ---------------------------------------------------------------

    def _run(self) -> None:
        backlog = self._started
        stopping = False
        backlog.open_spool()
        while not stopping:
            items = self._take(backlog.wait_time())
            records, stopping = self._sort(items)
            try:
                backlog.accept(records, stopping)
                if not backlog.behind():
                    for barrier in self._waiting:
                        barrier.event.set()
                    self._waiting.clear()
            except Exception as exc:  # a bug: the records stay in memory, nothing is dropped
                logger.opt(exception=exc).error("record writer: unexpected failure")
                backlog.retry_later()
        self._finish(backlog)

    @property
    def _started(self) -> Backlog:
        assert self._backlog is not None, "the record writer has not started"
        return self._backlog

    def _sort(self, items: list[object]) -> tuple[list[Record], bool]:
        records: list[Record] = []
        stopping = False
        for item in items:
            if isinstance(item, _Stop):
                stopping = True
                self._started.database.must_end_by = item.deadline
            elif isinstance(item, _Barrier):
                self._waiting.append(item)
            else:
                records.append(item)  # type: ignore[arg-type]
        return records, stopping

    def _take(self, timeout: float | None) -> list[object]:
        items: list[object] = []
        try:
            items.append(self._queue.get(timeout=timeout))
        except queue.Empty:
            return items
        while len(items) < self.batch_size:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items

    # --- the end -----------------------------------------------------------------------

    def _finish(self, backlog: Backlog) -> None:
        waiting, kept, dumped_to = backlog.finish()
        self._last_words = self._summary(waiting, kept, dumped_to)
        if self._gave_up:  # close() has returned: nobody else will say it
            level, what = self._last_words
            logger.log(level, f"record writer stopped late: {what}")

    def _summary(self, waiting: int, kept: int, dumped_to: str) -> tuple[str, str]:
        """The level and the words of the line :meth:`close` logs."""
        stats = self.stats
        parts = [f"{stats.written} records written", f"{stats.spooled} spooled to {self.spool_dir}"]
        if waiting:
            parts[-1] += f" ({waiting} wait there for the next start)"
        parts.append(f"{kept} kept in memory")
        if kept:
            parts[-1] += f" could be neither written nor spooled: dumped to {dumped_to}"
        if stats.dumped > kept:
            parts.append(f"{stats.dumped - kept} dumped earlier (memory full)")
        if stats.rejected:
            parts.append(f"{stats.rejected} rejected (see {self.spool_dir}/rejected-*.jsonl)")
        level = "ERROR" if stats.dumped else "WARNING" if waiting else "INFO"
        return level, ", ".join(parts)

    def _report_stuck(self, seconds: float) -> None:
        """The thread did not stop in time: dump what it holds and what is queued, loudly."""
        records = list(self._started.held)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if not isinstance(item, _Stop | _Barrier):
                records.append(item)  # type: ignore[arg-type]
        self._gave_up = True
        self._queue.put(_Stop(time.monotonic()))  # the thread stops as soon as it can
        where = dump_records(records, self.fallback_dir) if records else "-"
        logger.error(
            f"record writer did not stop within {seconds:.1f} s (a write or the spool's disk "
            f"hangs): {self.stats.written} records written, {self.stats.spooled} spooled to "
            f"{self.spool_dir}, {len(records)} in memory dumped to {where} (they may also "
            "reach the database or the spool later: a duplicate is harmless)"
        )


_shared: dict[tuple[str, Path], RecordWriter] = {}
_shared_lock = threading.Lock()


def shared_writer(
    database_url: str | None = None, *, spool_dir: str | os.PathLike[str] | None = None
) -> RecordWriter:
    """The process's started writer for ``database_url`` (``DATABASE_URL`` or the SQLite default).

    Every call of the process shares it; it is closed (queued records written or
    spooled) when the interpreter exits, as every writer still running is.
    """
    url = normalize_url(database_url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    directory = Path(spool_dir or os.environ.get("FRAMEKIT_SPOOL_DIR") or DEFAULT_SPOOL_DIR)
    key = (url, directory.resolve())
    with _shared_lock:
        writer = _shared.get(key)
        if writer is None or writer._closed:
            writer = _shared[key] = RecordWriter(url, spool_dir=directory).start()
        return writer


@atexit.register
def _close_at_exit() -> None:
    """Close every writer still running before the interpreter stops (see the module docstring)."""
    deadline = time.monotonic() + EXIT_TIMEOUT_S
    for writer in list(_running):
        writer.close(max(0.0, deadline - time.monotonic()))
