"""Prometheus metrics of a process that serves calls (needs the ``metrics`` extra).

:class:`ServeMetrics` defines the metrics on a registry the server passes in (no
registry of its own, so two servers in one test never share counts) and is fed three
ways, none of them a task per call:

* **per call**, by a :class:`CallMetrics` listening where frames leave the call's
  pipeline (:meth:`ServeMetrics.watch`): it acts on three frame types only (the
  caller stopped, the bot started, a processor's time to first byte), one dict
  lookup for every other frame, once per frame rather than once per hop;
* **per event**, by the server: :meth:`ServeMetrics.call_ended` with the outcome;
* **by sampling**, :meth:`ServeMetrics.sample`, called before each scrape and on a
  timer: what the process already counts (calls running, refusals, spooled records,
  the providers' breakers, the model threads' CPU) is read, not tracked twice.

Several processes (``framekit serve --workers N``): prometheus-client's multiprocess
mode, with ``PROMETHEUS_MULTIPROC_DIR`` set before the first import; the gauges say how
their values add up across processes (``livesum``, ``livemax``), and a dead process's
gauges are dropped by ``prometheus_client.multiprocess.mark_process_dead``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, Protocol

from framekit.frames import BotStartedSpeakingFrame, MetricsFrame, UserStoppedSpeakingFrame
from framekit.frames.base import Frame
from framekit.frames.dispatch import FrameTypeMap
from framekit.metrics.threads import MODEL_THREADS, model_cpu_elsewhere, model_thread_cpu

try:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
except ImportError as exc:  # pragma: no cover - depends on the environment
    needs = "Prometheus metrics need prometheus-client: pip install 'framekit[metrics]'"
    raise ImportError(needs) from exc

__all__ = [
    "BREAKER_STATES",
    "STAGES",
    "BreakerCounts",
    "CallMetrics",
    "ServeMetrics",
    "WatchedTask",
]

VOICE_TO_VOICE_BUCKETS: Final = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0)
STAGE_BUCKETS: Final = (0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
STAGES: Final = ("stt", "llm", "tts")
"""The stages whose time to first byte is measured: VAD stop -> final transcript, the
LLM's first token, the voice's first audio."""
BREAKER_STATES: Final[Mapping[str, int]] = {"closed": 0, "half_open": 1, "open": 2}
"""A breaker's state as the gauge's value (the worst across processes is the max)."""


class BreakerCounts(Protocol):
    """What a provider's breaker tells (:class:`framekit.health.CircuitBreaker` does)."""

    errors: int
    skipped: int

    def state(self, now: float) -> str: ...


class _Clock(Protocol):
    def now(self) -> float: ...


class _Line(Protocol):
    """A processor or pipeline, as far as finding its processors' names goes."""

    @property
    def name(self) -> str: ...

    def processors(self) -> Iterator[_Line]: ...

    def sub_lines(self) -> Sequence[_Line]: ...


class WatchedTask(Protocol):
    """What :meth:`ServeMetrics.watch` needs of a call's task
    (:class:`~framekit.pipeline.PipelineTask` has it)."""

    @property
    def pipeline(self) -> _Line: ...

    @property
    def clock(self) -> _Clock: ...

    def on_downstream_exit(self, listener: Callable[[Frame], None]) -> None: ...


class _Totals:
    """Turns a running total the process keeps into counter increments."""

    __slots__ = ("_counter", "_seen")

    def __init__(self, counter: Counter) -> None:
        self._counter = counter
        self._seen: dict[Any, float] = {}

    def update(self, key: Any, total: float, *labels: str) -> None:
        last = self._seen.get(key, 0.0)
        # A total that went down was reset (a forgotten breaker, a thread id reused).
        step = total - last if total >= last else total
        self._seen[key] = total
        child = self._counter.labels(*labels) if labels else self._counter
        child.inc(step)


