"""``python -m loadtest``: locust callers against a framekit server, headless, one command.

Prepares the callers' speech (Piper, once, cached), optionally starts a local
``framekit serve`` (``--serve``), runs locust headless with
:class:`loadtest.locustfile.TwilioCaller`, prints locust's summary and the
voice-to-voice p50/p95/p99, and exits with locust's code (1 on any failure).
Arguments it does not know go to locust (e.g. ``--turns 3``, ``--max-gap-ms 150``)::

    LOADTEST_TWILIO_AUTH_TOKEN=... python -m loadtest --host https://calls.example.com \\
        --users 5 --spawn-rate 1 --run-time 60s
    python -m loadtest --serve --users 2 --spawn-rate 1 --run-time 30s
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from loadtest.speech import cache_dir, prepare_utterances

__all__ = ["main"]

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
SERVE_PUBLIC = "https://framekit-loadtest.invalid"
"""``WEBHOOK_BASE_URL`` of a ``--serve`` server: signed for, never dialled."""
MEASURES = (
    "voice_to_voice",
    "first_greeting",
    "audio_gap",
    "barge_in",
    "call",
    "caller_lateness",
)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its reaped children (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _serve(workdir: Path, auth_token: str) -> Iterator[subprocess.Popen[str]]:
    """A local ``framekit serve`` on a free port with throwaway storage; its log in workdir."""
    env = dict(os.environ)
    env.update(
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN=auth_token,
        WEBHOOK_BASE_URL=SERVE_PUBLIC,
        TWILIO_API_BASE_URL="http://127.0.0.1:9",  # hang-ups go nowhere: nothing leaves
        API_TOKEN=secrets.token_hex(16),
        DATABASE_URL=f"sqlite:///{workdir / 'calls.db'}",
        BUSINESS_DB_PATH=str(workdir / "shop.db"),
        RECORDINGS_DIR=str(workdir / "recordings"),
        SPOOL_DIR=str(workdir / "spool"),
    )
    framekit = Path(sys.executable).with_name("framekit")
    command = [str(framekit), "serve", "--host", "127.0.0.1", "--port", "0"]
    with (workdir / "serve.log").open("w") as log:
        server = subprocess.Popen(
            command, env=env, cwd=workdir, stdout=subprocess.PIPE, stderr=log, text=True
        )
    try:
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _listening(server: subprocess.Popen[str]) -> str:
    """The base URL once ``framekit serve`` listens (its models load first)."""
    assert server.stdout is not None
    for line in server.stdout:
        if line.startswith("framekit serve: listening on "):
            threading.Thread(target=server.stdout.read, daemon=True).start()  # keep it flowing
            return line.rsplit(" ", 1)[1].strip()
    raise SystemExit(f"framekit serve exited ({server.wait()}) before listening")


def _summary(stats_csv: Path) -> None:
    """The caller measures' counts and percentiles from locust's CSV (ms, as locust rounds)."""
    with stats_csv.open() as handle:
        rows = {row["Type"]: row for row in csv.DictReader(handle) if row["Name"] == "call"}
    print("\nframekit callers (ms; locust rounds to 2 significant digits above 100 ms):")
    for measure in MEASURES:
        row = rows.get(measure)
        if row is None:
            print(f"  {measure:<15} none")
            continue
        print(
            f"  {measure:<15} n={row['Request Count']:<5} failures={row['Failure Count']:<4}"
            f" p50 {row['50%']:>6}  p95 {row['95%']:>6}  p99 {row['99%']:>6}"
            f"  max {float(row['Max Response Time']):>7.0f}"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the load test; locust's exit code (0 only when nothing failed)."""
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--host", help="the server's (or load balancer's) base URL")
    parser.add_argument("--serve", action="store_true", help="start a local framekit serve")
    parser.add_argument("--users", type=int, default=5, help="concurrent callers")
    parser.add_argument("--spawn-rate", type=float, default=1.0, help="callers started per s")
    parser.add_argument("--run-time", default="60s", help="e.g. 30s, 5m")
    parser.add_argument("--csv", metavar="PREFIX", help="keep locust's CSV files here")
    args, locust_args = parser.parse_known_args(argv)
    if bool(args.host) == args.serve:
        parser.error("give exactly one of --host URL and --serve")
    if args.host and not os.environ.get("LOADTEST_TWILIO_AUTH_TOKEN"):
        parser.error("set LOADTEST_TWILIO_AUTH_TOKEN to the server's TWILIO_AUTH_TOKEN")
    prepare_utterances()
    workdir = Path(tempfile.mkdtemp(prefix="framekit-loadtest-"))
    prefix = args.csv or str(workdir / "locust")
    env = dict(os.environ, LOADTEST_SPEECH_DIR=str(cache_dir()))
    with _serve_or_not(args, workdir, env) as host:
        command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
        command += ["--host", host, "--users", str(args.users)]
        command += ["--spawn-rate", str(args.spawn_rate), "--run-time", args.run_time]
        command += ["--csv", prefix, "--only-summary", *locust_args]
        code = subprocess.run(command, env=env, cwd=LOCUSTFILE.parents[1], check=False).returncode
    _summary(Path(prefix + "_stats.csv"))
    return code


@contextmanager
def _serve_or_not(args: argparse.Namespace, workdir: Path, env: dict[str, str]) -> Iterator[str]:
    """The host to call: ``--host``, or a ``--serve`` server (its CPU use printed after)."""
    if not args.serve:
        yield args.host
        return
    token = secrets.token_hex(16)
    env["LOADTEST_TWILIO_AUTH_TOKEN"] = token
    env["LOADTEST_PUBLIC_URL"] = SERVE_PUBLIC
    with _serve(workdir, token) as server:
        host = _listening(server)
        print(f"framekit serve (pid {server.pid}, log {workdir / 'serve.log'}) on {host}")
        cpu, wall = _cpu_seconds(server.pid), time.monotonic()
        yield host
        cpu, wall = _cpu_seconds(server.pid) - cpu, time.monotonic() - wall
    print(f"framekit serve used {cpu:.1f} CPU-s in {wall:.1f} s ({cpu / wall:.2f} cores)")


if __name__ == "__main__":
    sys.exit(main())
