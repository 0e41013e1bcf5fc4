"""VAD cost per call-second: one shared, batched Silero engine against per-call scoring.

Each simulated call delivers one 32 ms window every 32 ms in real time and awaits
its score before the next, like a VAD processor would. Calls start at random
phases within the 32 ms (what independent network streams look like); the
"aligned" row starts them all at once, the best case for batching.

Cost is the process's CPU time (all threads) over the run, minus the CPU time
of the same simulation with a no-op scorer (timers and tasks of the harness),
divided by the seconds of audio scored. "% core / 100 calls" is that cost for
100 concurrent calls, as a share of one core. Latency is from a window being
due until its score is back (queueing included); if p99 grows past a few
windows, the scorer did not keep up with real time.

Scorers:

* ``inline``: per-call stream, ``probability_sync`` on the event loop (batch 1,
  no thread hop): the model's own cost without batching.
* ``engine, batch 1``: the async engine path with ``max_batch=1``: no batching.
* ``engine, batched``: the async engine as shipped.
* ``pipecat``: one pipecat ``SileroVADAnalyzer`` per call (one ONNX session each),
  same model file; only up to ``--pipecat-max-calls`` because each costs ~10 MB.

Usage::

    .venv/bin/python benchmarks/bench_vad.py                 # 16 kHz, 3 s a row, ~2 minutes
    .venv/bin/python benchmarks/bench_vad.py --rate 8000 --seconds 2
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import numpy as np

from framekit.services.silero import SileroVADEngine

Scorer = Callable[[int, np.ndarray], Awaitable[float]]
"""``scorer(call_index, window)``: score one window of one call."""

WINDOW_S = 0.032


@dataclass
class Row:
    scorer: str
    calls: int
    cpu_ms_per_call_s: float
    core_pct_per_100: float
    mean_batch: float | None
    p50_ms: float
    p99_ms: float


def _audio(rate: int, calls: int, seconds: float) -> list[np.ndarray]:
    """Per-call noise bursts and pauses: model cost does not depend on content."""
    rng = np.random.default_rng(0)
    n = int(rate * min(seconds, 4.0))
    out = []
    for _ in range(calls):
        x = rng.normal(0.0, 0.05, n).astype(np.float32)
        x *= (np.sin(np.linspace(0, rng.uniform(5, 20), n)) > 0).astype(np.float32)
        out.append(x)
    return out


async def _simulate(
    scorer: Scorer, audio: list[np.ndarray], window: int, seconds: float, aligned: bool
) -> tuple[float, list[float]]:
    """Run all calls in real time; return process CPU seconds and per-window latencies."""
    loop = asyncio.get_running_loop()
    windows = [[a[i : i + window] for i in range(0, len(a) - window + 1, window)] for a in audio]
    count = int(seconds / WINDOW_S)
    rng = random.Random(1)
    latencies: list[float] = []

    async def call(index: int, start: float) -> None:
        mine = windows[index]
        for k in range(count):
            due = start + k * WINDOW_S
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await scorer(index, mine[k % len(mine)])
            latencies.append(loop.time() - due)

    t0 = loop.time() + 0.05
    starts = [t0 + (0.0 if aligned else rng.uniform(0, WINDOW_S)) for _ in audio]
    gc.collect()
    cpu0 = time.process_time()
    async with asyncio.TaskGroup() as group:
        for i, start in enumerate(starts):
            group.create_task(call(i, start))
    return time.process_time() - cpu0, latencies


async def _noop(index: int, chunk: np.ndarray) -> float:
    return 0.0


def _row(
    name: str,
    calls: int,
    cpu: float,
    base: float,
    seconds: float,
    lat: list[float],
    batch: float | None,
) -> Row:
    audio_s = calls * int(seconds / WINDOW_S) * WINDOW_S
    per_call_s = max(cpu - base, 0.0) / audio_s
    ordered = sorted(lat)
    return Row(
        name,
        calls,
        per_call_s * 1e3,
        per_call_s * 100 * 100,
        batch,
        ordered[len(ordered) // 2] * 1e3,
        ordered[int(len(ordered) * 0.99)] * 1e3,
    )


async def _engine_row(
    name: str, engine: SileroVADEngine, calls: int, args: argparse.Namespace, **kw: bool
) -> Row:
    audio = _audio(args.rate, calls, args.seconds)
    base, _ = await _simulate(_noop, audio, engine.window_samples, args.seconds, **kw)
    streams = [engine.open_stream() for _ in range(calls)]
    for stream, signal in zip(streams, audio, strict=True):  # first runs allocate: keep them out
        stream.probability_sync(signal[: engine.window_samples])
    runs, windows = engine.runs, engine.windows

    async def batched(i: int, chunk: np.ndarray) -> float:
        return await streams[i].probability(chunk)

    async def inline(i: int, chunk: np.ndarray) -> float:
        return streams[i].probability_sync(chunk)

    scorer = inline if name == "inline" else batched
    cpu, lat = await _simulate(scorer, audio, engine.window_samples, args.seconds, **kw)
    for s in streams:
        s.close()
    batch = (engine.windows - windows) / max(engine.runs - runs, 1)
    return _row(name, calls, cpu, base, args.seconds, lat, batch)


async def _pipecat_row(calls: int, args: argparse.Namespace) -> Row:
    from pipecat.audio.vad.silero import SileroVADAnalyzer

    window = 512 if args.rate == 16000 else 256
    analyzers = []
    for _ in range(calls):
        analyzer = SileroVADAnalyzer(sample_rate=args.rate)
        analyzer.set_sample_rate(args.rate)
        analyzers.append(analyzer)
    audio = _audio(args.rate, calls, args.seconds)
    for analyzer, signal in zip(analyzers, audio, strict=True):
        analyzer.voice_confidence((signal[:window] * 32767).astype(np.int16).tobytes())
    base, _ = await _simulate(_noop, audio, window, args.seconds, aligned=False)

    async def score(i: int, chunk: np.ndarray) -> float:
        pcm = (chunk * 32767).astype(np.int16).tobytes()
        return float(np.asarray(analyzers[i].voice_confidence(pcm)).reshape(-1)[0])

    cpu, lat = await _simulate(score, audio, window, args.seconds, aligned=False)
    return _row("pipecat (session per call)", calls, cpu, base, args.seconds, lat, None)


async def main(args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    solo = SileroVADEngine(args.rate)
    single = SileroVADEngine(args.rate, max_batch=1)
    shared = SileroVADEngine(args.rate)
    for calls in args.calls:
        print(f"{calls} calls ...", flush=True)
        rows.append(await _engine_row("inline", solo, calls, args, aligned=False))
        rows.append(await _engine_row("engine, batch 1", single, calls, args, aligned=False))
        rows.append(await _engine_row("engine, batched", shared, calls, args, aligned=False))
        aligned = await _engine_row("engine, batched, aligned", shared, calls, args, aligned=True)
        rows.append(aligned)
        if args.pipecat and calls <= args.pipecat_max_calls:
            rows.append(await _pipecat_row(calls, args))
    return rows


def _print(rows: list[Row], args: argparse.Namespace) -> None:
    print(f"\nSilero VAD at {args.rate} Hz, {args.seconds:g} s of real-time audio a call per row")
    print("| scorer | calls | CPU ms / call-s | % core / 100 calls | mean batch | p50 ms", end="")
    print(" | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        batch = "-" if r.mean_batch is None else f"{r.mean_batch:.1f}"
        print(
            f"| {r.scorer} | {r.calls} | {r.cpu_ms_per_call_s:.2f} | {r.core_pct_per_100:.1f} "
            f"| {batch} | {r.p50_ms:.2f} | {r.p99_ms:.2f} |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=16000, choices=(8000, 16000))
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--no-pipecat", dest="pipecat", action="store_false")
    parser.add_argument("--pipecat-max-calls", type=int, default=50)
    arguments = parser.parse_args()
    _print(asyncio.run(main(arguments)), arguments)