class ServeMetrics:
    """The metrics of one serving process, on ``registry``.

    ``stages`` maps processor classes to the stage (one of :data:`STAGES`) whose time
    to first byte they report; a subclass gets its nearest base's stage. Processors
    of other classes are not measured. ``outcomes``: the call outcomes counted from
    zero at the start (others appear at their first call). ``model_threads``: see
    :mod:`framekit.metrics.threads`.
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        stages: Mapping[type, str] | None = None,
        outcomes: Iterable[str] = (),
        model_threads: Mapping[str, str] = MODEL_THREADS,
    ) -> None:
        self.registry = registry
        self.active_calls = Gauge(
            "framekit_active_calls",
            "Calls running now.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.call_capacity = Gauge(
            "framekit_call_capacity",
            "Calls this process takes at once (MAX_CALLS); beyond, a busy answer.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.free_call_slots = Gauge(
            "framekit_free_call_slots",
            "Calls this process would still admit now: capacity minus calls running or "
            "admitted (an autoscaler's signal).",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.calls = Counter(
            "framekit_calls", "Calls ended, by outcome.", ["outcome"], registry=registry
        )
        self.admission_refusals = Counter(
            "framekit_admission_refusals",
            "Calls refused as busy at the voice webhook (capacity reached).",
            registry=registry,
        )
        self.store_outage_answers = Counter(
            "framekit_store_outage_answers",
            "Voice webhooks answered while the stream-token store (Redis) was away: "
            "'hold' (the call held and retried), 'apology' (the retries spent, hung up).",
            ["answer"],
            registry=registry,
        )
        self.voice_to_voice = Histogram(
            "framekit_voice_to_voice_seconds",
            "The caller stops speaking -> the caller hears the bot's first audio.",
            buckets=VOICE_TO_VOICE_BUCKETS,
            registry=registry,
        )
        self.stage_latency = Histogram(
            "framekit_stage_latency_seconds",
            "Time to first byte of a stage: stt (VAD stop -> final transcript), "
            "llm (first token), tts (first audio).",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=registry,
        )
        self.provider_errors = Counter(
            "framekit_provider_errors",
            "Requests a provider failed (each moves the chain to the next one).",
            ["provider"],
            registry=registry,
        )
        self.provider_skipped = Counter(
            "framekit_provider_skipped",
            "Requests that fell back past a provider because its circuit breaker was open.",
            ["provider"],
            registry=registry,
        )
        self.breaker_state = Gauge(
            "framekit_provider_breaker_state",
            "A provider's circuit breaker: 0 closed, 1 half-open, 2 open (worst process).",
            ["provider"],
            registry=registry,
            multiprocess_mode="livemax",
        )
        self.spooled_records = Gauge(
            "framekit_spooled_records",
            "Call records waiting in the local spool for the database to come back.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.model_cpu = Counter(
            "framekit_model_cpu_seconds",
            "CPU seconds spent running each model (its threads, and its runs elsewhere).",
            ["model"],
            registry=registry,
        )
        for outcome in outcomes:  # at 0 from the start, so that the first call is a rise
            self.calls.labels(outcome)
        self._stage_latency = {stage: self.stage_latency.labels(stage) for stage in STAGES}
        self._stages = FrameTypeMap[str](stages or {})
        self._model_threads = model_threads
        self._refusals = _Totals(self.admission_refusals)
        self._outage_answers = _Totals(self.store_outage_answers)
        for answer in ("hold", "apology"):
            self.store_outage_answers.labels(answer)
        self._errors = _Totals(self.provider_errors)
        self._skipped = _Totals(self.provider_skipped)
        self._cpu = _Totals(self.model_cpu)

    def watch(self, task: WatchedTask) -> CallMetrics:
        """Measure the turns of the call ``task`` runs (before it starts).

        Its processors (those inside others too: a fallback's members) are named
        here once, so a time to first byte finds its stage by the reporter's name.
        """
        stages: dict[str, str] = {}
        lines: list[_Line] = [task.pipeline]
        while lines:
            for processor in lines.pop().processors():
                stage = self._stages.get(type(processor))
                if stage is not None:
                    stages[processor.name] = stage
                lines.extend(processor.sub_lines())
        call = CallMetrics(self, task.clock, stages)
        task.on_downstream_exit(call.on_exit)
        return call

    def call_ended(self, outcome: str) -> None:
        """A call ended with ``outcome`` (:class:`framekit.storage.Outcome`'s values)."""
        self.calls.labels(outcome).inc()

    def observe_stage(self, stage: str, seconds: float) -> None:
        """One time to first byte of ``stage``."""
        child = self._stage_latency.get(stage)
        if child is None:
            child = self._stage_latency[stage] = self.stage_latency.labels(stage)
        child.observe(seconds)

    def sample(
        self,
        *,
        active_calls: int,
        refused_calls: int,
        spooled_records: int,
        breakers: Mapping[str, BreakerCounts],
        now: float,
        capacity: int | None = None,
        admitted_calls: int = 0,
        held_webhooks: int = 0,
        apologised_calls: int = 0,
    ) -> None:
        """Read what the process keeps count of itself; ``now`` is the breakers' clock.

        ``refused_calls`` and each breaker's counts are running totals (since the
        process started): the counters grow by what they grew since the last sample.
        ``capacity`` (None: no limit, no capacity gauges) and ``admitted_calls`` (running
        or admitted at the webhook) give the free call slots. ``held_webhooks`` and
        ``apologised_calls`` are the voice webhook's running totals of hold and apology
        answers while the token store was away.
        """
        self.active_calls.set(active_calls)
        if capacity is not None:
            self.call_capacity.set(capacity)
            self.free_call_slots.set(max(0, capacity - admitted_calls))
        self.spooled_records.set(spooled_records)
        self._refusals.update(None, refused_calls)
        self._outage_answers.update("hold", held_webhooks, "hold")
        self._outage_answers.update("apology", apologised_calls, "apology")
        for provider, breaker in breakers.items():
            self.breaker_state.labels(provider).set(BREAKER_STATES.get(breaker.state(now), 2))
            self._errors.update(provider, breaker.errors, provider)
            self._skipped.update(provider, breaker.skipped, provider)
        for thread, (model, seconds) in model_thread_cpu(self._model_threads).items():
            self._cpu.update(thread, seconds, model)
        for model, seconds in model_cpu_elsewhere().items():
            self._cpu.update(("elsewhere", model), seconds, model)


class CallMetrics:
    """Measures one call's turns from the frames that leave its pipeline.

    A listener at the sink (``task.on_downstream_exit``), not an observer: it is called
    once per frame, not once per hop, and looks the frame's type up in a dict and
    returns, except for the three types it measures. Those reach the sink by design
    (the task's own :class:`~framekit.metrics.MetricsCollector` reads them there).
    """

    __slots__ = ("_clock", "_metrics", "_stages", "_stopped_at", "_voice_to_voice")

    def __init__(self, metrics: ServeMetrics, clock: _Clock, stages: Mapping[str, str]) -> None:
        self._metrics = metrics
        self._clock = clock
        self._stages = stages
        self._voice_to_voice = metrics.voice_to_voice
        self._stopped_at: float | None = None

    def on_exit(self, frame: Frame) -> None:
        """Called with every frame leaving the pipeline: one dict lookup for most."""
        try:
            handler = _CACHED[type(frame)]
        except KeyError:
            handler = _HANDLERS.get(type(frame))
        if handler is not None:
            handler(self, frame)

    def _caller_stopped(self, frame: Frame) -> None:
        assert isinstance(frame, UserStoppedSpeakingFrame)
        stopped_at = frame.stopped_at
        self._stopped_at = stopped_at if stopped_at is not None else self._clock.now()

    def _bot_started(self, frame: Frame) -> None:
        stopped_at = self._stopped_at
        if stopped_at is not None:
            self._stopped_at = None
            self._voice_to_voice.observe(max(0.0, self._clock.now() - stopped_at))

    def _reported(self, frame: Frame) -> None:
        assert isinstance(frame, MetricsFrame)
        for value in frame.data:
            if value.kind == "ttfb":
                stage = self._stages.get(value.processor)
                if stage is not None:
                    self._metrics.observe_stage(stage, value.value)


_HANDLERS = FrameTypeMap[Any](
    {
        UserStoppedSpeakingFrame: CallMetrics._caller_stopped,
        BotStartedSpeakingFrame: CallMetrics._bot_started,
        MetricsFrame: CallMetrics._reported,
    }
)
_CACHED = _HANDLERS.cached
