"""Whisper base against Moonshine base-en: decode time and end of speech to final transcript.

The same Piper-spoken sentences (about 3 s each) go to both engines:

* raw decode: ``engine.transcribe`` on each whole sentence (real-time factor = decode
  time / audio length), with the word error rate of what came back;
* through the utterance processor (``UtteranceSTTProcessor`` with either engine)
  fed as 20 ms frames **at real-time pace**, with the speaking events a VAD would send:
  the start 0.2 s into the speech, the stop ``--vad-window`` seconds after the last
  word with ``stopped_at`` set to that word's end. "stop->final" is from the stop event
  being queued to the ``TranscriptionFrame`` leaving the pipeline; "last word->final"
  adds the VAD's window (the time the caller really waits).

Settings run round-robin (every engine and window in each round) so that a shared
machine's changing load hits them alike; the load average is printed before and after.

Usage::

    .venv/bin/python benchmarks/bench_stt.py
    .venv/bin/python benchmarks/bench_stt.py --engines moonshine --vad-window 0.3 --pause 0.1
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from framekit.audio import PCM16_16K, AudioConverter
from framekit.clock import SystemClock
from framekit.frames import (
    Frame,
    InputAudioFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.pipeline.params import PipelineParams
from framekit.pipeline.task import PipelineTask
from framekit.processors.stt.second_pass import SecondPassRecognizer
from framekit.processors.stt.service import Recognizer
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.services.moonshine import MoonshineEngine
from framekit.services.piper import PiperEngine
from framekit.services.whisper import WhisperEngine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from accuracy.corpus import build, clip_audio, clips
from accuracy.voices import available_voices
from accuracy.wer import word_error_rate

SENTENCES = (
    "Your order number is 4 2 7 1 and it shipped yesterday.",
    "I was charged twice for my last order, can you fix that?",
    "My account number is 5 5 1 9 and the zip code is 9 4 1 0 3.",
)
FRAME_BYTES = PCM16_16K.bytes_for(0.02)


def _speech(text: str) -> bytes:
    """``text`` spoken by Piper at 16 kHz, silence trimmed at both ends."""
    piper = PiperEngine.shared()
    converter = AudioConverter(piper.audio_format, PCM16_16K)
    pcm = converter.convert(b"".join(piper.synthesize(text))) + converter.flush()
    loud = np.abs(np.frombuffer(pcm, dtype="<i2")) > 300
    onset, end = int(np.argmax(loud)), loud.size - int(np.argmax(loud[::-1]))
    return pcm[2 * onset : 2 * end]


def _corpus_speech(voices: list[str], count: int) -> list[tuple[str, bytes]]:
    """The first ``count`` dev-split utterances of each voice, over their phone line, trimmed."""
    chosen = [v for v in available_voices() if v.name in voices]
    corpus = [c for c in clips("dev", chosen) if c.utterance.kind in _TIMED_KINDS]
    build("dev", chosen)
    picked = [c for v in chosen for c in [c for c in corpus if c.voice == v][:count]]
    pad = PCM16_16K.bytes_for(0.2)
    return [(c.utterance.reference, clip_audio(c)[pad:-pad]) for c in picked]


_TIMED_KINDS = ("order_digits", "order_groups", "question", "date", "short_answer")


def _engine(name: str) -> Recognizer:
    if name == "moonshine+whisper":
        return SecondPassRecognizer(MoonshineEngine.shared(), WhisperEngine.shared())
    return MoonshineEngine.shared() if name == "moonshine" else WhisperEngine.shared()


def _processor(name: str, speculative: bool, pause: float) -> UtteranceSTTProcessor:
    options = UtteranceOptions(speculative=speculative, pause_seconds=pause)
    return UtteranceSTTProcessor(_engine(name), options)


async def _stt_once(
    name: str, speech: bytes, vad_window: float, speculative: bool, pause: float
) -> tuple[float, int]:
    stt = _processor(name, speculative, pause)
    task = PipelineTask(stt, params=PipelineParams(idle_timeout=None), clock=SystemClock())
    done = asyncio.Event()
    finished_at = 0.0

    def on_exit(frame: Frame) -> None:
        nonlocal finished_at
        if isinstance(frame, TranscriptionFrame):
            finished_at = time.monotonic()
            done.set()

    task.on_downstream_exit(on_exit)
    runner = asyncio.create_task(task.run())
    await task.wait_started()
    lead = 15  # frames of silence before the speech
    audio = bytes(lead * FRAME_BYTES) + speech + bytes(100 * FRAME_BYTES)
    chunks = [audio[i : i + FRAME_BYTES] for i in range(0, len(audio), FRAME_BYTES)]
    speech_end = lead + len(speech) // FRAME_BYTES
    stop_at = speech_end + round(vad_window / 0.02)
    t0 = time.monotonic()
    last_word = 0.0
    for i, chunk in enumerate(chunks[: stop_at + 1]):
        await asyncio.sleep(max(0.0, t0 + i * 0.02 - time.monotonic()))
        await task.queue_frame(InputAudioFrame(audio=chunk))
        if i == lead + 10:
            await task.queue_frame(UserStartedSpeakingFrame())
        if i == speech_end:
            last_word = time.monotonic()
    stopped = time.monotonic()
    await task.queue_frame(UserStoppedSpeakingFrame(stopped_at=last_word))
    await asyncio.wait_for(done.wait(), 60)
    await task.stop_when_done()
    await runner
    return finished_at - stopped, stt.stats.reused


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


async def _main(args: argparse.Namespace) -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"pause_seconds {args.pause}, VAD windows {args.vad_window}, {args.runs} rounds")
    if args.corpus:
        references, speeches = zip(*_corpus_speech(args.corpus, args.corpus_clips), strict=True)
    else:
        references, speeches = SENTENCES, tuple(_speech(text) for text in SENTENCES)
    print("utterances: " + ", ".join(f"{len(s) / 32000:.2f} s" for s in speeches))
    engines = {name: _engine(name) for name in args.engines}
    for name, engine in engines.items():
        engine_load = getattr(engine, "load_seconds", float("nan"))
        print(f"{name}: {engine!r}, loaded in {engine_load:.2f} s")
        await engine.transcribe_async(speeches[0], "en")  # warm-up
    raw: dict[str, list[float]] = {name: [] for name in engines}
    rtf: dict[str, list[float]] = {name: [] for name in engines}
    errors: dict[str, list[float]] = {name: [] for name in engines}
    settings = [
        (name, window, speculative)
        for name in engines
        for window in args.vad_window
        for speculative in (True, False)
    ]
    stop_final: dict[tuple[str, float, bool], list[float]] = {s: [] for s in settings}
    reused = dict.fromkeys(settings, 0)
    for run in range(args.runs):
        for name, engine in engines.items():
            for text, speech in zip(references, speeches, strict=True):
                started = time.perf_counter()
                result = await engine.transcribe_async(speech, "en")
                seconds = time.perf_counter() - started
                raw[name].append(seconds)
                rtf[name].append(seconds / (len(speech) / 32000))
                errors[name].append(word_error_rate(text, result.text))
                if run == 0:
                    print(f"  {name}: {result.text!r}")
        for setting in settings:
            name, window, speculative = setting
            speech = speeches[run % len(speeches)]
            latency, was_reused = await _stt_once(name, speech, window, speculative, args.pause)
            stop_final[setting].append(latency)
            reused[setting] += was_reused
    for name in engines:
        print(
            f"{name} raw decode: p50 {_ms(statistics.median(raw[name]))}, "
            f"min {_ms(min(raw[name]))}, max {_ms(max(raw[name]))}; "
            f"real-time factor p50 {statistics.median(rtf[name]):.3f}; "
            f"mean WER {statistics.mean(errors[name]):.1%} over {len(errors[name])} decodes"
        )
    for setting in settings:
        name, window, speculative = setting
        values = stop_final[setting]
        waited = [window + v for v in values]
        print(
            f"{name}, VAD window {window:.1f} s, speculative={speculative!s:5}: "
            f"stop->final p50 {_ms(statistics.median(values))}, "
            f"p95 {_ms(_pct(values, 0.95))}, max {_ms(max(values))}; "
            f"last word->final p50 {_ms(statistics.median(waited))}, "
            f"p95 {_ms(_pct(waited, 0.95))}; early decode reused {reused[setting]}/{len(values)}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="rounds (each: every setting once)")
    parser.add_argument(
        "--vad-window", type=float, nargs="+", default=[0.3, 0.5], help="VAD silence windows (s)"
    )
    parser.add_argument(
        "--pause", type=float, default=0.2, help="the processors' pause_seconds (s)"
    )
    parser.add_argument(
        "--engines",
        nargs="+",
        default=["moonshine", "whisper"],
        choices=["moonshine", "whisper", "moonshine+whisper"],
    )
    parser.add_argument(
        "--corpus", nargs="+", default=[], help="corpus voices to use instead of Piper's sentences"
    )
    parser.add_argument("--corpus-clips", type=int, default=4, help="dev utterances per voice")
    asyncio.run(_main(parser.parse_args()))
