"""TTS time to first audio and real-time factor: Piper and espeak-ng, side by side.

Piper runs twice: as framekit speaks with it now (``piper``: the sentence's audio
streamed in vocoder windows, one onnxruntime thread per run) and as it did before
(``piper-whole``: Piper's own one-graph synthesis of each whole sentence, onnxruntime's
default threads), so one run gives the before/after on the same load.

The same three-sentence answer is streamed as 8-character ``LLMTextFrame`` chunks
(the way an LLM's tokens arrive) into each voice's processor, ``--runs`` times,
with the pipeline's output at 8 kHz (a phone line) and at 16 kHz. The voices run
one after the other in every round, so a shared machine's changing load hits both
alike.

* time to first audio: per sentence, from the start of its synthesis to its first
  audio chunk (the processor's ``first_audio_seconds``); also by sentence, since
  whole-sentence Piper makes a longer sentence wait longer (the sentences are 1, 3
  and 2.4 s long);
* real-time factor: wall time of the whole answer, from the first text frame to
  the end of the pipeline, over the seconds of audio that came out (below 1 is
  faster than real time).

``bench_speech_processors.py`` measures Piper the same way next to Whisper.

Usage::

    .venv/bin/python benchmarks/bench_tts.py            # 5 runs, ~40 s
    .venv/bin/python benchmarks/bench_tts.py --runs 9
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Callable

from framekit.clock import SystemClock
from framekit.frames import Frame, LLMResponseEndFrame, LLMTextFrame, TTSAudioFrame
from framekit.models.piper import PiperEngine
from framekit.pipeline.params import PipelineParams
from framekit.pipeline.task import PipelineTask
from framekit.processors.tts.base import SentenceTTSProcessor
from framekit.processors.tts.espeak import EspeakTTSProcessor
from framekit.processors.tts.piper import PiperTTSProcessor

ANSWER = (
    "Thanks for calling. Your order shipped yesterday and should arrive on Friday. "
    "Is there anything else I can help you with today?"
)

VOICES: dict[str, Callable[[], SentenceTTSProcessor]] = {
    "piper": lambda: PiperTTSProcessor(engine=PiperEngine.shared()),
    "piper-whole": lambda: PiperTTSProcessor(engine=PiperEngine.shared(streaming=False, threads=0)),
    "espeak-ng": EspeakTTSProcessor,
}


async def _answer_once(
    make: Callable[[], SentenceTTSProcessor], out_rate: int
) -> tuple[list[float], float, float]:
    """First-audio times of each sentence, wall seconds and audio seconds of one answer."""
    tts = make()
    params = PipelineParams(idle_timeout=None, audio_out_sample_rate=out_rate)
    task = PipelineTask(tts, params=params, clock=SystemClock())
    audio_seconds = 0.0

    def on_exit(frame: Frame) -> None:
        nonlocal audio_seconds
        if isinstance(frame, TTSAudioFrame):
            audio_seconds += frame.duration

    task.on_downstream_exit(on_exit)
    runner = asyncio.create_task(task.run())
    await task.wait_started()
    started = time.monotonic()
    for i in range(0, len(ANSWER), 8):
        await task.queue_frame(LLMTextFrame(text=ANSWER[i : i + 8]))
    await task.queue_frame(LLMResponseEndFrame())
    await task.stop_when_done()
    await runner
    return list(tts.first_audio_seconds), time.monotonic() - started, audio_seconds


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def _main(args: argparse.Namespace) -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    PiperEngine.shared()  # the one-time loads are not part of any answer
    PiperEngine.shared(streaming=False, threads=0)
    for out_rate in (8000, 16000):
        for make in VOICES.values():  # warm-up: first ONNX run, espeak-ng's data in the cache
            await _answer_once(make, out_rate)
        first: dict[str, list[float]] = {name: [] for name in VOICES}
        by_sentence: dict[str, list[list[float]]] = {name: [[], [], []] for name in VOICES}
        rtf: dict[str, list[float]] = {name: [] for name in VOICES}
        for _ in range(args.runs):
            for name, make in VOICES.items():
                firsts, wall, audio = await _answer_once(make, out_rate)
                first[name] += firsts
                for i, seconds in enumerate(firsts[:3]):
                    by_sentence[name][i].append(seconds)
                rtf[name].append(wall / audio)
        print(f"\noutput {out_rate} Hz, {args.runs} answers of 3 sentences per voice")
        print(
            "| voice | first audio p50 | p90 | p95 | max | p50 by sentence | real-time factor p50 |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name in VOICES:
            times = sorted(first[name])
            print(
                f"| {name} | {_ms(statistics.median(times))} | "
                f"{_ms(times[int(0.9 * (len(times) - 1))])} | "
                f"{_ms(times[int(0.95 * (len(times) - 1))])} | {_ms(times[-1])} | "
                f"{' / '.join(_ms(statistics.median(t)) for t in by_sentence[name] if t)} | "
                f"{statistics.median(rtf[name]):.3f} |"
            )
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="answers per voice and rate")
    asyncio.run(_main(parser.parse_args()))
