"""``framekit simulate``: scripted calls to the offline bot, checked against expectations.

Each scenario (:mod:`framekit_contact_center.scenario`) runs as one offline call,
exactly as ``framekit demo`` runs its own (:mod:`framekit_contact_center.offline`):
a freshly seeded shop, the caller's lines spoken by Piper, the keys sent as
DTMF, the bot on the configured stack, the call recorded to ``DATABASE_URL``.
Then every expectation is checked against what the call did.

Exit status: 0 when every check of every scenario passed, 1 when one failed, 2
when a scenario file or the configuration is invalid (nothing runs then).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from framekit_contact_center.scenario import (
    Expectations,
    Press,
    Say,
    Scenario,
    ScenarioError,
    Step,
    load_scenario,
)
from framekit_contact_center.settings import Settings, SettingsError, load_settings, shop_clock

__all__ = [
    "CallSummary",
    "Check",
    "ScenarioResult",
    "ToolUse",
    "check_call",
    "scenario_settings",
    "simulate",
    "summarize",
]


@dataclass(frozen=True, slots=True)
class Check:
    """One expectation's verdict; ``detail`` says what the call did instead, or what matched."""

    label: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ToolUse:
    """One tool the bot ran during a call, with what came back."""

    name: str
    arguments: dict[str, Any]
    result: Any = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        """It ran and did not answer with ``{"error": ...}``."""
        return self.error is None and not (
            isinstance(self.result, Mapping) and self.result.get("error")
        )


@dataclass(slots=True)
class CallSummary:
    """What a call did, as the checks see it: a spoken call's or a text conversation's.

    ``turn_latencies`` and ``interruptions`` are ``None`` when the call had no audio
    to time (a perfect-transcript run): their expectations are then not checked.
    """

    tools: list[ToolUse] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    outcome: str = ""
    ended_by: str = "caller"
    timed_out: bool = False
    wall: float = 0.0
    unanswered: int = 0
    turn_latencies: list[float] | None = None
    interruptions: int | None = None


@dataclass(slots=True)
class ScenarioResult:
    """A scenario's checks, what the call did, and the spoken call when there was one."""

    scenario: Scenario
    summary: CallSummary
    checks: list[Check] = field(default_factory=list)
    call: Any = None
    """The :class:`~framekit_contact_center.offline.CallResult` (``None`` for text runs)."""

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


