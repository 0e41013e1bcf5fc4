"""What the recognizer's early decodes at pauses cost, by pause length, with and without the cancel.

The utterance stage (:mod:`framekit.processors.stt.utterance`) decodes the caller's
words so far once ``pause_seconds`` of 20 ms chunks are quiet (the rule of
:mod:`framekit.processors.vad.pause`). At a pause inside a sentence that decode is
stale as soon as the caller speaks again; since the cancel, the stage stops it once
60 ms of the next word are heard, and Moonshine stops at its next decoder step.

Callers' lines of ``tests/data/analytics/calls_dev_extra.jsonl`` (a dev file) are
spoken by the packaged Piper voice (no variation), at 16 kHz. For each line and each
pause length this finds the pauses inside the line (quiet runs of at least the pause,
followed by more speech) and decodes each stale prefix with Moonshine, timed:

* before the cancel, a stale decode ran to its end: its whole decode time;
* with it, it runs until 60 ms into the next word plus one decoder step (at most its
  whole decode): measured as the decode timed with the engine's ``abandoned`` flag set
  at that instant by a timer thread.

A decode at a pause is only made when the stage's worker is free; this counts them all
(the worst case). Usage::

    .venv/bin/python benchmarks/bench_stt_pauses.py --lines 120 --pauses 0.2,0.16,0.12
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soxr

from framekit.processors.stt.transcript import RecognitionRequest
from framekit.processors.vad.pause import QUIET_RATIO
from framekit.services.moonshine import MoonshineEngine
from framekit.services.piper import PiperEngine

ROOT = Path(__file__).resolve().parents[1]
CALLS = ROOT / "tests" / "data" / "analytics" / "calls_dev_extra.jsonl"
RATE = 16000
CHUNK = 320  # 20 ms, as the transports deliver it
RESUMED = 0.06
"""The stage's ``_RESUMED_SECONDS``: loud audio after a pause that cancels its decode."""

I16 = npt.NDArray[np.int16]


def caller_lines(count: int) -> list[str]:
    lines: list[str] = []
    for row in CALLS.read_text().splitlines():
        for event in json.loads(row)["events"]:
            if event["role"] == "caller" and event["text"].strip():
                lines.append(event["text"].strip())
    return lines[:count]


def spoken(piper: PiperEngine, text: str) -> I16:
    pcm = np.frombuffer(b"".join(piper.synthesize(text, varied=False)), dtype="<i2")
    return np.asarray(soxr.resample(pcm, piper.sample_rate, RATE), dtype=np.int16)


def stale_pauses(samples: I16, pause: float) -> list[tuple[int, float]]:
    """(samples decoded, seconds until the cancel) of each decode made at a pause inside the line.

    The stage's rule: a chunk is quiet under a tenth of the loudest chunk so far; a
    decode is due once ``pause`` seconds of quiet chunks end the audio, and at most
    once per pause; it is stale if speech comes after it.
    """
    chunks = samples[: len(samples) // CHUNK * CHUNK].reshape(-1, CHUNK).astype(np.float64)
    levels = np.sqrt(np.mean(chunks * chunks, axis=1))
    need = round(pause / 0.02)
    found: list[tuple[int, float]] = []
    peak, quiet, loud, due_at = 0.0, 0, 0, None
    for index, level in enumerate(levels):
        peak = max(peak, level)
        if level < QUIET_RATIO * peak:
            quiet, loud = quiet + 1, 0
            if quiet == need:
                due_at = index
        else:
            quiet, loud = 0, loud + 1
            if due_at is not None and loud * 0.02 >= RESUMED:
                found.append(((due_at + 1) * CHUNK, (index - due_at) * 0.02))
                due_at = None
    return found


def timed(engine: MoonshineEngine, audio: I16, stop_after: float | None) -> float:
    abandoned = threading.Event()
    timer = threading.Timer(stop_after, abandoned.set) if stop_after is not None else None
    started = time.perf_counter()
    if timer is not None:
        timer.start()
    engine.transcribe_batch([RecognitionRequest(audio, abandoned=abandoned)])
    if timer is not None:
        timer.cancel()
    return time.perf_counter() - started


def main(lines: int, pauses: list[float]) -> None:
    piper, engine = PiperEngine.shared(), MoonshineEngine.shared()
    audio = [spoken(piper, text) for text in caller_lines(lines)]
    engine.transcribe(np.zeros(RATE, dtype=np.int16))  # warm
    load = Path("/proc/loadavg").read_text().split()[0]
    seconds = sum(len(a) for a in audio) / RATE
    print(f"{len(audio)} callers' lines, {seconds:.0f} s of speech; load {load}")
    print("pause  stale decodes  whole (CPU-s)  cancelled (CPU-s)  lines with one")
    for pause in pauses:
        stale = [(a, s) for a in audio for s in stale_pauses(a, pause)]
        lines_with = sum(1 for a in audio if stale_pauses(a, pause))
        whole = sum(timed(engine, a[:n], None) for a, (n, _) in stale)
        cut = sum(timed(engine, a[:n], after) for a, (n, after) in stale)
        print(f"{pause:5.2f}  {len(stale):13d}  {whole:13.1f}  {cut:17.1f}  {lines_with}")
    print(f"load after {Path('/proc/loadavg').read_text().split()[0]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=120)
    parser.add_argument("--pauses", default="0.2,0.16,0.12")
    args = parser.parse_args()
    main(args.lines, [float(p) for p in args.pauses.split(",")])
