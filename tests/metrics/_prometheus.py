"""The real Prometheus server (Debian's ``prometheus`` package) for a test, and its HTTP API.

It runs from a config written for the test (one job, ``scrape_interval: 1s``) with its
storage in a temporary folder, on a free loopback port.
"""

from __future__ import annotations

import asyncio
import json
import math
import shutil
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

__all__ = ["BINARY", "Prometheus", "free_port", "panel_queries", "running_prometheus"]

BINARY = shutil.which("prometheus") or "/usr/bin/prometheus"
DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana" / "framekit-dashboard.json"

# What Grafana puts for its built-in variables (the range a panel shows, the rate window
# it derives from the scrape interval): fixed values that cover a test's calls.
_GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__range": "5m", "$__interval": "1s"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def panel_queries(dashboard: Path = DASHBOARD) -> list[tuple[str, str]]:
    """``(panel title, PromQL)`` for every target of every panel, Grafana's variables filled."""
    found = []
    for panel in json.loads(dashboard.read_text())["panels"]:
        for target in panel["targets"]:
            expr = target["expr"]
            for name, value in _GRAFANA_VARIABLES.items():
                expr = expr.replace(name, value)
            found.append((panel["title"], expr))
    return found


class Prometheus:
    """A running Prometheus's query API."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        self.base_url = base_url
        self._session = session

    async def query(self, promql: str) -> list[dict[str, Any]]:
        """``/api/v1/query``: the instant vector's samples (an error fails the test)."""
        url = f"{self.base_url}/api/v1/query"
        async with self._session.get(url, params={"query": promql}) as response:
            body = await response.json()
        assert body["status"] == "success", (promql, body)
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    async def value(self, promql: str) -> float | None:
        """The single sample's value, or None when the query has no data."""
        result = await self.query(promql)
        if not result:
            return None
        assert len(result) == 1, (promql, result)
        return float(result[0]["value"][1])

    async def wait_for(self, promql: str, expected: float, within: float = 60.0) -> None:
        """Until ``promql`` evaluates to ``expected`` (scrapes arrive every second)."""
        last: float | None = None
        try:
            async with asyncio.timeout(within):
                while (last := await self.value(promql)) != expected:  # noqa: ASYNC110
                    await asyncio.sleep(0.5)
        except TimeoutError:
            raise AssertionError(f"{promql} stayed {last}, expected {expected}") from None

    async def targets_up(self) -> bool:
        return await self.value('min(up{job="framekit"})') == 1.0


def finite(sample: dict[str, Any]) -> bool:
    return math.isfinite(float(sample["value"][1]))


@asynccontextmanager
async def running_prometheus(
    tmp_path: Path, target: str, *, token: str | None = None
) -> AsyncIterator[Prometheus]:
    """Prometheus scraping ``http://<target>/metrics`` every second."""
    auth = f"\n    authorization:\n      type: Bearer\n      credentials: {token}" if token else ""
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: framekit\n    metrics_path: /metrics"
        f"{auth}\n    static_configs:\n      - targets: ['{target}']\n"
    )
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        BINARY,
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=(tmp_path / "prometheus.log").open("wb"),
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            async with asyncio.timeout(30):
                while True:
                    try:
                        async with session.get(f"{base_url}/-/ready") as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientConnectionError:
                        pass
                    assert process.returncode is None, (tmp_path / "prometheus.log").read_text()
                    await asyncio.sleep(0.2)
            yield Prometheus(base_url, session)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)
