"""Task success of the contact-center bot on the caller scenarios: as text, and as phone calls.

Why: a scenario (``examples/contact_center/scenarios/corpus/{dev,test}``, the format of
``docs/simulate.md`` plus ``now:`` and ``intent:``) says what a caller does and what the
call must show. Run as a perfect transcript it measures the dialogue alone; run as a
real phone call to ``framekit serve`` it measures what a caller gets, recognition of
voices the recognizer was not tuned on included. The gap between the two is what the
phone path costs, and each served failure is traced to its cause.

Two modes, on the scenarios of one split:

* ``--transcript`` (default): each scenario through
  :func:`framekit_contact_center.transcript.run_transcript` (the caller's lines reach
  the offline brain as text, against a freshly seeded shop on the scenario's clock).
  Reports task success (every check of
  :func:`~framekit_contact_center.simulate.check_call` passes) and first-turn intent
  accuracy (``engine.understand(first line).intent`` against the scenario's
  ``intent``).
* ``--served``: the transcript run first, then each scenario as a phone call. One
  :class:`~framekit_contact_center.server.ContactCenterServer` per scenario, in this
  process, on a loopback port (``tests/contact_center/_serving.py``), with a fresh
  shop seeded for the scenario's day and its clock pinned to the scenario's ``now``
  (every server is loaded before the first call, so that loading never competes
  with a call for the CPU); call control goes to
  :class:`~framekit.testing.fakes.twilio_api.FakeTwilioAPI`. The caller is
  ``tests/phone_network.py`` (a Twilio network written from the public protocol,
  sharing no code with the server: 8 kHz mu-law, real-time pace). It waits for the
  greeting to end, then for each step: ``say`` is spoken by a caller voice of
  ``tests/accuracy/voices.py`` (espeak-ng, flite and festival voices, never the bot's
  own Piper; one voice per scenario, in turn), ``press`` is DTMF, ``wait`` is
  silence; after each step it waits for the bot's answer to be heard out. The call
  record is then read from the calls API (tools with their arguments and results,
  outcome, transcript, turn latencies) into a
  :class:`~framekit_contact_center.simulate.CallSummary` and checked.

A served failure is put down to one of three causes:

* ``dialogue``: the same scenario fails as a perfect transcript too;
* ``recognition``: the caller's lines as the server heard them (the call record's
  transcript), replayed as text to a fresh brain, fail the checks: what was misheard
  explains the failure;
* ``call``: what was heard passes as text, so something only the call has went
  wrong: the recognizer's low confidence (the served brain checks unsure words with
  the caller; text carries no confidence), a slow turn (a silence prompt), a turn
  split in two, the hang-up.

Selection: ``--limit N`` takes the first N scenarios, ``--sample N`` N evenly spaced
ones (the files are numbered by category, so a sample spreads over all of them).
Rules are tuned on ``--split dev``, ``dev2`` and ``dev3``; ``--split test`` is only measured, and
``--record`` appends the results, the command, the date, the commit and the machine
to ``benchmarks/dialogue_runs.jsonl``.

Usage::

    .venv/bin/python benchmarks/bench_dialogue.py --split dev
    .venv/bin/python benchmarks/bench_dialogue.py --split test --record
    .venv/bin/python benchmarks/bench_dialogue.py --served --split test --sample 12 \\
        --concurrency 2 --record

A served call takes about as long as a real one (half a minute or more); on two
cores keep ``--concurrency`` at 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the phone network, the caller voices, the server helper

from framekit_contact_center.scenario import (  # noqa: E402
    Press,
    Say,
    Scenario,
    Step,
    Wait,
    load_scenario,
)
from framekit_contact_center.settings import Settings  # noqa: E402
from framekit_contact_center.simulate import (  # noqa: E402
    CallSummary,
    Check,
    ToolUse,
    check_call,
    scenario_settings,
)
from framekit_contact_center.transcript import caller_lines, run_transcript  # noqa: E402

from accuracy.voices import Voice, available_voices, synthesize  # noqa: E402
from accuracy.wer import word_error_rate  # noqa: E402
from framekit.intents import IntentEngine  # noqa: E402
from framekit.intents.classifier import IntentClassifier  # noqa: E402

CORPUS = ROOT / "examples" / "contact_center" / "scenarios" / "corpus"
RESULTS = Path(__file__).resolve().parent / "dialogue_runs.jsonl"

ACCOUNT = "AC" + "3" * 32
AUTH_TOKEN = "bench-dialogue-auth-token-0123456789"
API_TOKEN = "bench-dialogue-api-token-0123456789"
PUBLIC = "https://bot.example.test"
SHOP_NUMBER = "+15550000000"

GREETING_TIMEOUT = 30.0  # seconds for the greeting to start and be heard out
ANSWER_TIMEOUT = 20.0  # seconds from the end of a step to the bot's first audible answer
HEARD_OUT = 1.0  # seconds of quiet at the caller's ear that end the bot's answer
REPLY_TIMEOUT = 60.0  # seconds for one answer to be heard out once it started
KEY_GAP = 0.1  # seconds between two keys of one entry
HANG_UP_WAIT = 3.0  # seconds the caller gives the bot to hang up after its last answer


# --- scenarios ---------------------------------------------------------------------------------


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


# --- results -----------------------------------------------------------------------------------


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
    for n, entry in enumerate(entries, 1):
        started = time.perf_counter()
        checks, summary = await brain.run(entry.scenario)
        entry.transcript = Run(checks, summary, seconds=time.perf_counter() - started)
        await brain.first_turn(entry.transcript, first_line(entry.scenario), entry.scenario.now)
        verdict = "pass" if entry.transcript.passed else "FAIL"
        print(f"  [{n}/{len(entries)}] {verdict}  {entry.path.name}", flush=True)


# --- served calls ------------------------------------------------------------------------------


@dataclass(slots=True)
class Prepared:
    """A scenario's server, preloaded but not listening yet, and its caller's speech."""

    server: Any  # ContactCenterServer
    voice: Voice
    speech: dict[str, tuple[bytes, Any]]
    """Each ``say`` text as ``(pcm16, AudioFormat)`` in the caller's voice."""


