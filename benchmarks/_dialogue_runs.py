"""The scenarios of ``bench_dialogue.py`` and their results, and the perfect-transcript runs.

Why a module of its own: the served calls (``_dialogue_calls.py``) and the report
(``_dialogue_report.py``) both read these results, and the text brain is what both
the transcript run and the tracing of a served failure to its cause use.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from framekit_contact_center.scenario import Say, Scenario
from framekit_contact_center.settings import Settings
from framekit_contact_center.simulate import CallSummary, Check, check_call, scenario_settings
from framekit_contact_center.transcript import run_transcript

from framekit.intents import IntentEngine
from framekit.intents.classifier import IntentClassifier

__all__ = ["Brain", "Entry", "Run", "first_line", "select", "settings_of", "transcript_runs"]


def select(paths: Sequence[Path], *, limit: int | None, sample: int | None) -> list[Path]:
    """The first ``limit`` files, or ``sample`` evenly spaced ones (middle of each stretch)."""
    chosen = list(paths)
    if sample is not None and 0 < sample < len(chosen):
        count = len(chosen)
        chosen = [chosen[(2 * i + 1) * count // (2 * sample)] for i in range(sample)]
    if limit is not None:
        chosen = chosen[:limit]
    return chosen


def first_line(scenario: Scenario) -> str | None:
    """The caller's first words (``None`` when the call starts with keys only)."""
    return next((s.text for s in scenario.steps if isinstance(s, Say)), None)


def settings_of(scenario: Scenario) -> Settings:
    """The scenario's settings over the defaults: no environment, no ``.env`` (no LLM key
    may turn the brain into a model's)."""
    return scenario_settings(scenario, environ={}, env_file=None)


@dataclass(slots=True)
class Run:
    """One scenario run one way: its checks, what the call did, the first turn's intent."""

    checks: list[Check]
    summary: CallSummary
    first_intent: str | None = None
    """The first turn's intent out of context (``engine.understand``)."""
    first_request: str | None = None
    """The request the first turn starts, as the dialogue takes it (``engine.recognize``:
    the values said count too)."""
    heard: list[str] = field(default_factory=list)
    """Served: the caller's lines as the server heard them (the record's transcript)."""
    wer: float | None = None
    """Served: word error rate of the heard lines against the scenario's."""
    cause: str | None = None
    """Served and failed: ``dialogue``, ``recognition`` or ``call``."""
    voice: str | None = None
    seconds: float = 0.0
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed for c in self.checks)

    def failed_checks(self) -> list[str]:
        if self.error is not None:
            return [f"error: {self.error}"]
        return [
            f"{c.label} ({c.detail})" if c.detail else c.label for c in self.checks if not c.passed
        ]


@dataclass(slots=True)
class Entry:
    """A scenario, with its text run and (``--served``) its phone call."""

    path: Path
    scenario: Scenario
    transcript: Run | None = None
    served: Run | None = None


class Brain:
    """Text runs of scenarios, one classifier for all (the examples are embedded once)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.classifier: IntentClassifier | None = None
        self.engine: IntentEngine | None = None

    async def run(self, scenario: Scenario) -> tuple[list[Check], CallSummary]:
        """``scenario`` as a perfect transcript, on a fresh shop; its checks and summary."""
        summary, engine = await run_transcript(
            scenario,
            settings_of(scenario),
            classifier=self.classifier,
            store_path=self.workdir / "transcript-shop.db",
        )
        self.classifier = engine.classifier
        self.engine = engine
        return check_call(scenario.expect, summary), summary

    async def first_turn(self, run: Run, text: str | None, now: dt.datetime | None) -> None:
        """Set ``run``'s first-turn intent and request, read from the caller's ``text``."""
        if text is None or self.engine is None:
            return
        run.first_intent = self.engine.understand(text).intent
        run.first_request = await self.engine.recognize(text, now=now)


async def transcript_runs(entries: list[Entry], brain: Brain) -> None:
    """Each scenario as a perfect transcript, a line per scenario as it is done."""
    for n, entry in enumerate(entries, 1):
        started = time.perf_counter()
        checks, summary = await brain.run(entry.scenario)
        entry.transcript = Run(checks, summary, seconds=time.perf_counter() - started)
        await brain.first_turn(entry.transcript, first_line(entry.scenario), entry.scenario.now)
        verdict = "pass" if entry.transcript.passed else "FAIL"
        print(f"  [{n}/{len(entries)}] {verdict}  {entry.path.name}", flush=True)
