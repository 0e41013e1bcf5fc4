"""What ``/metrics`` adds to each frame of a call, in nanoseconds.

``framekit serve`` measures each call's turns with a
:class:`~framekit.metrics.prometheus.CallMetrics` listening where frames leave the
pipeline (``ServeMetrics.watch``): once per frame, not once per hop. This measures one
caller audio frame (``InputAudioFrame``, 50 a second per call, which the metrics do
not measure) crossing a pipeline of ``--processors`` pass-through processors to the
sink, without and with the metrics, and ``CallMetrics.on_exit`` alone (``timeit``).
For scale, the same crossing with one per-hop observer that does nothing but a dict
lookup (what the metrics would cost as an observer). Each figure is the minimum over
``--repeats`` runs, the variants taking turns (the least disturbed run on a shared
machine).

Usage::

    .venv/bin/python benchmarks/bench_metrics_observer.py
"""

from __future__ import annotations

import argparse
import asyncio
import time
import timeit
from collections.abc import Callable

from prometheus_client import CollectorRegistry

from framekit.audio import PCM16_16K
from framekit.frames import Frame, InputAudioFrame
from framekit.metrics.prometheus import ServeMetrics
from framekit.pipeline import Pipeline, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor


class _PassThrough(FrameProcessor):
    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)


class _LookupObserver:
    """An observer that only looks the frame's type up, as a per-hop metrics observer would."""

    def __init__(self) -> None:
        self._routes: dict[type, object] = {}

    def on_push(
        self, source: object, destination: object, frame: Frame, direction: object, now: float
    ) -> None:
        if self._routes.get(type(frame)) is not None:
            return


async def _per_frame(
    setup: Callable[[list[FrameProcessor]], PipelineTask], processors: int, frames: int
) -> float:
    """Seconds per frame for ``frames`` audio frames pushed through the pipeline."""
    chain: list[FrameProcessor] = [_PassThrough() for _ in range(processors)]
    task = setup(chain)
    runner = asyncio.ensure_future(task.run())
    await task.wait_started()
    frame = InputAudioFrame(audio=bytes(640), format=PCM16_16K)
    first = chain[0]
    started = time.perf_counter()
    for _ in range(frames):
        await first.push_frame(frame)
    elapsed = time.perf_counter() - started
    await task.cancel()
    await runner
    return elapsed / frames


async def _main(args: argparse.Namespace) -> None:
    metrics = ServeMetrics(CollectorRegistry())

    def watched(chain: list[FrameProcessor]) -> PipelineTask:
        task = PipelineTask(Pipeline(chain))
        metrics.watch(task)
        return task

    variants: dict[str, Callable[[list[FrameProcessor]], PipelineTask]] = {
        "nothing": lambda chain: PipelineTask(Pipeline(chain)),
        "metrics (sink listener)": watched,
        "a per-hop lookup observer": lambda chain: PipelineTask(
            Pipeline(chain), observers=[_LookupObserver()]
        ),
    }
    print(f"{args.processors} processors, {args.frames} InputAudioFrames, min of {args.repeats}")
    best: dict[str, float] = {}
    for _ in range(args.repeats):  # the variants take turns, so drift hits them alike
        for name, setup in variants.items():
            seconds = await _per_frame(setup, args.processors, args.frames)
            best[name] = min(best.get(name, seconds), seconds)
    for name, seconds in best.items():
        print(f"  {name:<26} {seconds * 1e9:8.0f} ns per frame")
    call = metrics.watch(PipelineTask(Pipeline([_PassThrough()])))
    frame = InputAudioFrame(audio=bytes(640), format=PCM16_16K)
    runs = timeit.repeat(lambda: call.on_exit(frame), number=200_000, repeat=args.repeats)
    print(f"  CallMetrics.on_exit (an unmeasured frame): {min(runs) / 200_000 * 1e9:.0f} ns")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processors", type=int, default=10)
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=21)
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
