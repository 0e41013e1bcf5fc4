"""VAD processor cost per call-second: whole calls, real time, through ``VADProcessor``.

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

What the calls hear matters since the level gate (:mod:`framekit.processors.vad.gate`)
keeps quiet windows from the model. Each call is a phone call's mix: espeak-ng
sentences for ``--talk`` of the time (default 0.35: a caller talks a third of a
call; the rest is the bot's turn and pauses), white line noise at ``--noise-dbfs``
throughout (default -60 dBFS; -50 is a noisy line), in a 30 s loop that each call
enters at a random point. Each call count runs three ways: pass-through (the
baseline), the VAD as shipped (gate on), and ``gate=None`` (every window scored).
"scored" is the share of windows that went through the model.

Usage::

    .venv/bin/python benchmarks/bench_vad_processor.py                  # 16 kHz PCM16
    .venv/bin/python benchmarks/bench_vad_processor.py --mulaw          # 8 kHz mu-law
    .venv/bin/python benchmarks/bench_vad_processor.py --calls 1 50 200 --noise-dbfs -50
    .venv/bin/python benchmarks/bench_vad_processor.py --talk 0         # line noise only
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import shutil
import subprocess
import tempfile
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soxr

from framekit.audio import MULAW_8K, PCM16_16K, AudioFormat, mulaw_encode
from framekit.frames import InputAudioFrame
from framekit.pipeline import Pipeline, PipelineTask
from framekit.pipeline.params import PipelineParams
from framekit.processors import FrameProcessor
from framekit.processors.convert import AudioConverterProcessor
from framekit.processors.vad import LevelGateParams, VADProcessor
from framekit.services.silero import SileroVADEngine

FRAME_S = 0.02
LOOP_S = 30.0
SENTENCES = (
    "Hello, I would like to check the status of my order.",
    "Can you transfer me to billing, please?",
    "Yes, that is right.",
    "My account number is four five six seven.",
    "No, I already tried that twice.",
    "Thank you very much for your help today.",
)


def _speech(rate: int) -> list[np.ndarray]:
    """The sentences as espeak-ng says them, at ``rate``, without espeak's own silence."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise SystemExit("needs espeak-ng: apt-get install espeak-ng")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(SENTENCES):
            path = Path(tmp) / f"{i}.wav"
            subprocess.run([espeak, "-w", str(path), text], check=True, capture_output=True)
            with wave.open(str(path)) as wav:
                source = wav.getframerate()
                pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
            x = pcm.astype(np.float32) / 32768.0
            loud = np.nonzero(np.abs(x) > 0.01 * np.abs(x).max())[0]
            out.append(soxr.resample(x[loud[0] : loud[-1] + 1], source, rate).astype(np.float32))
    return out


def _loop(rate: int, talk: float, noise_dbfs: float) -> np.ndarray:
    """``LOOP_S`` of a caller's side: sentences for ``talk`` of the time, gaps between, noise."""
    rng = np.random.default_rng(0)
    n = round(LOOP_S * rate)
    x = np.zeros(n, dtype=np.float32)
    if talk > 0:
        speech = _speech(rate)
        chosen: list[np.ndarray] = []
        for k in range(64):  # sentences in turn, each that still fits in the talk time
            sentence = speech[k % len(speech)]
            if sum(map(len, chosen)) + len(sentence) <= talk * n:
                chosen.append(sentence)
        chosen = chosen or speech[:1]
        gap = (n - sum(map(len, chosen))) // len(chosen)
        at = gap // 2
        for sentence in chosen:
            end = min(at + len(sentence), n)
            x[at:end] = sentence[: end - at]
            at = end + gap
        talked = sum(min(len(c), n) for c in chosen) / n
        print(f"{len(chosen)} sentences, speech {talked:.0%} of the {LOOP_S:g} s loop")
    x += rng.normal(0.0, 10 ** (noise_dbfs / 20), n).astype(np.float32)
    return x