async def prepare(entry: Entry, voice: Voice, api: Any, folder: Path, phrases: Any) -> Prepared:
    """The scenario's own server (a fresh shop on the scenario's clock), models loaded.

    Done for every scenario before the first call, so that no call shares the CPU
    with another server's loading or with the synthesis of a caller's lines. The
    servers share one phrase cache (the greeting and prompts), as the calls of one
    ``framekit serve`` process do.
    """
    from framekit_contact_center.server import ContactCenterServer

    scenario = entry.scenario
    now = scenario.now or dt.datetime.now().replace(second=0, microsecond=0)
    settings = replace(
        settings_of(scenario),
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=AUTH_TOKEN,
        twilio_phone_number=SHOP_NUMBER,
        webhook_base_url=PUBLIC,
        api_token=API_TOKEN,
        database_url=f"sqlite:///{folder / 'calls.db'}",
        business_db_path=folder / "shop.db",
        recordings_dir=folder / "recordings",
        spool_dir=folder / "spool",
        twilio_api_base_url=api.url,
    )
    speech = {
        s.text: await asyncio.to_thread(synthesize, voice, s.text)
        for s in scenario.steps
        if isinstance(s, Say)
    }
    server = ContactCenterServer(settings, clock=lambda: now)
    server.phrases = phrases
    await server.preload()
    return Prepared(server, voice, speech)


