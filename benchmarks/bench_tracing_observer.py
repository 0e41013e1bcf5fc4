"""What a call's tracer costs on each frame hop, in nanoseconds (``timeit``).

A traced call has one more observer, :class:`~framekit.tracing.call.CallTracer`, called
on every hop. This times :meth:`CallTracer.on_push` alone, with a call span open, for
the frames that come by the dozen every second: caller audio (``InputAudioFrame``,
which the trace never reads), and the TTS's audio and the LLM's text chunks once the
first of their response has been seen (their route is then switched off). For scale,
the cost of calling an empty function the same way. Each figure is the minimum over
``--repeats`` runs of ``--number`` calls.

Usage::

    .venv/bin/python benchmarks/bench_tracing_observer.py
"""

from __future__ import annotations

import argparse
import functools
import timeit
from collections.abc import Callable

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from framekit.audio import PCM16_16K
from framekit.frames import Frame, InputAudioFrame, LLMTextFrame, StartFrame, TTSAudioFrame
from framekit.processors import FrameDirection, FrameProcessor
from framekit.tracing import Tracing

DOWNSTREAM = FrameDirection.DOWNSTREAM


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--number", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    tracing = Tracing(exporter=InMemorySpanExporter())
    tracer = tracing.call("bench", transport="bench")
    source, destination = FrameProcessor(), FrameProcessor()
    tracer.on_push(source, destination, StartFrame(), DOWNSTREAM, 0.0)  # the call span opens
    frames: dict[str, Frame] = {
        "InputAudioFrame (not traced)": InputAudioFrame(audio=bytes(320), format=PCM16_16K),
        "TTSAudioFrame (switched off)": TTSAudioFrame(audio=bytes(320), format=PCM16_16K),
        "LLMTextFrame (switched off)": LLMTextFrame(text="chunk"),
    }

    def best(call: Callable[[], object]) -> float:
        runs: list[float] = timeit.repeat(call, number=args.number, repeat=args.repeats)
        return float(min(runs) / args.number * 1e9)

    for name, frame in frames.items():
        tracer.on_push(source, destination, frame, DOWNSTREAM, 1.0)  # its first: switches it off
        cost = best(functools.partial(tracer.on_push, source, destination, frame, DOWNSTREAM, 1.0))
        print(f"  {name:<30} {cost:5.0f} ns per hop")

    def nothing(*_: object) -> None:
        return None

    cost = best(functools.partial(nothing, source, destination, frame, DOWNSTREAM, 1.0))
    print(f"  {'an empty function, same call':<30} {cost:5.0f} ns")
    tracing.shutdown()


if __name__ == "__main__":
    main()
