"""Database work with a deadline: the record writer never waits on a silent server for ever.

A server whose packets are dropped without the connection being closed (a
black-holed network, a proxy or load balancer that still acknowledges, a frozen
host) leaves a query, or the pool's pre-ping, waiting for an answer that never
comes; socket timeouts (:mod:`framekit.storage.database`) catch some of these
cases, not all. So the writer thread does not talk to the database itself: it
hands each write to a :class:`DeadlineWorker` and waits at most a deadline. When
the deadline passes, :class:`ConnectionBreaker` shuts the sockets of the
engine's connections down (for SQLite: interrupts them), which makes the stuck
call fail at once with a lost-connection error; if it still has not returned
after a short grace, the worker is abandoned (a daemon thread, it cannot keep
the process alive) and the next write gets a fresh one.

Why an abandoned write does no harm: the writer has spooled the same records,
and every write is idempotent (:mod:`framekit.storage._apply`), so if the
abandoned write commits late, the replay of its records changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, event

__all__ = ["ConnectionBreaker", "DeadlineExceeded", "DeadlineWorker"]

T = TypeVar("T")


class DeadlineExceeded(Exception):
    """The work did not finish within its deadline (it may still be running)."""


class _Job(Generic[T]):
    __slots__ = ("done", "error", "fn", "result")

    def __init__(self, fn: Callable[[], T]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.result: T | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as exc:  # handed to the waiting thread, which re-raises it
            self.error = exc
        finally:
            self.done.set()


_QUIT = object()


class DeadlineWorker:
    """Runs one function at a time on a daemon thread; the caller waits at most a deadline."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.abandoned = 0
        """Threads given up on because a call never returned."""
        self._jobs: queue.SimpleQueue[object] | None = None
        self._current: _Job[Any] | None = None

    def run(self, fn: Callable[[], T], timeout: float) -> T:
        """``fn()`` on the worker thread; raises :class:`DeadlineExceeded` after ``timeout`` s."""
        if self._current is not None and not self._current.done.is_set():
            self.abandon()  # still stuck in an earlier call: never queue behind it
        job: _Job[T] = _Job(fn)
        self._current = job
        self._queue().put(job)
        if not job.done.wait(max(0.0, timeout)):
            raise DeadlineExceeded(f"no answer within {timeout:.1f} s")
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    def wait_idle(self, timeout: float) -> bool:
        """Wait until the current call has returned; False if it has not within ``timeout``."""
        current = self._current
        return current is None or current.done.wait(timeout)

    def abandon(self) -> None:
        """Give up on the thread and its current call: the next call starts a new thread."""
        if self._jobs is not None:
            self._jobs.put(_QUIT)  # the thread ends when (if) its call returns
            self._jobs = None
            self.abandoned += 1
        self._current = None

    def close(self) -> None:
        """End the thread once its current call (if any) has returned."""
        if self._jobs is not None:
            self._jobs.put(_QUIT)
            self._jobs = None

    def _queue(self) -> queue.SimpleQueue[object]:
        if self._jobs is None:
            self._jobs = queue.SimpleQueue()
            thread = threading.Thread(
                target=_serve, args=(self._jobs,), name=self.name, daemon=True
            )
            thread.start()
        return self._jobs


def _serve(jobs: queue.SimpleQueue[object]) -> None:
    while True:
        job = jobs.get()
        if job is _QUIT:
            return
        assert isinstance(job, _Job)
        job.run()


class ConnectionBreaker:
    """Knows every open DBAPI connection of ``engine`` and can break them all at once.

    Breaking a PostgreSQL connection shuts its socket down: a call blocked on it
    (a query, a pre-ping, a commit) fails at once with a lost-connection error,
    and SQLAlchemy invalidates the connection. A SQLite connection is interrupted
    (``sqlite3.Connection.interrupt``, made to be called from another thread).
    """

    def __init__(self, engine: Engine) -> None:
        self._connections: dict[int, Any] = {}  # sqlite3 connections take no weak reference
        self._lock = threading.Lock()
        event.listen(engine, "connect", self._opened)
        event.listen(engine, "close", self._closed)
        event.listen(engine, "close_detached", self._closed)

    def _opened(self, dbapi_connection: Any, record: Any) -> None:
        with self._lock:
            self._connections[id(dbapi_connection)] = dbapi_connection

    def _closed(self, dbapi_connection: Any, record: Any = None) -> None:
        with self._lock:
            self._connections.pop(id(dbapi_connection), None)

    def __len__(self) -> int:
        """Connections open now."""
        return len(self._connections)

    def break_all(self) -> int:
        """Break every open connection; returns how many were broken."""
        with self._lock:
            connections = list(self._connections.values())
        broken = 0
        for connection in connections:
            with contextlib.suppress(Exception):  # already closed, or not a socket
                if _break(connection):
                    broken += 1
        return broken


def _break(connection: Any) -> bool:
    pgconn = getattr(connection, "pgconn", None)
    if pgconn is not None:  # psycopg 3
        if getattr(connection, "closed", True):
            return False
        fd = os.dup(pgconn.socket)
        with socket.socket(fileno=fd) as sock:
            sock.shutdown(socket.SHUT_RDWR)
        return True
    interrupt = getattr(connection, "interrupt", None)
    if interrupt is not None:  # sqlite3
        interrupt()
        return True
    return False
