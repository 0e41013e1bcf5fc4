"""Output transport pacing on the real clock: how late each 20 ms chunk is written.

Each simulated call is a :class:`~framekit.pipeline.PipelineTask` around one
:class:`~framekit.transports.OutputTransport` whose ``write_audio`` only notes the
time. The call gets ``--seconds`` of 16 kHz PCM16 bot audio (10 frames a second,
all queued at once, as a fast TTS would) and converts it to 8 kHz mu-law, the
Twilio wire format (``--wire pcm16k``: no conversion, the transport alone). The
call stays open until the answer has played (the output runs dry, as after each
answer of a real call), then ends.
Every chunk *n* is due at ``t0 + n * 20 ms - send_ahead`` and not before ``t0``
(``t0``: the call's first write; ``--send-ahead``, 0 by default, is Twilio's
80 ms); lateness is ``write time - due``. All calls share one event loop, as they would
in one server process, and start at random offsets within one chunk (real calls
are not in phase).

Reported per number of concurrent calls: lateness p50 / p99 / max over every
chunk of every call, the median lateness of each call's last chunk apart (``tail``:
the partial chunk padded with silence when the audio runs dry, which takes another
path), and CPU time per call-second of audio (process time over calls x seconds).
The CPU is shared: compare rows of one run.

Usage::

    .venv/bin/python benchmarks/bench_transport_pacing.py                 # 1, 100, 500 calls, 3 s
    .venv/bin/python benchmarks/bench_transport_pacing.py --calls 1000 --seconds 5
    .venv/bin/python benchmarks/bench_transport_pacing.py --send-ahead 0.08   # as on Twilio
"""

from __future__ import annotations

import argparse
import asyncio
import time

import numpy as np

from framekit.audio import MULAW_8K, AudioFormat, audio_format
from framekit.frames import BotStoppedSpeakingFrame, OutputAudioFrame
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.transports import OutputTransport

PCM_16K = audio_format(16000)


class TimingOutput(OutputTransport):
    """Notes when each chunk is written; sends nothing."""

    def __init__(self, wire: AudioFormat, send_ahead: float) -> None:
        super().__init__(wire_format=wire, send_ahead=send_ahead)
        self.times: list[float] = []

    async def write_audio(self, chunk: bytes) -> None:
        self.times.append(time.monotonic())


async def _one_call(
    seconds: float, frame_audio: bytes, offset: float, wire: AudioFormat, send_ahead: float
) -> list[float]:
    await asyncio.sleep(offset)
    output = TimingOutput(wire, send_ahead)
    task = PipelineTask(Pipeline([output]), params=PipelineParams(idle_timeout=None))
    frames = [
        OutputAudioFrame(audio=frame_audio, format=PCM_16K) for _ in range(round(seconds * 10))
    ]
    played = asyncio.Event()
    task.on_downstream_exit(
        lambda f: played.set() if isinstance(f, BotStoppedSpeakingFrame) else None
    )
    await task.queue_frames(frames)
    running = asyncio.ensure_future(task.run())
    await played.wait()  # the answer ran dry with the call still open, as on a real call
    await task.stop_when_done()
    await running
    t0, chunk = output.times[0], output.chunk_seconds
    return [t - max(t0, t0 + n * chunk - send_ahead) for n, t in enumerate(output.times)]


async def _run(
    calls: int, seconds: float, wire: AudioFormat, send_ahead: float
) -> tuple[np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(0)
    frame_audio = rng.integers(-3000, 3000, 1600, dtype="<i2").tobytes()  # 100 ms
    cpu0 = time.process_time()
    offsets = rng.uniform(0.0, 0.02, calls)  # calls do not start in phase
    results = await asyncio.gather(
        *(_one_call(seconds, frame_audio, o, wire, send_ahead) for o in offsets)
    )
    cpu = time.process_time() - cpu0
    late = np.concatenate([np.asarray(r) for r in results])
    return late, np.asarray([r[-1] for r in results]), cpu / (calls * seconds)


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
    parser.add_argument(
        "--send-ahead", type=float, default=0.0, help="seconds each chunk is written early"
    )
    args = parser.parse_args()
    wire = MULAW_8K if args.wire == "mulaw8k" else PCM_16K
    header = ("calls", "chunks", "p50 ms", "p99 ms", "max ms", "tail ms", "CPU ms/call-s")
    widths = (6, 8, 8, 8, 8, 8, 14)
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for calls in args.calls:
        late, tail, cpu = asyncio.run(_run(calls, args.seconds, wire, args.send_ahead))
        p50, p99 = np.percentile(late, [50, 99]) * 1000
        print(
            f"{calls:>6} {len(late):>8} {p50:>8.2f} {p99:>8.2f} {late.max() * 1000:>8.2f} "
            f"{np.median(tail) * 1000:>8.2f} {cpu * 1000:>14.2f}"
        )


if __name__ == "__main__":
    main()
