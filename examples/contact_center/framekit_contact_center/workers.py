"""``framekit serve --workers N``: N server processes on one port, and their supervisor.

Why processes: one Python process carries a few hundred Twilio calls at most (most
of a call's CPU is the event loop, aiohttp and system calls, all on one core; see
``docs/benchmarks.md``). N workers, each a whole ``framekit serve`` with its own
models, listen on the same ``host:port`` with ``SO_REUSEPORT``, and the kernel spreads
new connections over them. A call stays on the worker that accepted its WebSocket.

The supervisor loads no model and serves nothing: it starts the workers as fresh
interpreters (``framekit serve --worker-of-supervisor``; nothing is
forked after a model is loaded), forwards SIGINT and SIGTERM to them (each drains its
own calls, a second signal skips the wait), restarts one that dies unexpectedly, and
exits when all have exited: 0 when all stopped cleanly, 1 otherwise.

Metrics (``/metrics``, the ``metrics`` extra): the workers share one port, so the
one a scrape reaches answers for all of them. prometheus-client's multiprocess mode
does that with files: the supervisor gives the workers a fresh
``PROMETHEUS_MULTIPROC_DIR`` (:func:`metrics_directory`), each writes its values there,
and a dead worker's gauges are dropped (``mark_process_dead``) while its counters
stay counted. Why not one metrics port per worker: Prometheus would need N targets
that change with ``--workers``, and a worker replaced after a crash would lose its
counts.

Each worker is in a session of its own, so a terminal's Ctrl-C reaches the supervisor
only and the workers get each signal once. A worker reads its standard input, a pipe
from the supervisor, only to learn that the supervisor is gone (end of file): it then
stops as if told to, rather than serve on unsupervised.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

__all__ = [
    "RestartPolicy",
    "Supervisor",
    "metrics_directory",
    "reuse_port_supported",
    "watch_supervisor",
    "worker_argv",
]

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"


@contextlib.contextmanager
def metrics_directory() -> Iterator[Path]:
    """The workers' ``PROMETHEUS_MULTIPROC_DIR``, empty at start.

    One set already (the operator's choice) is emptied of a previous run's files;
    else a temporary one is made, and removed at the end. Only the workers' environment
    names it: prometheus-client decides its mode when first imported, and the
    supervisor (or a test running one) must not switch its own process to files.
    """
    chosen = os.environ.get(_MULTIPROC)
    if chosen:
        folder = Path(chosen)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        yield folder
        return
    folder = Path(tempfile.mkdtemp(prefix="framekit-metrics-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _forget_worker_metrics(pid: int, folder: Path) -> None:
    """Drop a dead worker's gauges (it no longer runs calls); its counters stay."""
    try:
        from prometheus_client import multiprocess
    except ImportError:  # no metrics extra: no metrics files
        return
    multiprocess.mark_process_dead(pid, str(folder))  # type: ignore[no-untyped-call]


def reuse_port_supported() -> bool:
    """Whether this platform lets several sockets listen on one port (``SO_REUSEPORT``)."""
    return hasattr(socket, "SO_REUSEPORT")


def worker_argv(host: str, port: int, drain_timeout: float) -> list[str]:
    """The command line of one worker: this interpreter, ``framekit serve`` as a worker."""
    return [
        sys.executable,
        "-c",
        "import sys; from framekit.cli import main; sys.exit(main())",
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--drain-timeout",
        repr(drain_timeout),
        "--worker-of-supervisor",
    ]


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    """When a worker that died is started again.

    A crash that repeats (a bad disk, a port taken by something else) must not spin:
    the n-th restart within ``window`` seconds waits ``backoff[n - 1]`` seconds (the
    last value beyond), and past ``limit`` restarts within ``window`` the supervisor
    gives up, stops the other workers and exits 1, so that whatever runs it (systemd,
    Kubernetes) sees the failure.
    """

    backoff: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0)
    limit: int = 5
    window: float = 60.0


