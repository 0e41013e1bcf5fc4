"""What the served-call benchmarks share: a real ``framekit serve`` and callers' speech.

The server is the ``framekit`` command in its own process (its CPU and memory are
its own), with ``--api-url`` pointed at a Twilio REST API fake in the benchmark's
process; callers come from ``tests/phone_network.py``, a Twilio network written from
Twilio's public protocol that shares no code with the server.
"""

from __future__ import annotations

import asyncio
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the independent Twilio network (a test helper)

from framekit.services.piper import PiperEngine  # noqa: E402
from framekit.testing.fakes.twilio_api import FakeTwilioAPI, RecordedTwilioRequest  # noqa: E402
from phone_network import PhoneNetwork  # noqa: E402

__all__ = ["Served", "percentiles", "report", "rss_mib", "serving", "speech"]

ACCOUNT = "AC" + "5" * 32
AUTH_TOKEN = "bench-served-auth-token-0123456789"
PUBLIC = "https://bot.example.test"


@dataclass
class Served:
    """A running ``framekit serve``: its pid, the fake API, and a phone network to call it."""

    pid: int
    api: FakeTwilioAPI
    network: PhoneNetwork
    started_in: float
    """Seconds from the command's start to its listening (models loaded)."""


@asynccontextmanager
async def serving(
    settings: dict[str, str] | None = None,
    on_request: Callable[[RecordedTwilioRequest], None] | None = None,
) -> AsyncIterator[Served]:
    """``framekit serve`` on a free port with ``settings`` (environment variables) added."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-served-"))
    async with FakeTwilioAPI(ACCOUNT, AUTH_TOKEN) as api:
        if on_request is not None:
            api.on_request.append(on_request)
        env = dict(os.environ)
        env.update(
            TWILIO_ACCOUNT_SID=ACCOUNT,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            WEBHOOK_BASE_URL=PUBLIC,
            API_TOKEN="bench-served-api-token-0123456789",
            DATABASE_URL=f"sqlite:///{workdir / 'calls.db'}",
            BUSINESS_DB_PATH=str(workdir / "shop.db"),
            RECORDINGS_DIR=str(workdir / "recordings"),
        )
        env.update(settings or {})  # a setting given replaces the default above
        framekit = Path(sys.executable).with_name("framekit")
        started = time.monotonic()
        server = await asyncio.create_subprocess_exec(
            str(framekit), "serve", "--host", "127.0.0.1", "--port", "0", "--api-url", api.url,
            env=env, cwd=workdir, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        assert server.stdout is not None
        while not (line := (await server.stdout.readline()).decode()).startswith(
            "framekit serve: listening on "
        ):
            if not line:
                raise SystemExit("framekit serve exited before listening")
        base_url = line.split("listening on ", 1)[1].strip()
        started_in = time.monotonic() - started
        drain = asyncio.ensure_future(server.stdout.read())  # keep its pipe flowing
        try:
            async with PhoneNetwork(base_url, PUBLIC, AUTH_TOKEN, ACCOUNT) as network:
                yield Served(server.pid, api, network, started_in)
        finally:
            server.terminate()
            await server.wait()
            drain.cancel()


@functools.cache
def speech(text: str) -> tuple[bytes, int]:
    """``text`` spoken by the packaged Piper voice: (PCM16, sample rate)."""
    engine = PiperEngine.shared()
    return b"".join(engine.synthesize(text)), engine.audio_format.sample_rate


def rss_mib(pid: int) -> float:
    """Resident memory of process ``pid`` in MiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def percentiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and max of ``values``."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def report(label: str, seconds: list[float]) -> None:
    """One line: count, p50 / p95 / max in milliseconds."""
    if not seconds:
        print(f"  {label:<36} n=0")
        return
    p50, p95, top = percentiles([s * 1000 for s in seconds])
    print(
        f"  {label:<36} n={len(seconds):<4} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {top:7.1f} ms"
    )
