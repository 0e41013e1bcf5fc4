"""The recorder on framekit's own sentence TTS and paced output transport, on a manual clock.

The simulated calls of the other tests push frames by hand; here the TTS makes
the sentence spans and the audio, and the output transport reports what was
played, so the heard text is checked against the processors that really make it.
"""

from __future__ import annotations

import asyncio

from framekit.clock import ManualClock
from framekit.frames import (
    Frame,
    InterruptionFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.storage import CallRecorder
from framekit.storage.records import CallClosed, Record, SegmentRecord
from framekit.tasks import live_framekit_tasks
from timed_speech import (
    FIRST,
    SECOND,
    SilentLine,
    response,
    timed_tts,
)


async def _call(*script: Frame | float) -> list[Record]:
    """Run the script (frames to queue, seconds to wait) through TTS and transport."""
    out: list[Record] = []
    clock = ManualClock()
    recorder = CallRecorder(out.append)
    task = PipelineTask(
        Pipeline([timed_tts(), recorder.record_point(), SilentLine(realtime=True)]),
        params=PipelineParams(idle_timeout=None),
        observers=[recorder],
        clock=clock,
    )
    runner = asyncio.ensure_future(task.run())
    await asyncio.wait_for(task.wait_started(), 5)
    for item in script:
        if isinstance(item, float):
            await clock.advance(item)
        else:
            await task.queue_frame(item)
    await task.stop_when_done()
    await clock.advance(10.0)
    await asyncio.wait_for(runner, 10)
    assert live_framekit_tasks() == []
    return out


def _said(out: list[Record]) -> list[tuple[str, str, bool]]:
    return [(r.speaker, r.text, r.truncated) for r in out if isinstance(r, SegmentRecord)]


async def test_a_response_played_to_its_end_is_recorded_whole() -> None:
    out = await _call(
        TTSSpeakFrame(text="Hello, Acme here."),
        *response(
            "r1", "Your order A17 ", "shipped on Monday. It will", " arrive on Friday by noon."
        ),
        8.0,
    )
    assert _said(out) == [
        ("bot", "Hello, Acme here.", False),
        ("bot", f"{FIRST} {SECOND}", False),
    ]
    closed = out[-1]
    assert isinstance(closed, CallClosed)
    assert closed.outcome == "abandoned"  # the caller never spoke


async def test_a_barge_in_mid_sentence_records_the_words_heard() -> None:
    out = await _call(
        *response(
            "r1", "Your order A17 ", "shipped on Monday. It will", " arrive on Friday by noon."
        ),
        1.65 + 0.825,  # half of the second sentence
        InterruptionFrame(),
        TranscriptionFrame(text="Thanks, bye"),
    )
    assert _said(out) == [
        ("bot", f"{FIRST} It will arrive", True),
        ("user", "Thanks, bye", False),
    ]
    bot = next(r for r in out if isinstance(r, SegmentRecord))
    assert bot.planned_text == f"{FIRST} {SECOND}"
