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

What happens to a record:

1. :meth:`~RecordWriter.submit` queues it (from any thread or the event loop);
2. the writer thread takes everything queued (one batch) and writes it in one
   transaction (see :mod:`framekit.storage._apply`: idempotent);
3. if the database is unreachable (a connection error, a lost connection, a
   missing table), the batch goes to the :class:`~framekit.storage.spool.Spool`,
   ``fsync``-ed, and every later batch follows it there, so order is kept. The
   writer retries with backoff (``retry_interval`` doubling up to
   ``max_retry_interval``); once a replay of the whole spool commits, the spool
   is emptied and batches go straight to the database again;
4. a record the database rejects for its content (not an outage) is written to
   ``rejected-<pid>.jsonl`` in the spool directory and logged: never silently dropped.

At start the writer adopts spool files left by crashed processes and replays them.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from loguru import logger
from sqlalchemy import Engine
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from framekit.storage._apply import apply_records
from framekit.storage.database import DEFAULT_DATABASE_URL, make_engine, normalize_url
from framekit.storage.records import Record, record_to_json
from framekit.storage.spool import Spool

__all__ = ["DEFAULT_SPOOL_DIR", "RecordWriter", "WriterStats", "shared_writer"]

DEFAULT_SPOOL_DIR = Path("framekit-spool")
"""Where spools go unless told otherwise (``FRAMEKIT_SPOOL_DIR`` overrides it)."""

_OUTAGE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)


@dataclass(slots=True)
class WriterStats:
    """Counters of what the writer did (read them for monitoring and tests)."""

    written: int = 0
    """Records committed to the database (replays included)."""
    spooled: int = 0
    """Records appended to the spool because the database was unreachable."""
    replayed: int = 0
    """Records committed by a replay of the spool."""
    rejected: int = 0
    """Records the database refused for their content (see ``rejected-*.jsonl``)."""
    outages: int = 0
    """Outages seen: each runs from the first failed write to the replay that succeeds."""


class _Barrier:
    __slots__ = ("event",)

    def __init__(self) -> None:
        self.event = threading.Event()


_STOP = object()


