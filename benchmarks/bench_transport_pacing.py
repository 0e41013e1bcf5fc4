"""Output transport pacing on the real clock: how late each 20 ms chunk is written.

Each simulated call is a :class:`~framekit.pipeline.PipelineTask` around one
:class:`~framekit.transports.OutputTransport` whose ``write_audio`` only notes the
time. The call gets ``--seconds`` of 16 kHz PCM16 bot audio (10 frames a second,
all queued at once, as a fast TTS would) and converts it to 8 kHz mu-law, the
Twilio wire format (``--wire pcm16k``: no conversion, the transport alone).
Every chunk *n* is due at ``t0 + n * 20 ms`` (``t0``: the call's first write);
lateness is ``write time - due``. All calls share one event loop, as they would
in one server process, and start at random offsets within one chunk (real calls
are not in phase).

Reported per number of concurrent calls: lateness p50 / p99 / max over every
chunk of every call, and CPU time per call-second of audio (process time over
calls x seconds). The CPU is shared: compare rows of one run.

Usage::

    .venv/bin/python benchmarks/bench_transport_pacing.py                 # 1, 100, 500 calls, 3 s
    .venv/bin/python benchmarks/bench_transport_pacing.py --calls 1000 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import time

import numpy as np

from framekit.audio import MULAW_8K, AudioFormat, audio_format
from framekit.frames import OutputAudioFrame
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.transports import OutputTransport

PCM_16K = audio_format(16000)


class TimingOutput(OutputTransport):
    """Notes when each chunk is written; sends nothing."""

    def __init__(self, wire: AudioFormat) -> None:
        super().__init__(wire_format=wire)
        self.times: list[float] = []

    async def write_audio(self, chunk: bytes) -> None:
        self.times.append(time.monotonic())


async def _one_call(
    seconds: float, frame_audio: bytes, offset: float, wire: AudioFormat
) -> list[float]:
    await asyncio.sleep(offset)
    output = TimingOutput(wire)
    task = PipelineTask(Pipeline([output]), params=PipelineParams(idle_timeout=None))
    frames = [
        OutputAudioFrame(audio=frame_audio, format=PCM_16K) for _ in range(round(seconds * 10))
    ]
    await task.queue_frames(frames)
    await task.stop_when_done()
    await task.run()
    t0 = output.times[0]
    return [t - (t0 + n * output.chunk_seconds) for n, t in enumerate(output.times)]


async def _run(calls: int, seconds: float, wire: AudioFormat) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(0)
    frame_audio = rng.integers(-3000, 3000, 1600, dtype="<i2").tobytes()  # 100 ms
    cpu0 = time.process_time()
    offsets = rng.uniform(0.0, 0.02, calls)  # calls do not start in phase
    results = await asyncio.gather(*(_one_call(seconds, frame_audio, o, wire) for o in offsets))
    cpu = time.process_time() - cpu0
    return np.concatenate([np.asarray(r) for r in results]), cpu / (calls * seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="*", default=[1, 100, 500])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument(
        "--wire",
        choices=["mulaw8k", "pcm16k"],
        default="mulaw8k",
        help="pcm16k: no conversion, the transport's own cost",
    )
    args = parser.parse_args()
    wire = MULAW_8K if args.wire == "mulaw8k" else PCM_16K
    header = ("calls", "chunks", "p50 ms", "p99 ms", "max ms", "CPU ms/call-s")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (6, 8, 8, 8, 8, 14), strict=True)))
    for calls in args.calls:
        late, cpu = asyncio.run(_run(calls, args.seconds, wire))
        p50, p99 = np.percentile(late, [50, 99]) * 1000
        print(
            f"{calls:>6} {len(late):>8} {p50:>8.2f} {p99:>8.2f} {late.max() * 1000:>8.2f} "
            f"{cpu * 1000:>14.2f}"
        )


if __name__ == "__main__":
    main()
