"""framekit.metrics.prometheus on its own: what a call's frames and a sample put in the registry.

The served path (the real Prometheus scraping ``framekit serve``) is
``test_prometheus.py``; these pin the rules it relies on: a turn runs from the
caller's stop to the bot's first audio, a time to first byte counts for mapped
processors only (those inside others too), running totals become counter increments
(and survive a reset).
"""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("prometheus_client", reason="needs the 'metrics' extra")

from prometheus_client import CollectorRegistry

from framekit.clock import ManualClock
from framekit.frames import (
    BotStartedSpeakingFrame,
    MetricsFrame,
    MetricValue,
    TextFrame,
    UserStoppedSpeakingFrame,
)
from framekit.health import ProviderHealth
from framekit.metrics.prometheus import CallMetrics, ServeMetrics
from framekit.metrics.threads import (
    add_model_cpu,
    model_cpu_elsewhere,
    model_of_thread,
    model_thread_cpu,
)
from framekit.pipeline import Pipeline, PipelineTask
from framekit.processors import FrameProcessor


class Recognizer(FrameProcessor):
    pass


class LocalRecognizer(Recognizer):
    pass


class Other(FrameProcessor):
    pass


class Fallback(FrameProcessor):
    """Runs its members inside it (as the STT fallback does), named by sub_lines()."""

    def __init__(self, members: list[FrameProcessor]) -> None:
        super().__init__()
        self.members = members

    def sub_lines(self) -> list[FrameProcessor]:
        return self.members


def _metrics(registry: CollectorRegistry) -> ServeMetrics:
    return ServeMetrics(registry, stages={Recognizer: "stt"}, outcomes=["resolved", "failed"])


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def _watched(
    registry: CollectorRegistry, *processors: FrameProcessor
) -> tuple[CallMetrics, ManualClock]:
    clock = ManualClock(10.0)
    task = PipelineTask(Pipeline([Other(), *processors, Other()]), clock=clock)
    return _metrics(registry).watch(task), clock


async def test_a_turn_is_the_callers_stop_to_the_bots_first_audio() -> None:
    registry = CollectorRegistry()
    call, clock = _watched(registry)
    call.on_exit(UserStoppedSpeakingFrame(stopped_at=9.5))  # VAD's instant, before now
    await clock.advance(0.7)
    call.on_exit(TextFrame(text="hello"))  # not measured
    call.on_exit(BotStartedSpeakingFrame())
    assert _value(registry, "framekit_voice_to_voice_seconds_count") == 1
    assert _value(registry, "framekit_voice_to_voice_seconds_sum") == pytest.approx(1.2)
    call.on_exit(BotStartedSpeakingFrame())  # the bot again without a stop (a prompt): no turn
    call.on_exit(UserStoppedSpeakingFrame())  # no instant given: the frame's arrival
    await clock.advance(0.5)
    call.on_exit(BotStartedSpeakingFrame())
    assert _value(registry, "framekit_voice_to_voice_seconds_count") == 2
    assert _value(registry, "framekit_voice_to_voice_seconds_sum") == pytest.approx(1.7)


def test_time_to_first_byte_counts_for_the_mapped_processors_inside_others_too() -> None:
    registry = CollectorRegistry()
    member, other = LocalRecognizer(), Other()
    call, _ = _watched(registry, Fallback([member]), other)
    call.on_exit(MetricsFrame(data=[MetricValue("ttfb", member.name, 0.25)]))  # a subclass
    call.on_exit(MetricsFrame(data=[MetricValue("ttfb", other.name, 0.5)]))  # unmapped
    call.on_exit(MetricsFrame(data=[MetricValue("processing", member.name, 0.5)]))
    call.on_exit(MetricsFrame(data=[MetricValue("ttfb", "not-in-this-call", 0.5)]))
    assert _value(registry, "framekit_stage_latency_seconds_count", stage="stt") == 1
    assert _value(registry, "framekit_stage_latency_seconds_sum", stage="stt") == 0.25
    assert _value(registry, "framekit_stage_latency_seconds_count", stage="llm") == 0


def test_outcomes_start_at_zero_and_count_each_call() -> None:
    registry = CollectorRegistry()
    metrics = _metrics(registry)
    assert _value(registry, "framekit_calls_total", outcome="failed") == 0
    metrics.call_ended("resolved")
    metrics.call_ended("transferred")  # not named at the start: appears at its first call
    assert _value(registry, "framekit_calls_total", outcome="resolved") == 1
    assert _value(registry, "framekit_calls_total", outcome="transferred") == 1


