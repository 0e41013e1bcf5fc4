"""Writing records to the database for the writer: in chunks, each with a deadline.

:meth:`Delivery.deliver` answers one question: are these records in the database
now? ``True``: they are committed (or, refused for their content, kept aside in
``rejected-<pid>.jsonl``). ``False``: the database could not be reached in time
(a connection error, a lost connection, a missing table, the deadline), nothing
is promised, and the writer spools them. Each chunk runs on a
:class:`~framekit.storage._deadline.DeadlineWorker`; a chunk that misses its
deadline has its connections broken (:class:`~framekit.storage._deadline.ConnectionBreaker`)
and its worker abandoned if it still does not return.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
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
from framekit.storage._deadline import ConnectionBreaker, DeadlineExceeded, DeadlineWorker
from framekit.storage._fallback import dump_records
from framekit.storage.records import Record, record_to_json

__all__ = ["GRACE_S", "Delivery", "WriterStats", "short"]

GRACE_S = 0.5
"""Seconds a write whose connections were broken gets to return before it is abandoned."""

_OUTAGE = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeoutError,
    DeadlineExceeded,
)


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
    timeouts: int = 0
    """Writes given up at their deadline (the database did not answer in time)."""
    spool_failures: int = 0
    """Attempts to spool that failed (a full disk, a read-only or missing directory)."""
    dumped: int = 0
    """Records neither written nor spooled, dumped to the fallback file or stderr."""


class Delivery:
    """Writes batches through ``engine`` for a writer whose counters are ``stats``.

    ``rejected_dir``: where ``rejected-<pid>.jsonl`` goes; ``fallback_dir``: where a
    rejected record goes if that file cannot be written.
    """

    def __init__(
        self,
        engine: Engine,
        stats: WriterStats,
        *,
        batch_size: int,
        write_timeout: float,
        rejected_dir: Path,
        fallback_dir: Path,
    ) -> None:
        self.engine = engine
        self.stats = stats
        self.batch_size = batch_size
        self.write_timeout = write_timeout
        self.rejected_dir = rejected_dir
        self.fallback_dir = fallback_dir
        self.last_error = ""
        """Why the last delivery failed, in one line."""
        self.must_end_by: float | None = None
        """``time.monotonic()`` by which every write must be over (the writer's stop)."""
        self._breaker = ConnectionBreaker(engine)
        self._worker = DeadlineWorker("framekit-record-writer-db")

    def budget(self, reserve: float = 0.0) -> float:
        """Seconds the next write may take: the deadline, or less when the stop is near.

        ``reserve``: seconds to keep free before :attr:`must_end_by`.
        """
        if self.must_end_by is None:
            return self.write_timeout
        left = self.must_end_by - time.monotonic() - GRACE_S - reserve
        return min(self.write_timeout, left)

    def deliver(self, records: Sequence[Record], reserve: float = 0.0) -> bool:
        """Write ``records``; False if the database is unreachable (then nothing is promised)."""
        try:
            for start in range(0, len(records), self.batch_size):
                chunk = records[start : start + self.batch_size]
                self._with_deadline(partial(self._write, chunk), reserve)
        except _OUTAGE as exc:
            self.last_error = short(exc)
            return False
        except Exception as exc:
            if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                self.last_error = short(exc)
                return False
            logger.error(f"record writer: a batch was refused ({short(exc)}); writing one by one")
            return self._one_by_one(records, reserve)
        self.stats.written += len(records)
        return True

    def close(self) -> None:
        """End the worker thread once its current write (if any) has returned."""
        self._worker.close()

    def _one_by_one(self, records: Sequence[Record], reserve: float) -> bool:
        for record in records:
            try:
                self._with_deadline(partial(self._write, [record]), reserve)
            except _OUTAGE as exc:
                self.last_error = short(exc)
                return False
            except Exception as exc:
                self._reject(record, exc)
            else:
                self.stats.written += 1
        return True

    def _with_deadline(self, write: Callable[[], None], reserve: float) -> None:
        budget = self.budget(reserve)
        if budget <= 0:
            raise DeadlineExceeded("no time left before the writer must stop")
        try:
            self._worker.run(write, budget)
        except DeadlineExceeded:
            self.stats.timeouts += 1
            self._breaker.break_all()
            if not self._worker.wait_idle(GRACE_S):
                self._worker.abandon()
                logger.warning(
                    "record writer: a database call did not return after its connections "
                    "were broken; it is abandoned (its records are spooled)"
                )
            raise

    def _write(self, records: Sequence[Record]) -> None:
        with self.engine.connect() as connection:
            apply_records(connection, records)

    def _reject(self, record: Record, exc: Exception) -> None:
        self.stats.rejected += 1
        path = self.rejected_dir / f"rejected-{os.getpid()}.jsonl"
        entry = {"error": short(exc), "record": json.loads(record_to_json(record))}
        try:
            with path.open("a", encoding="utf-8") as file:
                file.write(json.dumps(entry) + "\n")
                file.flush()
                os.fsync(file.fileno())
            where = str(path)
        except OSError:
            where = dump_records([record], self.fallback_dir)
        logger.error(f"record writer: {record.kind} refused by the database, kept in {where}")


def short(exc: BaseException) -> str:
    """``exc`` in one line of at most 300 characters."""
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else repr(exc)
