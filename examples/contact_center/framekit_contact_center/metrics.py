"""``GET /metrics``: the serve process's Prometheus metrics (the ``metrics`` extra).

What is measured is :class:`framekit.metrics.prometheus.ServeMetrics`; this module
wires it into the serve application: the route, which processors are which stage,
each call's turns, the outcome of each call record closed, and when the process's
own counts are read.

Where: on the serve port, open by default, as Prometheus scrapes without
credentials and the page holds counts only (no caller, no words). With
``METRICS_TOKEN`` set, a scrape must send ``Authorization: Bearer <METRICS_TOKEN>``.

``framekit serve --workers N``: every worker listens on the one port, so a scrape
reaches any of them and must answer for all. They run in prometheus-client's
multiprocess mode: the supervisor sets ``PROMETHEUS_MULTIPROC_DIR``
(:func:`framekit_contact_center.workers.metrics_directory`), each worker writes its
values there, and the one scraped reads everyone's. A worker's gauges (calls running,
spooled records, breaker states) are what it read at its last sample, at most
``_SAMPLE_EVERY`` seconds old; the scraped worker samples itself first.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import os
from collections.abc import Callable

from aiohttp import web
from loguru import logger

from framekit.metrics.prometheus import ServeMetrics
from framekit.pipeline import PipelineTask
from framekit.processors.llm import LLMProcessor
from framekit.processors.stt.streaming import StreamingSTTProcessor
from framekit.processors.stt.utterance import UtteranceSTTProcessor
from framekit.processors.tts import TTSProcessor
from framekit.storage.outcome import Outcome
from framekit.storage.records import CallClosed, Record

try:
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
    from prometheus_client.multiprocess import MultiProcessCollector
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("/metrics needs prometheus-client: pip install 'framekit[metrics]'") from exc

__all__ = ["STAGES", "ServedMetrics", "multiprocess"]

STAGES: dict[type, str] = {
    UtteranceSTTProcessor: "stt",
    StreamingSTTProcessor: "stt",
    LLMProcessor: "llm",
    TTSProcessor: "tts",
}
"""The contact center's processors whose time to first byte is a stage's latency."""

_SAMPLE_EVERY = 1.0  # seconds between a worker's samples in multiprocess mode


def multiprocess() -> bool:
    """Whether values go to ``PROMETHEUS_MULTIPROC_DIR`` (``framekit serve --workers``)."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class ServedMetrics:
    """One serve process's metrics: its ``/metrics`` route and what feeds it.

    ``sample(metrics)`` reads the process's own counts into ``metrics``
    (:meth:`ServeMetrics.sample`); it runs before each scrape and, in multiprocess
    mode, every ``_SAMPLE_EVERY`` seconds so that the other workers' answers stay fresh.
    """

    def __init__(self, token: str | None, sample: Callable[[ServeMetrics], None]) -> None:
        outcomes = [outcome.value for outcome in Outcome]
        self.metrics = ServeMetrics(CollectorRegistry(), stages=STAGES, outcomes=outcomes)
        self._token = token
        self._sample = sample
        self._sampler: asyncio.Task[None] | None = None
        if multiprocess():
            self._exposed = CollectorRegistry()
            MultiProcessCollector(self._exposed)  # type: ignore[no-untyped-call]
        else:
            self._exposed = self.metrics.registry

    def attach(self, app: web.Application) -> None:
        """Add ``GET /metrics`` and, in multiprocess mode, the sampler's start and stop."""
        app.router.add_get("/metrics", self._scrape)
        if multiprocess():
            app.on_startup.append(self._start)
            app.on_cleanup.append(self._stop)

    def watch(self, task: PipelineTask) -> None:
        """Measure the turns of one call (before its task runs)."""
        self.metrics.watch(task)

    def counting_outcomes(self, submit: Callable[[Record], None]) -> Callable[[Record], None]:
        """``submit``, counting the outcome of each call record it closes."""
        ended = self.metrics.call_ended

        def submit_and_count(record: Record) -> None:
            submit(record)
            if isinstance(record, CallClosed):
                ended(record.outcome)

        return submit_and_count

    async def _scrape(self, request: web.Request) -> web.Response:
        if self._token is not None:
            sent = request.headers.get("Authorization", "")
            if not hmac.compare_digest(sent.encode(), f"Bearer {self._token}".encode()):
                return web.json_response(
                    {"error": "/metrics wants Authorization: Bearer <METRICS_TOKEN>"},
                    status=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        self._sample(self.metrics)
        body = await asyncio.to_thread(generate_latest, self._exposed)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})

    async def _start(self, app: web.Application) -> None:
        self._sampler = asyncio.ensure_future(self._sample_often())

    async def _stop(self, app: web.Application) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler

    async def _sample_often(self) -> None:
        while True:
            try:
                self._sample(self.metrics)
            except Exception:  # a bug here must not stop the next samples
                logger.exception("metrics: sampling failed")
            await asyncio.sleep(_SAMPLE_EVERY)
