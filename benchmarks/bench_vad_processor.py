"""VAD processor cost per call-second: whole calls, real time, through ``SileroVADProcessor``.

``bench_vad.py`` measures the shared engine alone (one window every 32 ms). This
one measures what a call really pays for VAD: 20 ms ``InputAudioFrame`` s pushed
into a :class:`~framekit.pipeline.PipelineTask` per call, in real time, at random
phases, with the processor converting (mu-law rows), cutting windows, awaiting
the batched engine, running the state machine and the energy envelope.

Cost is the process's CPU time (all threads) over the run minus the CPU time of
the same calls through a pass-through processor (transport, tasks and frames
without VAD), divided by the seconds of audio. Latency is from a frame being due
until ``queue_frame`` returns, i.e. until the VAD has scored any window it
completed (the frame itself was passed on before the score was awaited).

Usage::

    .venv/bin/python benchmarks/bench_vad_processor.py                  # 16 kHz PCM16
    .venv/bin/python benchmarks/bench_vad_processor.py --mulaw          # 8 kHz mu-law
    .venv/bin/python benchmarks/bench_vad_processor.py --calls 1 100 --seconds 3
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import time
from collections.abc import Callable

import numpy as np

from framekit.audio import MULAW_8K, PCM16_16K, AudioFormat, mulaw_encode
from framekit.frames import InputAudioFrame
from framekit.models.silero_vad import SileroVADEngine
from framekit.pipeline import PipelineTask
from framekit.pipeline.params import PipelineParams
from framekit.processors import FrameProcessor
from framekit.processors.vad import SileroVADProcessor

FRAME_S = 0.02


def _audio(fmt: AudioFormat, calls: int) -> list[list[bytes]]:
    """4 s a call of noise bursts and pauses, as 20 ms frames (model cost ignores content)."""
    rng = np.random.default_rng(0)
    n = fmt.sample_rate * 4
    out = []
    for _ in range(calls):
        x = rng.normal(0.0, 0.05, n) * (np.sin(np.linspace(0, rng.uniform(5, 20), n)) > 0)
        data = (x * 32767).astype("<i2").tobytes()
        if fmt == MULAW_8K:
            data = mulaw_encode(data)
        size = fmt.bytes_for(FRAME_S)
        out.append([data[i : i + size] for i in range(0, len(data), size)])
    return out


async def _simulate(
    make: Callable[[], FrameProcessor], fmt: AudioFormat, calls: int, seconds: float
) -> tuple[float, list[float]]:
    """Run ``calls`` calls in real time; return process CPU seconds and per-frame latencies."""
    loop = asyncio.get_running_loop()
    audio = _audio(fmt, calls)
    params = PipelineParams(idle_timeout=None, audio_in_sample_rate=fmt.sample_rate)
    tasks = [PipelineTask(make(), params=params) for _ in range(calls)]
    runners = [asyncio.ensure_future(t.run()) for t in tasks]
    await asyncio.gather(*(t.wait_started() for t in tasks))
    count = int(seconds / FRAME_S)
    rng = random.Random(1)
    latencies: list[float] = []

    async def call(task: PipelineTask, frames: list[bytes], start: float) -> None:
        for k in range(count):
            due = start + k * FRAME_S
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await task.queue_frame(InputAudioFrame(audio=frames[k % len(frames)], format=fmt))
            latencies.append(loop.time() - due)

    t0 = loop.time() + 0.05
    gc.collect()
    cpu0 = time.process_time()
    async with asyncio.TaskGroup() as group:
        for task, frames in zip(tasks, audio, strict=True):
            group.create_task(call(task, frames, t0 + rng.uniform(0, FRAME_S)))
    cpu = time.process_time() - cpu0
    for task in tasks:
        await task.stop_when_done()
    await asyncio.gather(*runners)
    return cpu, latencies


async def main(args: argparse.Namespace) -> None:
    fmt = MULAW_8K if args.mulaw else PCM16_16K
    engine = SileroVADEngine(fmt.sample_rate)
    print(f"SileroVADProcessor, {fmt} in 20 ms frames, {args.seconds:g} s of real time a row")
    print("| calls | CPU ms / call-s | % core / 100 calls | mean batch | p50 ms | p99 ms |")
    print("|---:|---:|---:|---:|---:|---:|")
    for calls in args.calls:
        base, _ = await _simulate(FrameProcessor, fmt, calls, args.seconds)
        runs, windows = engine.runs, engine.windows
        cpu, lat = await _simulate(
            lambda: SileroVADProcessor(engine=engine), fmt, calls, args.seconds
        )
        batch = (engine.windows - windows) / max(engine.runs - runs, 1)
        per_call_s = max(cpu - base, 0.0) / (calls * int(args.seconds / FRAME_S) * FRAME_S)
        lat.sort()
        print(
            f"| {calls} | {per_call_s * 1e3:.2f} | {per_call_s * 1e4:.1f} | {batch:.1f} "
            f"| {lat[len(lat) // 2] * 1e3:.2f} | {lat[int(len(lat) * 0.99)] * 1e3:.2f} |",
            flush=True,
        )
    engine.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mulaw", action="store_true", help="8 kHz mu-law instead of 16k PCM16")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 50, 100, 200])
    asyncio.run(main(parser.parse_args()))
