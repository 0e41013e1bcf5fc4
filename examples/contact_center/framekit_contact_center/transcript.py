"""Scenario calls with a perfect transcript: the caller's lines reach the brain as text.

Why: what a scenario checks is the conversation (which tools ran, how the call
ended), and a speech round trip both costs seconds per turn and mixes recognition
errors into a dialogue result. Here each ``say`` step is handed to the offline
brain exactly as written and each ``press`` as the digits a keypad entry carries,
against a freshly seeded shop on the scenario's clock, so the whole corpus runs
in seconds (``framekit simulate --transcript``) and a failure is the dialogue's
own. The spoken path stays what users take: ``framekit simulate`` without the
option and the served benchmark (``benchmarks/bench_dialogue.py --served``).

The result is a :class:`~framekit_contact_center.simulate.CallSummary`, checked
by the same :func:`~framekit_contact_center.simulate.check_call` as a spoken call.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from framekit.frames import EndCause
from framekit.intents import IntentEngine, registry_caller
from framekit.intents.classifier import IntentClassifier
from framekit.storage.outcome import OutcomeTracker
from framekit_contact_center.bot import intent_engine
from framekit_contact_center.data import BusinessStore
from framekit_contact_center.offline import brief, open_store
from framekit_contact_center.scenario import Press, Say, Scenario
from framekit_contact_center.seed import seed_store
from framekit_contact_center.settings import Settings
from framekit_contact_center.simulate import CallSummary, ToolUse
from framekit_contact_center.tools import build_tools

__all__ = ["caller_lines", "run_transcript"]


async def run_transcript(
    scenario: Scenario,
    settings: Settings,
    *,
    classifier: IntentClassifier | None = None,
    out: TextIO | None = None,
    store_path: Path | None = None,
) -> tuple[CallSummary, IntentEngine]:
    """One scenario as a text conversation with the offline brain; returns what it did.

    ``classifier`` (from an earlier run) saves embedding the intents' examples again.
    The engine is returned so the caller can reuse its classifier.
    """
    now = scenario.now or dt.datetime.now().replace(second=0, microsecond=0)
    store = await asyncio.to_thread(_fresh_store, settings, now.date(), store_path)
    tools = build_tools(store, transfer_to=settings.transfer_number, clock=lambda: now)
    engine = intent_engine(registry_caller(tools), classifier=classifier, clock=lambda: now)
    state = engine.new_state()
    tracker = OutcomeTracker()
    summary = CallSummary()
    for text in caller_lines(scenario.steps):
        if state.ended:
            break
        _line(out, f"caller: {text}")
        tracker.caller_said(text)
        reply = await engine.respond(state, text, now=now)
        for call in reply.tool_calls:
            summary.tools.append(ToolUse(call.name, dict(call.arguments), call.result, call.error))
            tracker.tool_finished(call.name, call.result, call.error)
            outcome = f"error: {call.error}" if call.error else brief(call.result)
            _line(out, f"  tool  {call.name}({_arguments(call.arguments)}) -> {outcome}")
        summary.replies.append(reply.text)
        _line(out, f"bot:    {reply.text}")
    transferred = any(t.name == "transfer_to_human" and t.succeeded for t in summary.tools)
    if state.ended:
        summary.ended_by = "bot"
        cause = EndCause.TRANSFERRED if transferred else EndCause.BOT_HUNG_UP
    else:
        cause = EndCause.CALLER_HUNG_UP
    summary.outcome = tracker.decide(cause).value
    return summary, engine


def _fresh_store(settings: Settings, today: dt.date, path: Path | None) -> BusinessStore:
    """A newly seeded shop at ``path`` (default: next to ``BUSINESS_DB_PATH``)."""
    if path is None:
        return open_store(settings, today, "transcript-shop.db")
    path.unlink(missing_ok=True)
    store = BusinessStore(path)
    seed_store(store, today=today)
    return store


def caller_lines(steps: Sequence[Any]) -> list[str]:
    """What the brain reads for each step: the words said, or the keys of an entry."""
    lines = []
    for step in steps:
        if isinstance(step, Say):
            lines.append(step.text)
        elif isinstance(step, Press):
            entry = step.digits.rsplit("*", 1)[-1].rstrip("#")  # '*' clears, '#' ends
            if entry:
                lines.append(entry)
    return lines


def _arguments(arguments: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in arguments.items())


def _line(out: TextIO | None, text: str) -> None:
    if out is not None:
        out.write(text + "\n")
