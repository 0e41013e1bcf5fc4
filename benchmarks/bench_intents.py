"""Intent engine latency: from a caller's transcribed turn to the reply text, on this CPU.

Target (issue 5): an answer in under 50 ms. Measured per turn with
``time.perf_counter`` around ``IntentEngine.respond``, tools answering at once
(their own latency belongs to the tools). Three kinds of turn:

* ``classify``: a fresh request, one embedding and the classifier (held-out phrasings);
* ``slot``: an answer to a question (an order number), rules only when they find it;
* ``dialogue``: a whole booking (request, time, confirmation), per turn.

Also reports start-up (model load, examples embedded, softmax fitted) and the
embedding alone. The machine is shared: run it twice and read the medians.

Usage::

    .venv/bin/python benchmarks/bench_intents.py            # ~20 s
    .venv/bin/python benchmarks/bench_intents.py --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "intents"))

from heldout import HELDOUT, HELDOUT_LATE

from framekit.intents import IntentEngine
from framekit.models.embeddings import SentenceEmbedder

NOW = dt.datetime(2026, 11, 25, 15, 0)


def tools(name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"status": "shipped", "when": args.get("when"), "answer": "Nine to five.", "slots": []}


def summary(label: str, samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return (
        f"{label:<22} n={len(ordered):>4}  p50 {statistics.median(ordered):6.2f} ms  "
        f"p99 {p99:6.2f} ms  max {ordered[-1]:6.2f} ms"
    )


async def main(rounds: int) -> None:
    start = time.perf_counter()
    embedder = SentenceEmbedder.shared()
    loaded = time.perf_counter()
    engine = IntentEngine(tools, embedder=embedder, clock=lambda: NOW)
    ready = time.perf_counter()
    print(
        f"model load {1e3 * (loaded - start):.0f} ms, engine start {1e3 * (ready - loaded):.0f} ms"
    )

    phrasings = [t for t, _ in HELDOUT + HELDOUT_LATE]
    embed_ms: list[float] = []
    classify_ms: list[float] = []
    slot_ms: list[float] = []
    dialogue_ms: list[float] = []
    for _ in range(rounds):
        for text in phrasings:
            t0 = time.perf_counter()
            embedder.encode_one(text)
            embed_ms.append(1e3 * (time.perf_counter() - t0))
            state = engine.new_state()
            t0 = time.perf_counter()
            await engine.respond(state, text)
            classify_ms.append(1e3 * (time.perf_counter() - t0))
        for _ in range(20):
            state = engine.new_state()
            await engine.respond(state, "has my order shipped")
            t0 = time.perf_counter()
            await engine.respond(state, "forty two seventy one")
            slot_ms.append(1e3 * (time.perf_counter() - t0))
            state = engine.new_state()
            for turn in ("this is jane doe, book me in next friday", "two thirty", "yes please"):
                t0 = time.perf_counter()
                await engine.respond(state, turn)
                dialogue_ms.append(1e3 * (time.perf_counter() - t0))
    print(summary("embedding only", embed_ms))
    print(summary("classify (new request)", classify_ms))
    print(summary("slot answer", slot_ms))
    print(summary("booking, per turn", dialogue_ms))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))