class RecordWriter:
    """Writes records to ``database_url`` from its own thread (see the module docstring)."""

    def __init__(
        self,
        database_url: str = DEFAULT_DATABASE_URL,
        *,
        spool_dir: str | os.PathLike[str] | None = None,
        batch_size: int = 500,
        retry_interval: float = 0.5,
        max_retry_interval: float = 5.0,
        engine: Engine | None = None,
    ) -> None:
        self.database_url = database_url
        self.spool_dir = Path(
            spool_dir or os.environ.get("FRAMEKIT_SPOOL_DIR") or DEFAULT_SPOOL_DIR
        )
        self.batch_size = batch_size
        self.retry_interval = retry_interval
        self.max_retry_interval = max_retry_interval
        self.stats = WriterStats()
        self._engine = engine
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._spool: Spool | None = None
        self._waiting: list[_Barrier] = []
        self._next_retry = 0.0
        self._backoff = retry_interval
        self._down_since: float | None = None
        self._last_error = ""
        self._closed = False

    # --- any thread ----------------------------------------------------------------------

    def start(self) -> RecordWriter:
        """Start the writer thread (it first replays spools left by crashed processes)."""
        if self._thread is None:
            self._spool = Spool(self.spool_dir)
            if self._engine is None:
                self._engine = make_engine(self.database_url)
            self._thread = threading.Thread(
                target=self._run, name="framekit-record-writer", daemon=True
            )
            self._thread.start()
        return self

    def submit(self, record: Record) -> None:
        """Queue ``record`` for writing; never blocks (safe on the event loop)."""
        if self._closed:
            raise RuntimeError("the record writer is closed")
        self._queue.put(record)

    @property
    def spooled_now(self) -> int:
        """Records waiting in the spool for the database to come back."""
        return len(self._spool) if self._spool is not None else 0

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
        """Write what is queued (or spool it), stop the thread, release the spool."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)
        if self._spool is not None and (self._thread is None or not self._thread.is_alive()):
            self._spool.close()
        if self._engine is not None:
            self._engine.dispose()

    # --- the writer thread ---------------------------------------------------------------

    def _run(self) -> None:
        spool = self._spool
        assert spool is not None
        try:
            if spool.adopt_orphans():
                self._next_retry = 0.0
        except OSError as exc:
            logger.opt(exception=exc).error(
                f"record writer: could not adopt spools in {spool.directory}"
            )
        stopping = False
        carried: list[Record] = []
        while not stopping:
            wait = self._wait_time(spool)
            if carried:
                wait = self.retry_interval if wait is None else min(wait, self.retry_interval)
            records, stopping = self._sort(self._take(wait), carried)
            carried = []
            try:
                self._handle(spool, records, stopping)
            except Exception as exc:  # the spool itself failed (disk full?): keep them in memory
                logger.opt(exception=exc).error(
                    f"record writer: could not write or spool {len(records)} records; "
                    "keeping them in memory and trying again"
                )
                carried = records
                if stopping:
                    break
        if len(spool):
            logger.warning(
                f"record writer stopped with {len(spool)} records in {spool.path}; "
                "the next start replays them"
            )

    def _sort(self, items: list[object], carried: list[Record]) -> tuple[list[Record], bool]:
        records = list(carried)
        stopping = False
        for item in items:
            if item is _STOP:
                stopping = True
            elif isinstance(item, _Barrier):
                self._waiting.append(item)
            else:
                records.append(item)  # type: ignore[arg-type]
        return records, stopping

    def _handle(self, spool: Spool, records: list[Record], stopping: bool) -> None:
        if records:
            if len(spool):
                self._spool_records(spool, records)
            elif not self._deliver(records):
                self._spool_records(spool, records)
                self._outage()
        if len(spool) and (stopping or time.monotonic() >= self._next_retry):
            self._replay(spool)
        if not len(spool):
            for barrier in self._waiting:
                barrier.event.set()
            self._waiting.clear()

    def _wait_time(self, spool: Spool) -> float | None:
        if not len(spool):
            return None
        return max(0.0, self._next_retry - time.monotonic())

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

    def _spool_records(self, spool: Spool, records: Sequence[Record]) -> None:
        spool.append(records)
        self.stats.spooled += len(records)

    def _outage(self) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            self.stats.outages += 1
            logger.warning(
                f"record writer: database unreachable ({self._last_error}); "
                f"spooling to {self.spool_dir} and retrying"
            )
        self._next_retry = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, self.max_retry_interval)

    def _replay(self, spool: Spool) -> None:
        records = spool.read()
        if self._deliver(records):
            self.stats.replayed += len(records)
            spool.clear()
            self._backoff = self.retry_interval
            down_for = time.monotonic() - (self._down_since or time.monotonic())
            self._down_since = None
            logger.info(
                f"record writer: database back after {down_for:.1f} s, "
                f"replayed {len(records)} records"
            )
        else:
            self._outage()

    def _deliver(self, records: Sequence[Record]) -> bool:
        """Write ``records``; False if the database is unreachable (then nothing is promised)."""
        try:
            for start in range(0, len(records), self.batch_size):
                self._write(records[start : start + self.batch_size])
        except _OUTAGE as exc:
            self._last_error = _short(exc)
            return False
        except Exception as exc:
            if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                self._last_error = _short(exc)
                return False
            logger.error(f"record writer: a batch was refused ({_short(exc)}); writing one by one")
            return self._deliver_one_by_one(records)
        self.stats.written += len(records)
        return True

    def _deliver_one_by_one(self, records: Sequence[Record]) -> bool:
        for record in records:
            try:
                self._write([record])
            except _OUTAGE as exc:
                self._last_error = _short(exc)
                return False
            except Exception as exc:
                self._reject(record, exc)
            else:
                self.stats.written += 1
        return True

    def _write(self, records: Sequence[Record]) -> None:
        assert self._engine is not None
        with self._engine.connect() as connection:
            apply_records(connection, records)

    def _reject(self, record: Record, exc: Exception) -> None:
        self.stats.rejected += 1
        path = self.spool_dir / f"rejected-{os.getpid()}.jsonl"
        entry = {"error": _short(exc), "record": json.loads(record_to_json(record))}
        with path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(entry) + "\n")
            file.flush()
            os.fsync(file.fileno())
        logger.error(f"record writer: {record.kind} refused by the database, kept in {path}")


def _short(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else repr(exc)


_shared: dict[tuple[str, Path], RecordWriter] = {}
_shared_lock = threading.Lock()


def shared_writer(
    database_url: str | None = None, *, spool_dir: str | os.PathLike[str] | None = None
) -> RecordWriter:
    """The process's started writer for ``database_url`` (``DATABASE_URL`` or the SQLite default).

    Every call of the process shares it; it is closed (queued records written or
    spooled) when the interpreter exits.
    """
    url = normalize_url(database_url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    directory = Path(spool_dir or os.environ.get("FRAMEKIT_SPOOL_DIR") or DEFAULT_SPOOL_DIR)
    key = (url, directory.resolve())
    with _shared_lock:
        writer = _shared.get(key)
        if writer is None or writer._closed:
            writer = _shared[key] = RecordWriter(url, spool_dir=directory).start()
            atexit.register(writer.close)
        return writer
