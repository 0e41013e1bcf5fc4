"""The load test's questions through the real VAD and recognizer: turn-end wait and reuse.

Each of the load test's three Piper questions (``loadtest/speech.py``, 8 kHz mu-law,
converted to 16 kHz as the Twilio transport does) is played, after 0.5 s of silence
and followed by 2 s of it, as 20 ms frames paced in real time into the served
pipeline's head: ``VADProcessor`` with the packaged Silero model and
``TextTurnEndPolicy``, ``UtteranceSTTProcessor`` with Moonshine and interim results,
``TurnTextRelay``. Reported per turn: the VAD's ``stopped_at`` after the question's
last audible sample, the silence the VAD waited after ``stopped_at``, where the early
decode's audio ended against ``stopped_at``, the recognizer's stop-to-final time, and
decodes (early, reused).

Usage (the questions are prepared by ``python -m loadtest`` once)::

    .venv/bin/python benchmarks/bench_early_reuse.py --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import numpy as np

from framekit.audio import PCM16_16K, AudioConverter, audio_format, mulaw_decode
from framekit.clock import SystemClock
from framekit.frames import (
    Frame,
    InputAudioFrame,
    TranscriptionFrame,
    UserStoppedSpeakingFrame,
)
from framekit.pipeline import Pipeline
from framekit.pipeline.params import PipelineParams
from framekit.pipeline.task import PipelineTask
from framekit.processors import FrameDirection, FrameProcessor
from framekit.processors.stt.service import Recognizer
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.processors.vad import SpeechDetector, TextTurnEndPolicy, TurnTextRelay, VADProcessor
from framekit.services.moonshine import MoonshineEngine
from framekit.services.silero import SileroVADEngine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from loadtest.speech import QUESTIONS, load_utterances

FRAME = 0.02
AUDIBLE = 128  # PCM16 at 16 kHz: the load test's mu-law threshold (64), doubled


class _Turn(FrameProcessor):
    """The clock times of the stop and of the final transcript."""

    def __init__(self) -> None:
        super().__init__()
        self.stop: tuple[float, float] | None = None
        self.final: tuple[float, str] | None = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, UserStoppedSpeakingFrame) and self.stop is None:
            assert frame.stopped_at is not None
            self.stop = (self.clock.now(), frame.stopped_at)
        elif isinstance(frame, TranscriptionFrame) and self.final is None:
            self.final = (self.clock.now(), frame.text)
        await self.push_frame(frame, direction)


async def _turn(ulaw: bytes, vad: SpeechDetector, recognizer: Recognizer) -> str:
    converter = AudioConverter(audio_format(8000), PCM16_16K)
    question = converter.convert(mulaw_decode(ulaw)) + converter.flush()
    audible = np.flatnonzero(np.abs(np.frombuffer(question, dtype="<i2")) > AUDIBLE)
    lead = 0.5
    last_audible = lead + (int(audible[-1]) + 1) / PCM16_16K.sample_rate
    audio = bytes(PCM16_16K.bytes_for(lead)) + question + bytes(PCM16_16K.bytes_for(2.0))
    stt = UtteranceSTTProcessor(recognizer, UtteranceOptions(interim_results=True))
    turn = _Turn()
    clock = SystemClock()
    task = PipelineTask(
        Pipeline([VADProcessor(vad, turn_end=TextTurnEndPolicy()), stt, TurnTextRelay(), turn]),
        params=PipelineParams(idle_timeout=None, audio_in_sample_rate=PCM16_16K.sample_rate),
        clock=clock,
    )
    runner = asyncio.ensure_future(task.run())
    await task.wait_started()
    loop = asyncio.get_running_loop()
    began, start = clock.now(), loop.time()
    size = PCM16_16K.bytes_for(FRAME)
    for n, i in enumerate(range(0, len(audio), size)):
        await task.queue_frame(InputAudioFrame(audio=audio[i : i + size], format=PCM16_16K))
        await asyncio.sleep(max(0.0, start + (n + 1) * FRAME - loop.time()))
    await task.stop_when_done()
    await runner
    if turn.stop is None or turn.final is None:
        return f"no turn (stop {turn.stop}, final {turn.final})"
    (stop, stopped_at), (final, text) = turn.stop, turn.final
    stats = stt.stats
    return (
        f"stopped_at {(stopped_at - began - last_audible) * 1000:4.0f} ms after the last audible"
        f" | waited {(stop - stopped_at) * 1000:4.0f} ms"
        f" | early audio {(stats.early_audio_until - stopped_at) * 1000:+4.0f} ms"
        f" | final {(final - stop) * 1000:4.0f} ms after the stop"
        f" | decodes {stats.decodes} (early {stats.early_decodes}, reused {stats.reused})"
        f" | {text!r}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="plays of each question")
    args = parser.parse_args()
    vad = await asyncio.to_thread(SileroVADEngine.shared, PCM16_16K.sample_rate)
    recognizer = await asyncio.to_thread(MoonshineEngine.shared)
    await UtteranceSTTProcessor(recognizer).warm_up()
    utterances = load_utterances()
    for _ in range(args.rounds):
        for text, ulaw in zip(QUESTIONS, utterances, strict=True):
            print(f"{text:30} {await _turn(ulaw, vad, recognizer)}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