def _describe(status: int) -> str:
    if status < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-status).name}"
        return f"killed by signal {-status}"
    return f"exit status {status}"


class Supervisor:
    """Runs ``workers`` copies of ``argv`` until SIGINT/SIGTERM; see the module docstring."""

    def __init__(
        self,
        argv: Sequence[str],
        workers: int,
        *,
        out: TextIO,
        policy: RestartPolicy | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self._argv = list(argv)
        self._workers = workers
        self._out = out
        self._policy = policy or RestartPolicy()
        self._running: dict[int, asyncio.subprocess.Process] = {}
        self._stopping = asyncio.Event()
        self._signal: signal.Signals = signal.SIGTERM
        self._environment: dict[str, str] = {}
        self._metrics = Path()

    def _say(self, line: str) -> None:
        self._out.write(f"framekit serve: {line}\n")
        self._out.flush()

    async def run(self) -> int:
        """Start the workers, keep them running, and return once all have exited."""
        loop = asyncio.get_running_loop()
        for number in _STOP_SIGNALS:
            loop.add_signal_handler(number, self._forward, number)
        try:
            self._say(f"supervisor {os.getpid()} starting {self._workers} workers")
            with metrics_directory() as self._metrics:
                self._environment = {**os.environ, _MULTIPROC: str(self._metrics)}
                keeping = (self._keep(slot) for slot in range(self._workers))
                statuses = await asyncio.gather(*keeping)
        finally:
            for number in _STOP_SIGNALS:
                loop.remove_signal_handler(number)
        return 0 if all(ok for ok in statuses) else 1

    def _forward(self, number: signal.Signals) -> None:
        self._stopping.set()
        self._signal = number
        for process in list(self._running.values()):
            with contextlib.suppress(ProcessLookupError):  # it has just exited
                process.send_signal(number)

    def _stop_all(self) -> None:
        if not self._stopping.is_set():
            self._forward(signal.SIGTERM)

    async def _keep(self, slot: int) -> bool:
        """One worker slot: start, wait, restart. True when it ended by being stopped."""
        loop = asyncio.get_running_loop()
        restarts: deque[float] = deque()
        while True:
            process = await asyncio.create_subprocess_exec(
                *self._argv,
                stdin=asyncio.subprocess.PIPE,
                start_new_session=True,
                env=self._environment,
            )
            self._running[slot] = process
            if self._stopping.is_set():  # a signal came while it was being started
                process.send_signal(self._signal)
            status = await process.wait()
            del self._running[slot]
            _forget_worker_metrics(process.pid, self._metrics)
            if process.stdin is not None:
                process.stdin.close()
            if self._stopping.is_set():
                # A worker stopped while loading its models dies of the signal itself.
                if status in (0, -signal.SIGTERM, -signal.SIGINT):
                    return True
                self._say(f"worker {process.pid} failed while stopping ({_describe(status)})")
                return False
            self._say(f"worker {process.pid} exited unexpectedly ({_describe(status)})")
            now = loop.time()
            restarts.append(now)
            while now - restarts[0] > self._policy.window:
                restarts.popleft()
            if len(restarts) > self._policy.limit:
                self._say(
                    f"a worker exited {len(restarts)} times within "
                    f"{self._policy.window:.0f} s; stopping"
                )
                self._stop_all()
                return False
            backoff = self._policy.backoff
            delay = backoff[min(len(restarts), len(backoff)) - 1]
            self._say(f"starting a new worker in {delay:g} s")
            try:
                await asyncio.wait_for(self._stopping.wait(), delay)
            except TimeoutError:
                continue
            return False  # stopped before it was replaced


class _EndOfInput(asyncio.Protocol):
    def __init__(self, stop: asyncio.Event) -> None:
        self._stop = stop

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop.set()


async def watch_supervisor(stop: asyncio.Event) -> asyncio.BaseTransport:
    """Set ``stop`` when standard input (the supervisor's pipe) ends; close the result."""
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_read_pipe(lambda: _EndOfInput(stop), sys.stdin)
    return transport