async def served_call(entry: Entry, prepared: Prepared, api: Any, starting: asyncio.Lock) -> Run:
    """``entry``'s scenario as one phone call to its prepared server; the checked result.

    ``starting`` lets one server start at a time: each migrates its calls database
    as it starts, and Alembic's migrations are not safe in two threads of a process.
    """
    from contact_center._serving import listening
    from phone_network import PhoneNetwork

    scenario, voice = entry.scenario, prepared.voice
    async with contextlib.AsyncExitStack() as stack:
        async with starting:
            host, port, _, _ = await stack.enter_async_context(listening(prepared.server))
        started = time.monotonic()
        base_url = f"http://{host}:{port}"
        async with PhoneNetwork(base_url, PUBLIC, AUTH_TOKEN, ACCOUNT) as network:
            call = await network.call(call_sid=api.add_call(to=SHOP_NUMBER))
            unanswered, timed_out = 0, False
            try:
                async with asyncio.timeout(scenario.timeout) as limit:
                    unanswered = await _caller(call, scenario.steps, prepared.speech)
            except TimeoutError:
                timed_out = limit.expired()
            except ConnectionError:
                pass  # the bot hung up before the caller was done: the checks will say so
            ended_by = "bot" if call.closed_by_server else "caller"
            if not call.closed_by_server:
                await call.hang_up()
            record = await _record_of(base_url, call.call_sid)
            wall = time.monotonic() - started
    summary = CallSummary(
        tools=[
            ToolUse(t["name"], dict(t["arguments"] or {}), t["result"], t["error"])
            for t in record["tools"]
        ],
        replies=[s["text"] for s in record["transcript"] if s["speaker"] == "bot"],
        outcome=record["outcome"] or "",
        ended_by=ended_by,
        timed_out=timed_out,
        wall=wall,
        unanswered=unanswered,
        turn_latencies=[float(t["latency_s"]) for t in record["turns"]],
        interruptions=sum(
            1 for s in record["transcript"] if s["speaker"] == "bot" and s["truncated"]
        ),
    )
    heard = [s["text"] for s in record["transcript"] if s["speaker"] == "user"]
    expected = caller_lines(scenario.steps)
    wer = word_error_rate(" ".join(expected), " ".join(heard)) if expected else 0.0
    return Run(
        check_call(scenario.expect, summary),
        summary,
        heard=heard,
        wer=wer,
        voice=voice.name,
        seconds=wall,
    )


async def _caller(call: Any, steps: Sequence[Step], speech: dict[str, tuple[bytes, Any]]) -> int:
    """The scripted caller on the line; returns how many of its turns went unanswered.

    The bot greets first: the caller waits until the greeting has been heard out.
    After each ``say`` and ``press`` it waits for the bot's answer to be heard out;
    a ``say`` with ``barge_in`` starts that many seconds into the bot's answer instead.
    """
    await _heard_out(call, since=call.started_at, within=GREETING_TIMEOUT)
    unanswered = 0
    for n, step in enumerate(steps):
        following = steps[n + 1] if n + 1 < len(steps) else None
        barge_in = following.barge_in if isinstance(following, Say) else None
        if isinstance(step, Say):
            pcm, fmt = speech[step.text]
            await call.say_pcm16(pcm, fmt.sample_rate)
        elif isinstance(step, Press):
            for key in step.digits:
                await call.press(key)
                await asyncio.sleep(KEY_GAP)
        else:
            assert isinstance(step, Wait)
            waited = time.monotonic()
            await asyncio.sleep(step.seconds)
            if call.last_audio_at is not None and call.last_audio_at > waited:
                await _quiet(call)  # the bot spoke meanwhile (a silence prompt)
            continue
        done = time.monotonic()
        if barge_in is not None:
            if await _answer_starts(call, done):
                await asyncio.sleep(barge_in)
            else:
                unanswered += 1
        elif not await _heard_out(call, since=done, within=ANSWER_TIMEOUT):
            unanswered += 1
    if call.closed_at is None:  # a goodbye is followed by the bot's hang-up
        with contextlib.suppress(TimeoutError):
            await call.wait_closed(timeout=HANG_UP_WAIT)
    return unanswered


async def _answer_starts(call: Any, since: float, within: float = ANSWER_TIMEOUT) -> bool:
    """Wait for audible bot audio that arrived after ``since``; False after ``within`` seconds."""
    try:
        async with asyncio.timeout(within):
            while call.last_audio_at is None or call.last_audio_at <= since:
                if call.closed_at is not None:
                    raise ConnectionError("the bot hung up")
                await asyncio.sleep(0.02)
    except TimeoutError:
        return False
    return True


