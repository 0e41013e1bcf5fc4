"""What one hop and the start check cost, without the event loop: the parts of suite (c).

Suite (c) of ``run.py`` times a whole task start and end (event loop, tasks, events
included), so a change of a few hundred nanoseconds in one hop hides in its noise.
This drives a chain of ten processors directly (one coroutine, no loop) with a start,
an end and a caller-audio frame, does the same for queued processors, and times the
start-time audio check of the benchmark's pipeline alone. Compare two trees with
``PYTHONPATH=<tree>/src`` in the same session; checks older than the start check skip
that line.

Usage::

    .venv/bin/python benchmarks/core/hops.py
"""

from __future__ import annotations

import timeit
from collections.abc import Callable

from framekit.audio import PCM16_16K
from framekit.frames import EndFrame, Frame, InputAudioFrame, StartFrame
from framekit.pipeline import Pipeline
from framekit.processors import FrameDirection, FrameProcessor, QueuedFrameProcessor

CHAIN = 10


class _PassThrough(FrameProcessor):
    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)


class _QueuedPassThrough(QueuedFrameProcessor):
    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)


def _per_hop(head: FrameProcessor, frame: Frame) -> float:
    """Microseconds per hop for ``frame`` through the chain that starts at ``head``."""

    def drive() -> None:
        coro = head.receive(frame, FrameDirection.DOWNSTREAM)
        try:  # noqa: SIM105 (contextlib.suppress would add its own cost to every hop)
            coro.send(None)
        except StopIteration:
            pass

    return _best(drive) / CHAIN


def _best(fn: Callable[[], object], number: int = 20000) -> float:
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


def main() -> None:
    audio = InputAudioFrame(audio=bytes(640), format=PCM16_16K)
    plain = Pipeline([_PassThrough() for _ in range(CHAIN)])
    print(f"plain hop, start frame    {_per_hop(plain.first, StartFrame()):.3f} µs")
    print(f"plain hop, end frame      {_per_hop(plain.first, EndFrame()):.3f} µs")
    print(f"plain hop, caller audio   {_per_hop(plain.first, audio):.3f} µs")
    queued = Pipeline([_QueuedPassThrough() for _ in range(CHAIN)])
    print(f"queued hop, caller audio  {_per_hop(queued.first, audio):.3f} µs")
    try:
        from framekit.pipeline.negotiation import negotiate_audio
    except ImportError:
        return  # a tree from before the start check
    line, start = Pipeline([_PassThrough() for _ in range(4)]), StartFrame()
    source, sink = FrameProcessor(), FrameProcessor()

    def check() -> None:
        negotiate_audio(line, start, source=source, sink=sink, needed_at_exit=lambda t: False)

    print(f"start check, 4 processors {_best(check):.3f} µs")


if __name__ == "__main__":
    main()
