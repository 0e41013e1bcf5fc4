"""``framekit serve --workers N``: a supervisor and N workers on one port (SO_REUSEPORT).

The real command runs in a subprocess, configured through the environment like a
deployment. Each worker loads the real intent engine (a few seconds); readiness is
``/health`` answering, polled against a deadline. Without ``REDIS_URL`` here: the
command warns that stream tokens are then remembered per worker.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

pytest.importorskip("sqlmodel", reason="the serve app needs the 'db' extra")
pytest.importorskip("twilio", reason="the serve app needs the 'twilio' extra")

import aiohttp
from framekit_contact_center.workers import RestartPolicy, Supervisor, reuse_port_supported

pytestmark = pytest.mark.skipif(not reuse_port_supported(), reason="no SO_REUSEPORT here")

_READY_WITHIN = 120.0  # two workers loading models on a busy 2-core machine
_SETTINGS = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "twilio-auth-token-0123456789abcdef",
    "WEBHOOK_BASE_URL": "https://bot.example.test",
    "API_TOKEN": "test-api-token-0123456789",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(_SETTINGS)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'calls.db'}",
        BUSINESS_DB_PATH=str(tmp_path / "shop.db"),
        RECORDINGS_DIR=str(tmp_path / "recordings"),
    )
    return env


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class Served:
    """The running supervisor, its port, and what it printed."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.base_url = f"http://127.0.0.1:{port}"
        self.out: list[str] = []
        self.lines = asyncio.Queue[str]()
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode().rstrip("\n")
            self.out.append(line)
            self.lines.put_nowait(line)

    async def line_with(self, text: str, within: float = _READY_WITHIN) -> str:
        async with asyncio.timeout(within):
            while True:
                line = await self.lines.get()
                if text in line:
                    return line

    async def worker_pids(self, session: aiohttp.ClientSession, count: int) -> set[int]:
        """Pids answering ``/health`` on fresh connections, until ``count`` differ."""
        seen: set[int] = set()
        async with asyncio.timeout(_READY_WITHIN):
            while len(seen) < count:
                try:
                    async with session.get(self.base_url + "/health") as response:
                        body = await response.json()
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)  # not listening yet
                    continue
                seen.add(int(body["process"].split(":")[1]))  # host:pid:random
        return seen

    async def finish(self) -> int:
        async with asyncio.timeout(60):
            status = await self.process.wait()
            await self._reader
        return status


@asynccontextmanager
async def _serve(tmp_path: Path, *args: str) -> AsyncIterator[Served]:
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from framekit.cli import main; sys.exit(main())",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *args,
        env=_environment(tmp_path),
        cwd=tmp_path,  # no .env here
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    served = Served(process, port)
    try:
        yield served
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def _fresh_connections() -> aiohttp.ClientSession:
    # One connection per request, so that the kernel picks a worker for each.
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))


async def test_two_workers_share_the_port_a_killed_one_is_replaced_and_sigterm_stops_all(
    tmp_path: Path,
) -> None:
    async with _serve(tmp_path, "--workers", "2", "--drain-timeout", "5") as served:
        async with _fresh_connections() as session:
            workers = await served.worker_pids(session, 2)
            assert len(workers) == 2
            victim = min(workers)
            os.kill(victim, signal.SIGKILL)
            await served.line_with(f"worker {victim} exited unexpectedly (killed by SIGKILL)")
            replacement = int((await served.line_with("listening on")).split()[3])
            assert replacement not in workers
            assert await served.worker_pids(session, 2) == workers - {victim} | {replacement}
        served.process.send_signal(signal.SIGTERM)
        assert await served.finish() == 0, "\n".join(served.out)
    text = "\n".join(served.out)
    assert "REDIS_URL is not set" in text
    assert "Traceback" not in text, text
    for pid in workers - {victim} | {replacement}:
        assert not _alive(pid), f"worker {pid} outlived the supervisor"


async def test_workers_stop_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    async with _serve(tmp_path, "--workers", "2") as served:
        async with _fresh_connections() as session:
            workers = await served.worker_pids(session, 2)
        served.process.kill()  # no signal to forward: the workers see their stdin end
        await served.finish()
        async with asyncio.timeout(30):
            while any(_alive(pid) for pid in workers):  # noqa: ASYNC110
                await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "--workers must be at least 1 (got 0)"),
        (["--workers", "-3"], "--workers must be at least 1 (got -3)"),
        (["--workers", "2", "--port", "0"], "--workers needs a fixed --port"),
    ],
)
def test_impossible_worker_counts_are_refused(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from framekit_contact_center.cli import SERVE

    parser = argparse.ArgumentParser()
    SERVE.configure(parser)
    assert SERVE.run(parser.parse_args(args)) == 2
    assert message in capsys.readouterr().err


def test_without_so_reuseport_several_workers_are_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from framekit_contact_center.cli import SERVE

    monkeypatch.delattr(socket, "SO_REUSEPORT")
    parser = argparse.ArgumentParser()
    SERVE.configure(parser)
    assert SERVE.run(parser.parse_args(["--workers", "2"])) == 2
    assert "needs SO_REUSEPORT" in capsys.readouterr().err


async def test_a_worker_that_keeps_failing_is_restarted_then_given_up_on() -> None:
    out = io.StringIO()
    crash = [sys.executable, "-c", "raise SystemExit(3)"]
    policy = RestartPolicy(backoff=(0.0,), limit=2, window=60.0)
    async with asyncio.timeout(30):
        assert await Supervisor(crash, 1, out=out, policy=policy).run() == 1
    lines = out.getvalue().splitlines()
    assert sum("exited unexpectedly (exit status 3)" in line for line in lines) == 3
    assert sum("starting a new worker in 0 s" in line for line in lines) == 2
    assert lines[-1] == "framekit serve: a worker exited 3 times within 60 s; stopping"


async def test_a_signal_is_forwarded_once_to_each_worker_and_clean_exits_give_0(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    # Stands in for a worker: marks itself ready, exits 0 on SIGTERM, 1 on a second one.
    code = (
        "import os, signal, sys, time\n"
        "got = []\n"
        "signal.signal(signal.SIGTERM, lambda n, f: got.append(n))\n"
        f"open(os.path.join({str(tmp_path)!r}, str(os.getpid())), 'w').close()\n"
        "while not got: time.sleep(0.01)\n"
        "time.sleep(0.3)\n"
        "sys.exit(len(got) - 1)\n"
    )
    supervisor = Supervisor([sys.executable, "-c", code], 2, out=out)
    running = asyncio.ensure_future(supervisor.run())
    async with asyncio.timeout(30):
        while len(os.listdir(tmp_path)) < 2:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)
        assert await running == 0, out.getvalue()