async def _heard_out(call: Any, *, since: float, within: float) -> bool:
    """Wait for the bot's answer after ``since`` to start and be heard to its end."""
    if not await _answer_starts(call, since, within):
        return False
    await _quiet(call)
    return True


async def _quiet(call: Any) -> None:
    """Wait until the bot's audio has been heard out (at most ``REPLY_TIMEOUT``)."""
    with contextlib.suppress(TimeoutError):  # not the scenario's own timeout: go on
        await call.wait_for_quiet(HEARD_OUT, timeout=REPLY_TIMEOUT)


async def _record_of(base_url: str, call_sid: str) -> dict[str, Any]:
    """The call's record from ``/api/calls``, once the server has written its outcome."""
    import aiohttp

    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as session, asyncio.timeout(30):
        while True:
            async with session.get(f"{base_url}/api/calls") as response:
                calls = (await response.json())["calls"]
            found = [c for c in calls if c["external_id"] == call_sid and c["outcome"]]
            if found:
                async with session.get(f"{base_url}/api/calls/{found[0]['id']}") as response:
                    details: dict[str, Any] = await response.json()
                    return details
            await asyncio.sleep(0.1)


async def served_runs(entries: list[Entry], brain: Brain, concurrency: int) -> None:
    """Every scenario as a phone call, ``concurrency`` at a time; then each failure's cause."""
    from framekit.processors.tts.phrases import PhraseCache
    from framekit.testing.fakes.twilio_api import FakeTwilioAPI

    voices = tuple(v for v in available_voices() if v.synthesizer != "piper")
    if not voices:
        raise SystemExit("no caller voice: apt-get install espeak-ng flite festival")
    print(f"  caller voices: {', '.join(v.name for v in voices)}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-dialogue-"))
    phrases = PhraseCache()
    gate = asyncio.Semaphore(concurrency)
    starting = asyncio.Lock()
    done = 0

    async with FakeTwilioAPI(ACCOUNT, AUTH_TOKEN) as api:
        started = time.perf_counter()
        prepared = []
        for n, entry in enumerate(entries):
            folder = workdir / f"call-{n:03d}"
            voice = voices[n % len(voices)]
            prepared.append(await prepare(entry, voice, api, folder, phrases))
        loaded = time.perf_counter() - started
        print(f"  {len(entries)} servers loaded in {loaded:.0f} s; calling", flush=True)

        async def one(entry: Entry, ready: Prepared) -> None:
            nonlocal done
            async with gate:
                try:
                    entry.served = await served_call(entry, ready, api, starting)
                except Exception as exc:  # one broken call must not lose the others' results
                    entry.served = Run([], CallSummary(), voice=ready.voice.name, error=repr(exc))
            done += 1
            run = entry.served
            verdict = "pass" if run.passed else "FAIL"
            wer = f"WER {run.wer:.0%}" if run.wer is not None else ""
            print(
                f"  [{done}/{len(entries)}] {verdict}  {entry.path.name}  ({ready.voice.name}, "
                f"{run.seconds:.0f} s, {wer})",
                flush=True,
            )

        await asyncio.gather(*(one(e, r) for e, r in zip(entries, prepared, strict=True)))
    for entry in entries:
        assert entry.served is not None
        heard = next(iter(entry.served.heard), None)
        await brain.first_turn(entry.served, heard, entry.scenario.now)
        if not entry.served.passed:
            entry.served.cause = await _cause(entry, brain)


async def _cause(entry: Entry, brain: Brain) -> str:
    """Why a served call failed: ``dialogue``, ``recognition`` or ``call`` (module docstring)."""
    assert entry.served is not None
    if entry.served.error is not None:
        return "call"
    if entry.transcript is not None and not entry.transcript.passed:
        return "dialogue"
    heard = tuple(Say(text) for text in entry.served.heard)
    if not heard:
        return "recognition"
    replay = replace(entry.scenario, steps=heard)
    checks, _ = await brain.run(replay)
    return "call" if all(c.passed for c in checks) else "recognition"


