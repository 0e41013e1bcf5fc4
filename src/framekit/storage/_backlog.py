"""What the database has not taken yet, for the writer thread: :class:`Backlog`.

Why apart from the writer loop (:mod:`framekit.storage.writer`): the loop only takes
batches off the queue, answers flushes and stops; everything about an outage lives
here, in one place: the spool and the records held in memory behind it when the
spool cannot be written, the retry schedule with its backoff, and the catch-up that
replays the spool, then memory, in that order, and ends the outage once both went.
The rules in order of preference are the writer module's steps 2 to 5.

Only the writer thread calls it, so it needs no lock; :attr:`Backlog.held` is read
from another thread only by a :meth:`~framekit.storage.writer.RecordWriter.close`
whose thread is stuck, to dump a copy.
"""

from __future__ import annotations

import time
from pathlib import Path

from loguru import logger

from framekit.storage._delivery import Delivery, WriterStats
from framekit.storage._fallback import dump_records
from framekit.storage.records import Record
from framekit.storage.spool import Spool

__all__ = ["Backlog"]

_STOP_RESERVE_S = 0.5  # of close()'s time, kept for spooling what could not be written
_LOUD_EVERY_S = 10.0  # while the spool fails, an error this often (and at each change)


class Backlog:
    """The spool, the records held in memory behind it, and when to try the database again.

    ``database`` writes (each with its deadline); ``stats`` are the writer's counters.
    ``max_held`` records at most stay in memory while the spool fails, the overflow
    goes to ``fallback_dir``.
    """

    def __init__(
        self,
        database: Delivery,
        stats: WriterStats,
        *,
        spool_dir: Path,
        retry_interval: float,
        max_retry_interval: float,
        max_held: int,
        fallback_dir: Path,
    ) -> None:
        self.database = database
        self.stats = stats
        self.spool_dir = spool_dir
        self.retry_interval = retry_interval
        self.max_retry_interval = max_retry_interval
        self.max_held = max_held
        self.fallback_dir = fallback_dir
        self.held: list[Record] = []
        """Records kept in memory: not yet written, not (yet) spooled; in order."""
        self._spool: Spool | None = None
        self._next_retry = 0.0
        self._backoff = retry_interval
        self._down_since: float | None = None
        self._spool_trouble = ""
        self._loud_at = 0.0

    @property
    def spooled_now(self) -> int:
        """Records waiting in the spool for the database to come back."""
        return len(self._spool) if self._spool is not None else 0

    def behind(self) -> bool:
        """Whether some records are not in the database yet (spooled or held)."""
        return bool(self.held) or self.spooled_now > 0

    def wait_time(self) -> float | None:
        """How long the writer may wait for new records: until the next retry, if behind."""
        if not self.behind():
            return None
        return max(0.0, self._next_retry - time.monotonic())

    def retry_later(self) -> None:
        """Something failed unexpectedly (a bug): try again after one retry interval."""
        self._next_retry = time.monotonic() + self.retry_interval

    def accept(self, records: list[Record], stopping: bool) -> None:
        """Take a batch: straight to the database when nothing is behind, else behind the rest.

        A batch that fails starts (or extends) the outage and is spooled; a catch-up
        is tried when its retry is due, or at once at the stop if records are only in
        memory (the spool's are safe and wait for their turn, or for the next start).
        """
        self.held.extend(records)  # first: from here on nothing can drop them
        failed_now = False
        if self.held and not self.spooled_now and self._down_since is None:
            if self._deliver(self.held):
                self.held.clear()
            else:
                self._outage()
                failed_now = True
        if self.held:
            self._spool_held()
        due = time.monotonic() >= self._next_retry or (stopping and bool(self.held))
        if self.behind() and due and not failed_now:
            self._catch_up()

    # --- the spool and memory --------------------------------------------------------------

    def open_spool(self) -> Spool | None:
        """Open this process's spool and adopt the ones crashed processes left (a retry at once)."""
        try:
            spool = Spool(self.spool_dir)
        except OSError as exc:
            self._spool_failed(exc)
            return None
        self._spool = spool
        try:
            if spool.adopt_orphans():
                self._next_retry = 0.0
        except OSError as exc:
            logger.opt(exception=exc).error(
                f"record writer: could not adopt spools in {spool.directory}"
            )
        return spool

    def _spool_held(self) -> None:
        spool = self._spool if self._spool is not None else self.open_spool()
        if spool is None:
            self._hold()
            return
        try:
            spool.append(self.held)
        except OSError as exc:
            self._spool_failed(exc)
            self._hold()
            return
        self.stats.spooled += len(self.held)
        if self._spool_trouble:
            logger.warning(
                f"record writer: the spool in {self.spool_dir} works again; "
                f"{len(self.held)} records moved there from memory"
            )
            self._spool_trouble = ""
        self.held.clear()

    def _spool_failed(self, exc: OSError) -> None:
        self.stats.spool_failures += 1
        reason = f"{type(exc).__name__}: {exc.strerror or exc}"
        now = time.monotonic()
        if reason != self._spool_trouble or now - self._loud_at >= _LOUD_EVERY_S:
            logger.error(
                f"record writer: cannot spool to {self.spool_dir} ({reason}); while the "
                f"database is down, records are kept in memory (now {len(self.held)}, "
                f"at most {self.max_held}) and both are tried again"
            )
            self._loud_at = now
        self._spool_trouble = reason

    def _hold(self) -> None:
        """The spool failed: keep the records in memory, the overflow goes to the fallback."""
        if len(self.held) <= self.max_held:
            return
        overflow = self.held[self.max_held :]
        del self.held[self.max_held :]
        where = dump_records(overflow, self.fallback_dir)
        self.stats.dumped += len(overflow)
        logger.error(
            f"record writer: {len(overflow)} records beyond the {self.max_held} kept in "
            f"memory could be neither written nor spooled: dumped to {where}"
        )

    # --- the database ----------------------------------------------------------------------

    def _outage(self) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            self.stats.outages += 1
            logger.warning(
                f"record writer: database unreachable ({self.database.last_error}); "
                f"spooling to {self.spool_dir} and retrying"
            )
        self._next_retry = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, self.max_retry_interval)

    def _catch_up(self) -> None:
        """Replay the spool, then what is in memory, in that order; the outage ends if both go."""
        if self.database.budget(_STOP_RESERVE_S) <= 0:
            return
        replayed = 0
        spool = self._spool
        if spool is not None and len(spool):
            try:
                records = spool.read()
            except OSError as exc:
                logger.opt(exception=exc).error(f"record writer: cannot read {spool.path}")
                self._outage()
                return
            if not self._deliver(records):
                self._outage()
                return
            replayed = len(records)
            self.stats.replayed += replayed
            try:
                spool.clear()
            except OSError as exc:  # they are in the database: a second replay changes nothing
                logger.opt(exception=exc).error(f"record writer: cannot empty {spool.path}")
                return
        if self.held:
            if not self._deliver(self.held):
                self._outage()
                return
            replayed += len(self.held)
            self.held.clear()
        self._backoff = self.retry_interval
        if self._down_since is not None:
            down_for = time.monotonic() - self._down_since
            self._down_since = None
            logger.info(
                f"record writer: database back after {down_for:.1f} s, replayed {replayed} records"
            )

    def _deliver(self, records: list[Record]) -> bool:
        return self.database.deliver(records, _STOP_RESERVE_S)

    # --- the end -----------------------------------------------------------------------

    def finish(self) -> tuple[int, int, str]:
        """At the stop: spool or dump what is in memory, close the database and the spool.

        Returns the records still waiting in the spool for the next start, the
        records that were kept in memory to the end, and where those were dumped.
        """
        dumped_to = ""
        if self.held:
            self._spool_held()  # the disk may have room again
        kept = len(self.held)
        if self.held:
            dumped_to = dump_records(self.held, self.fallback_dir)
            self.stats.dumped += kept
            self.held.clear()
        self.database.close()
        waiting = self.spooled_now
        if self._spool is not None:
            try:
                self._spool.close()
            except OSError as exc:
                logger.opt(exception=exc).error(f"record writer: cannot close {self._spool.path}")
        return waiting, kept, dumped_to
