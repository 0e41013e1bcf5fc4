"""LLM fallback latency: how long the caller is silent when the primary provider fails.

Target (issue 5): from a stalled primary to the next provider's first token in
under 1.5 s. Local fake servers speak each provider's wire protocol and the
official SDKs talk to them (``framekit.testing.fakes``), so what is measured is
the chain's own cost plus the SDKs' and the loopback HTTP stack, not a real
provider's time to first token (add yours: typically 0.3-0.8 s).

Scenarios, each ``--rounds`` times, times from ``loop.time()`` at each event:

* ``stall``: Claude streams 4 words then goes silent (socket open); GPT continues.
  ``silence`` is the primary's last word to the next provider's first word as the
  caller gets it (what the caller hears as a pause); ``after detection`` is that
  minus the stall deadline (the switch itself: close the stream, build the
  continuation, open GPT's stream, first token, seam check).
* ``stall+restart``: as ``stall``, GPT starting the answer over: the seam holds
  the repeated words back and drops them, which adds GPT's streaming of them.
* ``reset``: the connection is reset after 4 words (detected at once).
* ``no first token``: Claude sends headers but no content; the silence budget
  (``--budget``) ends the wait; ``silence`` is from the request.
* ``intents``: Claude and GPT return 500 and their circuits are open: request to
  the offline intent engine's answer (one embedding on this CPU).

Usage::

    .venv/bin/python benchmarks/bench_llm_fallback.py               # ~40 s
    .venv/bin/python benchmarks/bench_llm_fallback.py --stall 0.5 --rounds 10
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import statistics
from collections.abc import Callable
from typing import Any

from loguru import logger

from framekit.conversation.context import LLMContext
from framekit.health import ProviderHealth
from framekit.intents import CONTACT_CENTER_INTENTS, IntentClassifier
from framekit.llm.events import LLMService, TextDelta
from framekit.llm.fallback import CONTINUE_INSTRUCTION, FallbackLink, FallbackLLMService
from framekit.llm.intent_service import IntentEngineService
from framekit.models.embeddings import SentenceEmbedder
from framekit.services.anthropic import AnthropicLLMService
from framekit.services.openai import OpenAILLMService
from framekit.testing.fakes._llm_script import ScriptStep
from framekit.testing.fakes.anthropic_server import (
    FakeAnthropicServer,
    HttpError,
    ResetAfter,
    SlowFirstToken,
    StallAfter,
    Text,
)
from framekit.testing.fakes.openai_server import FakeOpenAIServer

ANSWER = "Your order A17 shipped on Monday and arrives on Friday."
OPENING = 3  # Anthropic's events before the first text delta
SAID = 4  # words the primary gets out before it fails


def gpt(restart: bool) -> Callable[[dict[str, Any]], Text]:
    def brain(request: dict[str, Any]) -> Text:
        messages = request["messages"]
        if not restart and messages[-1]["content"] == CONTINUE_INSTRUCTION:
            partial = str(messages[-2]["content"])
            return Text(ANSWER[len(partial) :].lstrip())
        return Text(ANSWER)

    return brain


def context() -> LLMContext:
    result = LLMContext("You are a phone agent.")
    result.add_user("Where is my order 4271?")
    return result


async def measure(
    step: ScriptStep,
    *,
    stall: float,
    budget: float,
    restart: bool = False,
    last: LLMService | None = None,
    health: ProviderHealth | None = None,
    gpt_down: bool = False,
) -> tuple[float, float, str]:
    """(request -> first word, gap at the seam, the text) for one answer."""
    loop = asyncio.get_running_loop()
    brain = (lambda request: HttpError.server_error()) if gpt_down else gpt(restart)
    async with FakeAnthropicServer([step]) as claude, FakeOpenAIServer(brain) as openai:
        links: list[LLMService | FallbackLink] = [
            FallbackLink(
                AnthropicLLMService(
                    model="claude-fake", base_url=claude.base_url, api_key="k", max_retries=0
                ),
                stall_timeout=stall,
            ),
            OpenAILLMService(
                model="gpt-fake", base_url=openai.base_url, api_key="k", max_retries=0
            ),
        ]
        if last is not None:
            links.append(last)
        chain = FallbackLLMService(links, health=health or ProviderHealth(), silence_budget=budget)
        started = loop.time()
        times: list[float] = []
        text = ""
        async for event in chain.stream(context()):
            if isinstance(event, TextDelta):
                times.append(loop.time())
                text += event.text
        await chain.close()
    first = times[0] - started
    seam = times[SAID] - times[SAID - 1] if len(times) > SAID else float("nan")
    return first, seam, text


def line(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"{label:<34} n={len(ordered):>3}  p50 {statistics.median(ordered) * 1000:7.1f} ms  "
        f"p95 {p95 * 1000:7.1f} ms  max {ordered[-1] * 1000:7.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--stall", type=float, default=1.0, help="the primary's stall deadline")
    parser.add_argument("--budget", type=float, default=1.0, help="the silence budget")
    args = parser.parse_args()
    logger.remove()
    # the fake servers log each stream the client closed early (the stalled ones): expected here
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)

    stalled = Text(ANSWER, faults=[StallAfter(OPENING + SAID)])
    reset = Text(ANSWER, faults=[ResetAfter(OPENING + SAID)])
    silent = Text(ANSWER, faults=[SlowFirstToken(60)])
    results: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for name, step, restart in (
            ("stall", stalled, False),
            ("stall+restart", stalled, True),
            ("reset", reset, False),
        ):
            _, seam, text = await measure(
                step, stall=args.stall, budget=args.budget, restart=restart
            )
            assert text == ANSWER, text
            results.setdefault(f"{name}: silence", []).append(seam)
            if name.startswith("stall"):
                results.setdefault(f"{name}: after detection", []).append(seam - args.stall)
        first, _, text = await measure(silent, stall=args.stall, budget=args.budget)
        assert text == ANSWER, text
        results.setdefault("no first token: silence", []).append(first)

    embedder = SentenceEmbedder.shared()
    classifier = IntentClassifier(CONTACT_CENTER_INTENTS, embedder, threshold=0.30)
    intents = IntentEngineService(
        classifier=classifier,
        tools=lambda name, arguments: {"status": "shipped", "eta": "2026-11-27"},
        clock=lambda: dt.datetime(2026, 11, 25, 15, 0),
    )
    health = ProviderHealth(failure_threshold=1, cooldown=3600)
    down = HttpError.server_error()
    options: dict[str, Any] = {"last": intents, "health": health, "gpt_down": True}
    await measure(down, stall=args.stall, budget=args.budget, **options)  # opens the circuits
    for _ in range(args.rounds):
        first, _, text = await measure(down, stall=args.stall, budget=args.budget, **options)
        assert text.startswith("Order 4 2 7 1 is shipped"), text
        results.setdefault("intents (circuits open): first word", []).append(first)

    print(f"stall deadline {args.stall:g} s, silence budget {args.budget:g} s")
    for label, samples in results.items():
        print(line(label, samples))


if __name__ == "__main__":
    asyncio.run(main())