# --- reporting ---------------------------------------------------------------------------------


def _rate(runs: Sequence[Run | None], ok: Any) -> tuple[int, int]:
    present = [r for r in runs if r is not None]
    return sum(1 for r in present if ok(r)), len(present)


def _share(hits: int, total: int) -> str:
    return f"{hits}/{total} ({hits / total:.0%})" if total else "-"


def _first_turns(entries: list[Entry], served: bool) -> dict[str, tuple[int, int]]:
    """First-turn intent (``understand``) and request (``recognize``) accuracy."""
    runs = [(e.scenario.intent, e.served if served else e.transcript) for e in entries]
    scored = [(intent, run) for intent, run in runs if intent is not None and run is not None]
    return {
        "intent": (sum(1 for i, r in scored if r.first_intent == i), len(scored)),
        "request": (sum(1 for i, r in scored if r.first_request == i), len(scored)),
    }


def summarize(entries: list[Entry], mode: str) -> dict[str, Any]:
    """The headline numbers for the report and the record."""
    text = _first_turns(entries, served=False)
    result: dict[str, Any] = {
        "scenarios": len(entries),
        "transcript_success": _rate([e.transcript for e in entries], lambda r: r.passed),
        "transcript_intent_accuracy": text["intent"],
        "transcript_request_accuracy": text["request"],
    }
    if mode == "served":
        heard = _first_turns(entries, served=True)
        causes: dict[str, int] = {}
        for e in entries:
            if e.served is not None and e.served.cause is not None:
                causes[e.served.cause] = causes.get(e.served.cause, 0) + 1
        wers = [e.served.wer for e in entries if e.served is not None and e.served.wer is not None]
        result.update(
            served_success=_rate([e.served for e in entries], lambda r: r.passed),
            served_intent_accuracy=heard["intent"],
            served_request_accuracy=heard["request"],
            served_failure_causes=causes,
            served_mean_wer=round(sum(wers) / len(wers), 4) if wers else None,
        )
    return result


def report(entries: list[Entry], split: str, mode: str, numbers: dict[str, Any]) -> None:
    print(f"\n== {split}: {numbers['scenarios']} scenarios ({mode})")
    print(f"task success, perfect transcript   {_share(*numbers['transcript_success'])}")
    if mode == "served":
        print(f"task success, served phone calls   {_share(*numbers['served_success'])}")
    print(f"first-turn intent, transcript      {_share(*numbers['transcript_intent_accuracy'])}")
    print(f"first-turn request, transcript     {_share(*numbers['transcript_request_accuracy'])}")
    if mode == "served":
        print(f"first-turn intent, as heard        {_share(*numbers['served_intent_accuracy'])}")
        print(f"first-turn request, as heard       {_share(*numbers['served_request_accuracy'])}")
        if numbers["served_mean_wer"] is not None:
            print(f"caller lines' WER (mean per call)  {numbers['served_mean_wer']:.1%}")
        causes = ", ".join(f"{k} {v}" for k, v in sorted(numbers["served_failure_causes"].items()))
        print(f"served failures by cause           {causes or 'none'}")
    for e in entries:
        if e.transcript is not None:
            _report_text(e.path, e.transcript, e.scenario.intent)
        if e.served is not None and not e.served.passed:
            print(f"\n  served FAIL  {e.path.name}  ({e.served.voice}; cause: {e.served.cause})")
            for check in e.served.failed_checks():
                print(f"    - {check}")
            for said, heard in _lines(e):
                if said != heard:
                    print(f"    said  {said!r}\n    heard {heard!r}")
            for reply in e.served.summary.replies[1:]:  # after the greeting
                print(f"    bot   {reply[:110]!r}")


def _report_text(path: Path, text: Run, wanted: str | None) -> None:
    """A text run that failed, or whose first turn was taken for another request."""
    missed = wanted is not None and (text.first_intent != wanted or text.first_request != wanted)
    if text.passed and not missed:
        return
    print(f"\n  transcript {'pass' if text.passed else 'FAIL'}  {path.name}")
    if missed:
        print(
            f"    first turn: intent {text.first_intent!r}, request {text.first_request!r}, "
            f"expected {wanted!r}"
        )
    for check in text.failed_checks():
        print(f"    - {check}")


