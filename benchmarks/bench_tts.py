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
  faster than real time); and the process's CPU seconds per second of audio;
* worst lag behind playback: if the answer's audio were played from its first
  frame on, back to back in real time, how late the latest frame left (0: the
  listener never hears a gap, within or between sentences).

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
from dataclasses import dataclass

from framekit.clock import SystemClock
from framekit.frames import Frame, LLMResponseEndFrame, LLMTextFrame, TTSAudioFrame
from framekit.pipeline.params import PipelineParams
from framekit.pipeline.task import PipelineTask
from framekit.processors.tts import TTSProcessor, Voice
from framekit.services.espeak import EspeakVoice
from framekit.services.piper import PiperEngine, PiperVoice

ANSWER = (
    "Thanks for calling. Your order shipped yesterday and should arrive on Friday. "
    "Is there anything else I can help you with today?"
)

VOICES: dict[str, Callable[[], Voice]] = {
    "piper": lambda: PiperVoice(PiperEngine.shared()),
    "piper-whole": lambda: PiperVoice(PiperEngine.shared(streaming=False, threads=0)),
    "espeak-ng": EspeakVoice,
}


@dataclass
class _Answer:
    firsts: list[float]  # first audio of each sentence, from the start of its synthesis
    wall: float  # first text frame to the end of the pipeline
    audio: float  # seconds of audio out
    cpu: float  # this process's CPU seconds meanwhile (all threads)
    late: float  # worst lag of an audio frame behind real-time playback from the first one


async def _answer_once(make: Callable[[], Voice], out_rate: int) -> _Answer:
    """One answer spoken, with the timing of every audio frame that left."""
    tts = TTSProcessor(make())
    params = PipelineParams(idle_timeout=None, audio_out_sample_rate=out_rate)
    task = PipelineTask(tts, params=params, clock=SystemClock())
    audio_seconds = 0.0
    late = 0.0
    playback_start: float | None = None

    def on_exit(frame: Frame) -> None:
        nonlocal audio_seconds, late, playback_start
        if isinstance(frame, TTSAudioFrame):
            now = time.monotonic()
            if playback_start is None:
                playback_start = now
            late = max(late, now - (playback_start + audio_seconds))
            audio_seconds += frame.duration

    task.on_downstream_exit(on_exit)
    runner = asyncio.create_task(task.run())
    await task.wait_started()
    started, cpu = time.monotonic(), time.process_time()
    for i in range(0, len(ANSWER), 8):
        await task.queue_frame(LLMTextFrame(text=ANSWER[i : i + 8]))
    await task.queue_frame(LLMResponseEndFrame())
    await task.stop_when_done()
    await runner
    return _Answer(
        list(tts.first_audio_seconds),
        time.monotonic() - started,
        audio_seconds,
        time.process_time() - cpu,
        late,
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def _main(args: argparse.Namespace) -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    PiperEngine.shared()  # the one-time loads are not part of any answer
    PiperEngine.shared(streaming=False, threads=0)
    for out_rate in (8000, 16000):
        for make in VOICES.values():  # warm-up: first ONNX run, espeak-ng's data in the cache
            await _answer_once(make, out_rate)
        answers: dict[str, list[_Answer]] = {name: [] for name in VOICES}
        for _ in range(args.runs):
            for name, make in VOICES.items():
                answers[name].append(await _answer_once(make, out_rate))
        print(f"\noutput {out_rate} Hz, {args.runs} answers of 3 sentences per voice")
        print(
            "| voice | first audio p50 | p90 | p95 | max | p50 by sentence "
            "| real-time factor p50 | CPU s per audio s p50 | worst lag behind playback |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, runs in answers.items():
            times = sorted(t for answer in runs for t in answer.firsts)
            by_sentence = [[a.firsts[i] for a in runs if len(a.firsts) > i] for i in range(3)]
            print(
                f"| {name} | {_ms(statistics.median(times))} | "
                f"{_ms(times[int(0.9 * (len(times) - 1))])} | "
                f"{_ms(times[int(0.95 * (len(times) - 1))])} | {_ms(times[-1])} | "
                f"{' / '.join(_ms(statistics.median(t)) for t in by_sentence if t)} | "
                f"{statistics.median(a.wall / a.audio for a in runs):.3f} | "
                f"{statistics.median(a.cpu / a.audio for a in runs):.3f} | "
                f"{_ms(max(a.late for a in runs))} |"
            )
    _by_length(args.runs)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


LENGTHS = {
    "short (~1 s)": "Thanks for calling.",
    "medium (~3 s)": "Your order shipped yesterday and should arrive on Friday.",
    "long (~7 s)": (
        "Your order of three blue chairs and one oak table shipped from our warehouse "
        "in Denver yesterday morning, and the courier expects to deliver it on Friday "
        "between nine and noon."
    ),
}


def _by_length(runs: int) -> None:
    """The engine alone (no pipeline): first chunk and whole sentence, by sentence length."""
    engines = {
        "piper": PiperEngine.shared(),
        "piper-whole": PiperEngine.shared(streaming=False, threads=0),
    }
    print(f"\nengine only, {runs} syntheses each: first chunk p50 (max) / whole sentence p50")
    print("| sentence | " + " | ".join(engines) + " |")
    print("|---|" + "---:|" * len(engines))
    for label, text in LENGTHS.items():
        cells = []
        for engine in engines.values():
            firsts, wholes = [], []
            for _ in range(runs):
                started = time.perf_counter()
                chunks = engine.synthesize(text)
                next(chunks)
                firsts.append(time.perf_counter() - started)
                for _ in chunks:
                    pass
                wholes.append(time.perf_counter() - started)
            cells.append(
                f"{_ms(statistics.median(firsts))} ({_ms(max(firsts))}) / "
                f"{_ms(statistics.median(wholes))}"
            )
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="answers per voice and rate")
    asyncio.run(_main(parser.parse_args()))
