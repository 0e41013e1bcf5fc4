"""The served mode of ``bench_dialogue.py``: each scenario as a phone call, and why one failed.

Why a module of its own: a served call is its own machinery (a preloaded server per
scenario, a scripted caller on ``tests/phone_network.py`` speaking in a voice of
``tests/accuracy/voices.py``, the call record read back from the calls API), and the
rule that puts a failure down to ``dialogue``, ``recognition`` or ``call`` (the
benchmark's module docstring) needs the text brain of ``_dialogue_runs.py`` too.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the phone network, the caller voices, the server helper

from framekit_contact_center.scenario import Press, Say, Step, Wait  # noqa: E402
from framekit_contact_center.simulate import CallSummary, ToolUse, check_call  # noqa: E402
from framekit_contact_center.transcript import caller_lines  # noqa: E402

from _dialogue_runs import Brain, Entry, Run, settings_of  # noqa: E402
from accuracy.voices import Voice, available_voices, synthesize  # noqa: E402
from accuracy.wer import word_error_rate  # noqa: E402

__all__ = ["served_runs"]

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
    """Why a served call failed: ``dialogue``, ``recognition`` or ``call`` (bench_dialogue.py)."""
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