def _lines(entry: Entry) -> list[tuple[str, str]]:
    """The caller's lines side by side with what was heard (in order; missing as '')."""
    assert entry.served is not None
    said = caller_lines(entry.scenario.steps)
    heard = entry.served.heard
    width = max(len(said), len(heard))
    return [
        (said[i] if i < len(said) else "", heard[i] if i < len(heard) else "") for i in range(width)
    ]


def _run_json(run: Run | None) -> dict[str, Any] | None:
    if run is None:
        return None
    data: dict[str, Any] = {
        "passed": run.passed,
        "failed_checks": run.failed_checks(),
        "first_intent": run.first_intent,
        "first_request": run.first_request,
        "outcome": run.summary.outcome,
        "tools": [f"{t.name}({t.arguments})" for t in run.summary.tools],
        "seconds": round(run.seconds, 2),
    }
    if run.voice is not None:
        data.update(
            voice=run.voice,
            heard=run.heard,
            wer=None if run.wer is None else round(run.wer, 4),
            cause=run.cause,
            bot_replies=run.summary.replies,
            turn_latencies_s=[round(v, 3) for v in run.summary.turn_latencies or ()],
        )
    return data


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    )
    return done.stdout.strip() or "unknown"


def _uncommitted() -> list[str]:
    """Tracked files changed since the commit (their changes are in the run, not the commit)."""
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return [line[3:] for line in done.stdout.splitlines() if line.strip()]


def _machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
    }


def record(entries: list[Entry], split: str, mode: str, numbers: dict[str, Any]) -> None:
    entry = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "uncommitted": _uncommitted(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "machine": _machine(),
        "split": split,
        "mode": mode,
        **numbers,
        "runs": [
            {
                "file": e.path.name,
                "intent": e.scenario.intent,
                "transcript": _run_json(e.transcript),
                "served": _run_json(e.served),
            }
            for e in entries
        ],
    }
    with RESULTS.open("a") as out:
        out.write(json.dumps(entry) + "\n")
    print(f"\nrecorded in {RESULTS}")


# --- main --------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    paths = select(
        sorted((CORPUS / args.split).glob("*.yaml")), limit=args.limit, sample=args.sample
    )
    entries = [Entry(path, load_scenario(path)) for path in paths]
    mode = "served" if args.served else "transcript"
    brain = Brain(Path(tempfile.mkdtemp(prefix="bench-dialogue-text-")))
    started = time.perf_counter()
    print(f"{len(entries)} scenarios of {args.split}: perfect transcript", flush=True)
    await transcript_runs(entries, brain)
    if args.served:
        print(f"served phone calls, {args.concurrency} at once", flush=True)
        await served_runs(entries, brain, args.concurrency)
    numbers = summarize(entries, mode)
    numbers["wall_s"] = round(time.perf_counter() - started, 1)
    report(entries, args.split, mode, numbers)
    print(f"\n{numbers['wall_s']:.0f} s in all")
    if args.record:
        record(entries, args.split, mode, numbers)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--transcript", action="store_true", help="perfect transcript (default)")
    how.add_argument("--served", action="store_true", help="phone calls to the served bot")
    parser.add_argument("--split", choices=("dev", "dev2", "dev3", "test"), default="dev")
    some = parser.add_mutually_exclusive_group()
    some.add_argument("--limit", type=int, help="the first N scenarios")
    some.add_argument("--sample", type=int, help="N evenly spaced scenarios (every category)")
    parser.add_argument("--concurrency", type=int, default=2, help="served calls at once")
    parser.add_argument("--record", action="store_true", help=f"append to {RESULTS.name}")
    parser.add_argument("--verbose", action="store_true", help="the server's own log lines")
    args = parser.parse_args()
    if args.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    if not args.verbose:
        from loguru import logger

        logger.remove()
        logger.add(sys.stderr, level="WARNING")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
