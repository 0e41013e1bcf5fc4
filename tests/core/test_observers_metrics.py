"""Observers see every hop; metrics report processing time, TTFB and turn latency."""

from __future__ import annotations

import itertools

import pytest

from framekit.clock import ManualClock
from framekit.frames import (
    BotStartedSpeakingFrame,
    Frame,
    MetricsFrame,
    TextFrame,
    UserStoppedSpeakingFrame,
)
from framekit.pipeline import PipelineParams
from framekit.processors import FrameDirection, FrameProcessor, QueuedFrameProcessor
from framekit.testing import Advance, run_processor

from core.helpers import Gate, Recorder


class HopLog:
    def __init__(self) -> None:
        self.hops: list[tuple[str, str, Frame, FrameDirection, float]] = []

    def on_push(
        self,
        source: FrameProcessor,
        destination: FrameProcessor,
        frame: Frame,
        direction: FrameDirection,
        timestamp: float,
    ) -> None:
        self.hops.append((source.name, destination.name, frame, direction, timestamp))


async def test_observers_see_every_hop_without_changing_processing() -> None:
    chain = [Recorder(), Recorder(), Recorder()]
    log = HopLog()
    text = TextFrame(text="hi")
    out = await run_processor(chain, [text], observers=[log])
    text_hops = [(src, dst) for src, dst, frame, _, _ in log.hops if frame is text]
    names = [out.task.call_id + ".source", *(p.name for p in chain), out.task.call_id + ".sink"]
    assert text_hops == list(itertools.pairwise(names))
    assert out.downstream_of(TextFrame) == [text]


class Thinks(QueuedFrameProcessor):
    """Takes 0.25 s of (manual) clock time per text and reports its time to first byte."""

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, TextFrame):
            started = self.clock.now()
            await self.clock.sleep(0.25)
            await self.report_metric("ttfb", self.clock.now() - started, model="demo")
        await self.push_frame(frame, direction)


async def test_metrics_report_processing_time_and_ttfb_when_enabled() -> None:
    clock = ManualClock()
    thinks = Thinks()
    frames = [TextFrame(text="a"), Advance(0.25), TextFrame(text="b"), Advance(0.25)]
    params = PipelineParams(enable_metrics=True, idle_timeout=None)
    out = await run_processor(thinks, frames, clock=clock, params=params)
    values = [v for f in out.downstream_of(MetricsFrame) for v in f.data]
    assert [(v.kind, v.value) for v in values if v.kind == "ttfb"] == [("ttfb", 0.25)] * 2
    processing = [v.value for v in values if v.kind == "processing"]
    assert processing == [0.25, 0.25]
    summary = out.task.metrics.summary()[("ttfb", thinks.name)]
    assert (summary.count, summary.p50, summary.max) == (2, 0.25, 0.25)


async def test_metrics_are_silent_when_disabled() -> None:
    gate = Gate()
    gate.opened.set()
    out = await run_processor(gate, [TextFrame(text="a")])
    assert out.downstream_of(MetricsFrame) == []


async def test_turn_latency_runs_from_end_of_speech_to_first_bot_audio() -> None:
    clock = ManualClock(start=100.0)
    frames = [
        UserStoppedSpeakingFrame(stopped_at=99.8),  # VAD reports the end 200 ms late
        Advance(0.5),
        BotStartedSpeakingFrame(),
        Advance(3.0),
        BotStartedSpeakingFrame(),  # a second bot utterance in the same turn is not a turn
        UserStoppedSpeakingFrame(),
        Advance(0.25),
        BotStartedSpeakingFrame(),
    ]
    out = await run_processor(Recorder(), frames, clock=clock)
    assert out.task.metrics.turn_latencies == pytest.approx([0.7, 0.25])