def simulate(
    paths: Sequence[Path],
    *,
    fast: bool = False,
    transcript: bool = False,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Validate every scenario file, run each as a call, report; returns the exit status.

    ``transcript``: each call is a text conversation with the brain (a perfect
    transcript, no speech; :mod:`framekit_contact_center.transcript`).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        import yaml  # noqa: F401
    except ImportError:
        err.write("framekit simulate: needs PyYAML: pip install 'framekit[simulate]'\n")
        return 2
    scenarios: list[Scenario] = []
    problems: list[str] = []
    for path in paths:
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as exc:
            problems += exc.problems
    runs: list[tuple[Scenario, Settings]] = []
    for scenario in scenarios:
        try:
            runs.append((scenario, scenario_settings(scenario, environ)))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        err.write(f"framekit simulate: {len(problems)} problem(s):\n")
        err.write("".join(f"  {problem}\n" for problem in problems))
        return 2
    live = err if as_json else out
    try:
        run = _run_texts(runs, live=live) if transcript else _run_all(runs, fast=fast, live=live)
        results = asyncio.run(run)
    except ImportError as exc:
        err.write(f"framekit simulate: {exc}\n")
        return 2
    if as_json:
        out.write(json.dumps(_as_json(results), indent=2, default=str) + "\n")
    else:
        _print_summary(out, results)
    return 0 if all(r.passed for r in results) else 1


def scenario_settings(
    scenario: Scenario,
    environ: Mapping[str, str] | None = None,
    env_file: Path | None = Path(".env"),
) -> Settings:
    """The settings a scenario runs with: its ``settings`` over the environment and ``.env``."""
    base = dict(os.environ if environ is None else environ)
    try:
        return load_settings({**base, **scenario.settings}, env_file)
    except SettingsError as exc:
        problems = []
        for variable, problem in exc.problems:
            key = next((k for k in scenario.settings if k == variable), None)
            if key is not None:
                problems.append(f"{scenario.where(_settings_path(scenario, key))}: {problem}")
            else:
                problems.append(f"{scenario.path}: environment {variable}: {problem}")
        raise ScenarioError(problems) from None


def _settings_path(scenario: Scenario, variable: str) -> str:
    """The field path as written in the file (``settings.transfer_number`` or upper case)."""
    for path in scenario.lines:
        if path.startswith("settings.") and path[9:].upper() == variable:
            return path
    return f"settings.{variable}"


# --- running -------------------------------------------------------------------------------


async def _run_all(
    runs: list[tuple[Scenario, Settings]], *, fast: bool, live: TextIO
) -> list[ScenarioResult]:
    from framekit.audio import PCM16_16K
    from framekit.intents import registry_caller
    from framekit.services.piper import PiperEngine
    from framekit_contact_center.bot import intent_engine
    from framekit_contact_center.caller import ScriptedCaller
    from framekit_contact_center.offline import open_store, run_call
    from framekit_contact_center.tools import build_tools

    results = []
    classifier = None  # embeds the intents' examples once for every scenario
    live.write(f"Loading the offline models for {len(runs)} scenario(s)...\n")
    live.flush()
    for n, (scenario, settings) in enumerate(runs, 1):
        now = scenario.now
        clock = shop_clock(settings) if now is None else (lambda now=now: now)
        store = open_store(settings, clock().date(), "simulate-shop.db")
        tools = build_tools(store, transfer_to=settings.transfer_number, clock=clock)
        piper = await PiperEngine.shared_async(settings.tts_voice)
        engine = await asyncio.to_thread(
            intent_engine, registry_caller(tools), classifier=classifier, clock=clock
        )
        classifier = engine.classifier
        steps = await asyncio.to_thread(_caller_steps, piper, scenario.steps)
        caller = ScriptedCaller(steps, PCM16_16K, realtime=True)
        realtime = not fast or scenario.has_barge_in
        pace = "in real time" if not fast else "fast"
        if fast and realtime:
            pace = "in real time (the caller barges in: the bot's answers must play)"
        live.write(f"\n[{n}/{len(runs)}] {scenario.name} ({scenario.path}), {pace}\n")
        live.flush()
        call = await run_call(
            live,
            settings,
            caller,
            tools=tools,
            engine=engine,
            name="simulate",
            realtime_output=realtime,
            call_limit=scenario.timeout,
        )
        summary = summarize(call)
        result = ScenarioResult(scenario, summary, check_call(scenario.expect, summary), call)
        _print_result(live, result)
        results.append(result)
    return results


async def _run_texts(
    runs: list[tuple[Scenario, Settings]], *, live: TextIO
) -> list[ScenarioResult]:
    from framekit_contact_center.transcript import run_transcript

    results = []
    classifier = None
    live.write(f"Loading the intent model for {len(runs)} scenario(s)...\n")
    for n, (scenario, settings) in enumerate(runs, 1):
        live.write(f"\n[{n}/{len(runs)}] {scenario.name} ({scenario.path}), perfect transcript\n")
        summary, engine = await run_transcript(scenario, settings, classifier=classifier, out=live)
        classifier = engine.classifier
        result = ScenarioResult(scenario, summary, check_call(scenario.expect, summary))
        _print_result(live, result)
        results.append(result)
    return results


def _caller_steps(piper: Any, steps: Sequence[Step]) -> list[Any]:
    from framekit_contact_center.caller import Keys, Silence, Speak
    from framekit_contact_center.offline import synthesize

    said = iter(synthesize(piper, [s.text for s in steps if isinstance(s, Say)]))
    caller_steps: list[Any] = []
    for step in steps:
        if isinstance(step, Say):
            caller_steps.append(Speak(next(said), barge_in=step.barge_in))
        elif isinstance(step, Press):
            caller_steps.append(Keys(step.digits))
        else:
            caller_steps.append(Silence(step.seconds))
    return caller_steps


# --- checking ------------------------------------------------------------------------------


def summarize(call: Any) -> CallSummary:
    """The :class:`CallSummary` of a spoken offline call (a ``CallResult``)."""
    from framekit_contact_center.offline import TOO_LONG

    console, task = call.console, call.task
    return CallSummary(
        tools=[
            ToolUse(t.function_name, dict(t.arguments), t.result, t.error) for t in console.tools
        ],
        replies=list(console.replies),
        outcome=call.outcome,
        ended_by="bot" if console.ended_by_bot else "caller",
        timed_out=task.end_reason == TOO_LONG,
        wall=call.wall,
        unanswered=call.caller.unanswered,
        turn_latencies=list(task.metrics.turn_latencies),
        interruptions=console.interruptions,
    )


def check_call(expect: Expectations, call: CallSummary) -> list[Check]:
    """Every expectation checked against what ``call`` did.

    Two checks always run: the call ended before the scenario's timeout, and the
    bot answered every turn the caller waited on.
    """
    calls = [(t.name, t.arguments) for t in call.tools]
    shown = ", ".join(_call_text(name, args) for name, args in calls) or "none"
    checks = [
        Check(
            "the call ended before the timeout",
            not call.timed_out,
            f"cancelled after {call.wall:.0f} s" if call.timed_out else "",
        ),
        Check(
            "the bot answered every caller turn",
            call.unanswered == 0,
            f"{call.unanswered} turn(s) unanswered" if call.unanswered else "",
        ),
    ]
    for tool in expect.tools_called:
        label = f"tool called: {_call_text(tool.name, tool.arguments)}"
        match = next((a for n, a in calls if n == tool.name and _subset(tool.arguments, a)), None)
        detail = _call_text(tool.name, match) if match is not None else f"tools called: {shown}"
        checks.append(Check(label, match is not None, detail))
    for name in expect.tools_not_called:
        used = [_call_text(n, a) for n, a in calls if n == name]
        checks.append(Check(f"tool not called: {name}", not used, ", ".join(used)))
    if expect.outcome is not None:
        outcome = call.outcome
        checks.append(Check(f"outcome: {expect.outcome}", outcome == expect.outcome, outcome))
    if expect.ended_by is not None:
        by = call.ended_by
        checks.append(Check(f"ended by: {expect.ended_by}", by == expect.ended_by, by))
    spoken = _normal(" ".join(call.replies))
    for phrase in expect.bot_says:
        found = _normal(phrase) in spoken
        detail = "" if found else f"not in any of the bot's {len(call.replies)} replies"
        checks.append(Check(f"bot says: {phrase!r}", found, detail))
    latencies = call.turn_latencies
    if expect.max_turn_latency is not None and latencies is not None:
        worst = max(latencies, default=None)
        checks.append(
            Check(
                f"every turn's latency at most {expect.max_turn_latency:g} s",
                worst is not None and worst <= expect.max_turn_latency,
                f"max {worst:.2f} s over {len(latencies)} turns" if worst else "no turn answered",
            )
        )
    if expect.interrupted is not None and call.interruptions is not None:
        cut = call.interruptions
        label = "the caller interrupted the bot" if expect.interrupted else "no interruption"
        checks.append(Check(label, (cut > 0) == expect.interrupted, f"{cut} interruption(s)"))
    return checks


def _subset(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> bool:
    for key, value in expected.items():
        if key not in actual:
            return False
        got = actual[key]
        if got != value and str(got).strip().lower() != str(value).strip().lower():
            return False
    return True


def _call_text(name: str, arguments: Mapping[str, Any]) -> str:
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in arguments.items())})"


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