def test_a_sample_turns_running_totals_into_counters_and_reads_the_breakers() -> None:
    registry = CollectorRegistry()
    metrics = _metrics(registry)
    health = ProviderHealth(failure_threshold=2, cooldown=30.0)
    breaker = health.breaker("local:llama")
    for _ in range(2):
        breaker.allow(0.0)
        breaker.record_failure(0.0)
    assert not breaker.allow(1.0)  # open: the chain falls back past it

    def sample(refused: int, spooled: int, now: float, held: int = 0) -> None:
        metrics.sample(
            active_calls=3,
            refused_calls=refused,
            spooled_records=spooled,
            breakers=health.breakers(),
            now=now,
            held_webhooks=held,
            apologised_calls=held // 5,
        )

    assert _value(registry, "framekit_store_outage_answers_total", answer="hold") == 0
    sample(refused=2, spooled=7, now=1.0, held=4)
    sample(refused=5, spooled=0, now=1.0, held=11)
    assert _value(registry, "framekit_admission_refusals_total") == 5
    assert _value(registry, "framekit_store_outage_answers_total", answer="hold") == 11
    assert _value(registry, "framekit_store_outage_answers_total", answer="apology") == 2
    assert _value(registry, "framekit_active_calls") == 3
    assert _value(registry, "framekit_spooled_records") == 0
    assert _value(registry, "framekit_provider_errors_total", provider="local:llama") == 2
    assert _value(registry, "framekit_provider_skipped_total", provider="local:llama") == 1
    assert _value(registry, "framekit_provider_breaker_state", provider="local:llama") == 2
    sample(refused=5, spooled=0, now=31.0)  # the cool-down is over: half-open
    assert _value(registry, "framekit_provider_breaker_state", provider="local:llama") == 1
    health.reset()  # forgotten breakers count again from zero: nothing is lost or undone
    health.breaker("local:llama").record_failure(40.0)
    sample(refused=5, spooled=0, now=40.0)
    assert _value(registry, "framekit_provider_errors_total", provider="local:llama") == 3
    assert _value(registry, "framekit_provider_breaker_state", provider="local:llama") == 0


def test_model_threads_are_named_by_their_pool() -> None:
    assert model_of_thread("framekit-whisper-1") == "whisper"
    assert model_of_thread("framekit-vad_0") == "silero-vad"
    assert model_of_thread("piper_3") == "piper"
    assert model_of_thread("framekit-tools-2") is None  # tools run no model
    assert model_of_thread("MainThread") is None


@pytest.mark.skipif(not hasattr(threading.Thread, "native_id"), reason="no thread ids")
def test_a_model_threads_cpu_is_read_from_outside_it() -> None:
    done = threading.Event()

    def burn() -> None:
        until = time.thread_time() + 0.2
        while time.thread_time() < until:
            pass
        done.wait(5)

    thread = threading.Thread(target=burn, name="framekit-embedder-0")
    thread.start()
    try:
        deadline = time.monotonic() + 5
        seconds = 0.0
        while seconds < 0.15 and time.monotonic() < deadline:
            time.sleep(0.05)
            found = model_thread_cpu()  # other tests' model threads may be there too
            if thread.native_id not in found:
                pytest.skip("no /proc/self/task here")
            model, seconds = found[thread.native_id]
        assert model == "embedder"
        assert seconds >= 0.15
    finally:
        done.set()
        thread.join()


def test_a_models_cpu_spent_outside_its_threads_is_counted() -> None:
    # Silero's small runs happen in the event loop's thread: added where they ran, and
    # counted in framekit_model_cpu_seconds beside its threads' CPU.
    registry = CollectorRegistry()
    metrics = _metrics(registry)

    def sample() -> float | None:
        metrics.sample(active_calls=0, refused_calls=0, spooled_records=0, breakers={}, now=0.0)
        return _value(registry, "framekit_model_cpu_seconds_total", model="test-model")

    before = model_cpu_elsewhere().get("test-model", 0.0)
    add_model_cpu("test-model", 0.25)
    first = sample()
    add_model_cpu("test-model", 0.5)
    assert model_cpu_elsewhere()["test-model"] == pytest.approx(before + 0.75)
    assert first == pytest.approx(before + 0.25)
    assert sample() == pytest.approx(before + 0.75)
