"""What the sensitive-entry gate adds to each caller audio frame, in nanoseconds.

``framekit serve`` puts a :class:`~framekit.processors.sensitive.SensitiveEntryGate`
after the input transport of every call, so every ``InputAudioFrame`` (50 a second
per call) crosses it. This pushes ``--frames`` 20 ms frames from a first
pass-through processor to a last one that consumes caller audio (as the recorder's
tap does), with in between: another pass-through (the baseline), the gate with no
entry open (every call, nearly all the time), and the gate with an entry open (each
frame replaced by silence). Each figure is the minimum over ``--repeats`` runs, the
variants taking turns (the least disturbed run on a shared machine).

Usage::

    .venv/bin/python benchmarks/bench_sensitive_gate.py
"""

from __future__ import annotations

import argparse
import asyncio
import time

from framekit.audio import PCM16_16K
from framekit.audio.caps import AudioCaps, PipelineFormat
from framekit.frames import Frame, InputAudioFrame, SensitiveEntryRequestFrame
from framekit.pipeline import Pipeline, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor
from framekit.processors.sensitive import SensitiveEntryGate


class _PassThrough(FrameProcessor):
    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)


class _Consumer(_PassThrough):
    """Reads caller audio, so that it must travel the whole chain (as the recorder's tap)."""

    audio_caps = AudioCaps(consumes={InputAudioFrame: PipelineFormat.ANY})


async def _per_frame(middle: FrameProcessor, entry_open: bool, frames: int) -> float:
    """Seconds per frame for ``frames`` audio frames pushed through ``middle``."""
    first, last = _PassThrough(), _Consumer()
    task = PipelineTask(Pipeline([first, middle, last]))
    runner = asyncio.ensure_future(task.run())
    await task.wait_started()
    if entry_open:
        request = SensitiveEntryRequestFrame(timeout=3600.0)
        await last.push_frame(request, FrameDirection.UPSTREAM)
    frame = InputAudioFrame(audio=bytes(640), format=PCM16_16K)
    started = time.perf_counter()
    for _ in range(frames):
        await first.push_frame(frame)
    elapsed = time.perf_counter() - started
    await task.cancel()
    await runner
    return elapsed / frames


async def _main(args: argparse.Namespace) -> None:
    variants = {
        "a pass-through (baseline)": (_PassThrough, False),
        "the gate, no entry open": (SensitiveEntryGate, False),
        "the gate, an entry open": (SensitiveEntryGate, True),
    }
    print(f"{args.frames} InputAudioFrames of 20 ms, min of {args.repeats}")
    best: dict[str, float] = {}
    for _ in range(args.repeats):  # the variants take turns, so drift hits them alike
        for name, (kind, entry_open) in variants.items():
            seconds = await _per_frame(kind(), entry_open, args.frames)
            best[name] = min(best.get(name, seconds), seconds)
    for name, seconds in best.items():
        print(f"  {name:<26} {seconds * 1e9:8.0f} ns per frame")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=21)
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
