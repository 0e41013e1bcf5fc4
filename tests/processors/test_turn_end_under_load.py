"""The short window applies when the caller's audio reaches the VAD late and in bursts.

On a busy machine the caller's frames stall, then arrive at once behind a backlog.
The turn-end check used to compare the transcript's stamp (the clock time its newest
audio arrived) with an end of speech dated "now, less the audio heard since", so
behind a backlog it dated the end late by the backlog, refused the transcript that
held every word and waited the usual window (0.6 s) instead of the short one (0.3 s).
The VAD now places the stamp in the audio and compares places. As in
``test_turn_end``: tone bursts scored by a level detector, a scripted STT after the
VAD whose interim is sent back by the relay; the clock is manual.
"""

from __future__ import annotations

import pytest

from framekit.audio import PCM16_16K
from framekit.frames import Frame, InputAudioFrame, UserStoppedSpeakingFrame
from framekit.pipeline.params import PipelineParams
from framekit.processors import FrameDirection, FrameProcessor
from framekit.processors.vad import TurnTextRelay, VADParams, VADProcessor
from framekit.testing import Advance, run_processor

from .test_turn_end import FRAME, POLICY, RATE, LevelDetector, ScriptedSTT, _audio, _window_after

STALL = 0.9
"""Seconds the caller's audio stops reaching the VAD; then the backlog comes at once."""
SPEECH_END = 0.32 + 0.96


class HeardAtStop(FrameProcessor):
    """Records how much audio had passed when each stop event passed."""

    def __init__(self) -> None:
        super().__init__()
        self.heard = 0.0
        self.stops: list[float] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, InputAudioFrame):
            self.heard += frame.duration
        elif isinstance(frame, UserStoppedSpeakingFrame):
            self.stops.append(self.heard)
        await self.push_frame(frame, direction)


@pytest.mark.parametrize(
    ("after", "voice_end", "window"),
    [
        # Nothing said after the pause: the words hold every word, the short window.
        ([("silence", 1.6)], SPEECH_END, 0.3),
        # A word in the backlog, after the words: they miss it, the usual window.
        ([("silence", 0.2), ("speech", 0.12), ("silence", 1.6)], SPEECH_END + 0.32, 0.6),
    ],
)
async def test_the_short_window_applies_behind_a_backlog(
    after: list[tuple[str, float]], voice_end: float, window: float
) -> None:
    pcm, _ = _audio([("silence", 0.32), ("speech", 0.96), *after])
    vad = VADProcessor(
        LevelDetector(),
        params=VADParams(min_speech_duration=0.064, min_silence_duration=0.5),
        turn_end=POLICY,
    )
    # "Thanks, bye." decoded 20 ms into the pause, on time; the stall comes 20 ms later.
    stt, stops = ScriptedSTT([(SPEECH_END + 0.02, "Thanks, bye.")]), HeardAtStop()
    size = PCM16_16K.bytes_for(FRAME)
    frames = [
        InputAudioFrame(audio=pcm[i : i + size], format=PCM16_16K) for i in range(0, len(pcm), size)
    ]
    on_time = round((SPEECH_END + 0.04) / FRAME)
    backlog = on_time + round(STALL / FRAME)
    items: list[Frame | Advance] = []
    for index, frame in enumerate(frames):
        if index == on_time:
            items.append(Advance(STALL))
        if index < on_time or index >= backlog:
            items.append(Advance(FRAME))
        items.append(frame)

    await run_processor(
        [vad, stt, TurnTextRelay(), stops],
        items,
        params=PipelineParams(idle_timeout=None, audio_in_sample_rate=RATE),
        time_limit=30.0,
    )

    assert stops.stops == pytest.approx([voice_end + _window_after(window)], abs=1e-6)