def _audio(fmt: AudioFormat, calls: int, loop: np.ndarray) -> list[list[bytes]]:
    """Each call's frames: the loop, rotated to a random point, as 20 ms frames."""
    rng = np.random.default_rng(1)
    data = np.clip(np.round(loop * 32767), -32768, 32767).astype("<i2").tobytes()
    if fmt == MULAW_8K:
        data = mulaw_encode(data)
    size = fmt.bytes_for(FRAME_S)
    frames = [data[i : i + size] for i in range(0, len(data) - size + 1, size)]
    out = []
    for _ in range(calls):
        k = int(rng.integers(len(frames)))
        out.append(frames[k:] + frames[:k])
    return out


async def _simulate(
    make: Callable[[], FrameProcessor], fmt: AudioFormat, audio: list[list[bytes]], seconds: float
) -> tuple[float, list[float]]:
    """Run one call per entry of ``audio`` in real time; return CPU seconds and latencies."""
    loop = asyncio.get_running_loop()
    calls = len(audio)
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


def _maker(
    engine: SileroVADEngine, gate: LevelGateParams | None, made: list[VADProcessor]
) -> Callable[[], FrameProcessor]:
    """A factory of VAD processors on ``engine`` that keeps each one (for its counters).

    The wire's audio (mu-law, with ``--mulaw``) is converted before the VAD, as an
    input transport would: the VAD consumes PCM16 at the call's rate only.
    """

    def make() -> FrameProcessor:
        made.append(VADProcessor(engine, gate=gate))
        return Pipeline([AudioConverterProcessor(), made[-1]])

    return make


async def main(args: argparse.Namespace) -> None:
    fmt = MULAW_8K if args.mulaw else PCM16_16K
    engine = SileroVADEngine(fmt.sample_rate, coalesce=args.coalesce_ms / 1000)
    loop = _loop(fmt.sample_rate, args.talk, args.noise_dbfs)
    print(
        f"VADProcessor, {fmt} in 20 ms frames, {args.seconds:g} s of real time a row; "
        f"talk {args.talk:.0%}, line noise {args.noise_dbfs:g} dBFS, "
        f"engine coalesce {args.coalesce_ms:g} ms"
    )
    print(
        "| calls | gate | CPU ms / call-s | % core / 100 calls | scored | mean batch | p50 ms",
        end="",
    )
    print(" | p99 ms |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    gates: dict[str, LevelGateParams | None] = {"on": LevelGateParams(), "off": None}
    for calls in args.calls:
        audio = _audio(fmt, calls, loop)
        base, _ = await _simulate(FrameProcessor, fmt, audio, args.seconds)
        for name in args.gates:
            made: list[VADProcessor] = []
            make = _maker(engine, gates[name], made)
            runs, windows = engine.runs, engine.windows
            cpu, lat = await _simulate(make, fmt, audio, args.seconds)
            batch = (engine.windows - windows) / max(engine.runs - runs, 1)
            scored = sum(v.windows_scored for v in made)
            total = scored + sum(v.windows_skipped for v in made)
            per_call_s = max(cpu - base, 0.0) / (calls * int(args.seconds / FRAME_S) * FRAME_S)
            lat.sort()
            print(
                f"| {calls} | {name} | {per_call_s * 1e3:.2f} | {per_call_s * 1e4:.1f} "
                f"| {scored / max(total, 1):.0%} | {batch:.1f} "
                f"| {lat[len(lat) // 2] * 1e3:.2f} | {lat[int(len(lat) * 0.99)] * 1e3:.2f} |",
                flush=True,
            )
    engine.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mulaw", action="store_true", help="8 kHz mu-law instead of 16k PCM16")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--talk", type=float, default=0.35, help="share of the call with speech")
    parser.add_argument("--noise-dbfs", type=float, default=-60.0, help="line noise level")
    parser.add_argument(
        "--coalesce-ms", type=float, default=0.0, help="engine's coalesce (0: next loop tick)"
    )
    parser.add_argument("--gates", nargs="+", default=["on", "off"], choices=("on", "off"))
    asyncio.run(main(parser.parse_args()))