# --- reporting -----------------------------------------------------------------------------


def _print_result(out: TextIO, result: ScenarioResult) -> None:
    call, summary = result.call, result.summary
    passed = sum(c.passed for c in result.checks)
    verdict = "PASS" if result.passed else "FAIL"
    record = ""
    if call is not None and call.record is not None:
        record = f", call record {call.record.call.id}"
    lines = [
        "",
        f"{verdict}  {result.scenario.name}: {passed}/{len(result.checks)} checks "
        f"({summary.wall:.1f} s, outcome {summary.outcome}{record})",
    ]
    for c in result.checks:
        detail = f"  ({c.detail})" if c.detail else ""
        lines.append(f"  {'ok  ' if c.passed else 'FAIL'}  {c.label}{detail}")
    out.write("\n".join(lines) + "\n")
    out.flush()


def _print_summary(out: TextIO, results: list[ScenarioResult]) -> None:
    failed = [r for r in results if not r.passed]
    out.write(f"\n{len(results) - len(failed)} of {len(results)} scenario(s) passed.\n")
    for r in failed:
        checks = sum(not c.passed for c in r.checks)
        out.write(f"  FAIL  {r.scenario.name} ({r.scenario.path}): {checks} check(s) failed\n")
    out.flush()


def _as_json(results: list[ScenarioResult]) -> dict[str, Any]:
    scenarios = []
    for r in results:
        call, summary = r.call, r.summary
        entry: dict[str, Any] = {
            "name": r.scenario.name,
            "file": str(r.scenario.path),
            "passed": r.passed,
            "checks": [
                {"check": c.label, "passed": c.passed, "detail": c.detail} for c in r.checks
            ],
            "outcome": summary.outcome,
            "wall_s": round(summary.wall, 3),
            "tools": [
                {"name": t.name, "arguments": t.arguments, "result": t.result, "error": t.error}
                for t in summary.tools
            ],
            "bot_replies": summary.replies,
        }
        if call is not None:
            entry.update(
                end_reason=call.task.end_reason,
                call_id=call.record.call.id if call.record is not None else None,
                turn_latencies_s=[round(v, 3) for v in summary.turn_latencies or ()],
                recordings={"bot": str(call.wavs[0]), "caller": str(call.wavs[1])},
            )
        scenarios.append(entry)
    return {"passed": all(r.passed for r in results), "scenarios": scenarios}
