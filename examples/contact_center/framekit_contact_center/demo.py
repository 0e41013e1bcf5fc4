"""``framekit demo``: a whole phone call to the contact-center bot, offline.

A simulated caller, spoken by Piper from a script, calls the bot through the
local audio transport: Silero VAD, Moonshine (or Whisper, ``STT_MODEL``), the
offline intent engine over the shop's SQLite data, Piper. The console shows the
live transcript, each tool call and each turn's voice-to-voice latency; both
sides are recorded to WAV under ``.framekit/recordings/``; with the ``db`` extra
the call lands in the call-records database. Nothing touches the network.
"""

from __future__ import annotations

import asyncio
import statistics
from typing import TextIO

from framekit.audio import PCM16_16K
from framekit.intents import registry_caller
from framekit.services.piper import PiperEngine
from framekit_contact_center.bot import intent_engine
from framekit_contact_center.caller import ScriptedCaller
from framekit_contact_center.offline import (
    TOO_LONG,
    CallResult,
    open_store,
    record_line,
    run_call,
    synthesize,
)
from framekit_contact_center.settings import Settings, shop_clock
from framekit_contact_center.tools import build_tools

__all__ = ["caller_script", "run_demo"]

_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_CALL_LIMIT = 600.0  # seconds; a demo that hangs this long has failed


def caller_script(order_number: str) -> list[str]:
    """What the simulated caller says, turn by turn; the order number in words."""
    spoken = " ".join(_DIGITS[int(d)] for d in order_number)
    # One sentence a turn, few commas: a pause mid-turn may end the turn (docs/vad.md).
    return [
        f"I'm calling about my order number {spoken}.",
        "Can you track the package for me?",
        "This is Jane Doe and I would like to book an appointment next Friday at 2 PM.",
        "Yes please.",
        "That's all thank you goodbye.",
    ]


async def run_demo(out: TextIO, settings: Settings, *, fast: bool = False) -> int:
    """Run the demo call, printing as it goes; returns the process exit status."""
    write = out.write
    clock = shop_clock(settings)
    store = open_store(settings, clock().date())
    tools = build_tools(store, transfer_to=settings.transfer_number, clock=clock)
    order_number = store.order_numbers("shipped")[0]
    write("Loading the offline models (Piper and the intent engine now, Silero and the ")
    write("speech recognizer when the call starts)...\n")
    out.flush()
    piper = await PiperEngine.shared_async(settings.tts_voice)
    engine = await asyncio.to_thread(intent_engine, registry_caller(tools), clock=clock)
    turns = await asyncio.to_thread(synthesize, piper, caller_script(order_number))
    # --fast skips the time the bot's answers take to play. The caller still speaks at
    # the pace of speech: the VAD's and Whisper's timestamps are clock times, and audio
    # fed faster than real time would put the end of speech before audio that came later.
    caller = ScriptedCaller(turns, PCM16_16K, realtime=True)
    pace = "(--fast: the bot's answers are not played out in real time)" if fast else "in real time"
    write(f"Calling the contact center {pace}; the caller's order is {order_number}.\n\n")
    out.flush()
    call = await run_call(
        out,
        settings,
        caller,
        tools=tools,
        engine=engine,
        name="demo",
        realtime_output=not fast,
        call_limit=_CALL_LIMIT,
    )
    return _summary(out, call)


def _summary(out: TextIO, call: CallResult) -> int:
    task, console = call.task, call.console
    latencies = task.metrics.turn_latencies
    lines = [
        "",
        f"Call ended ({task.end_reason}) after {call.wall:.1f} s: {console.caller_turns} caller "
        f"turns, {len(latencies)} bot answers, {len(console.tools)} tool calls.",
    ]
    if latencies:
        ms = sorted(v * 1000 for v in latencies)
        lines.append(
            f"Voice-to-voice latency: p50 {statistics.median(ms):.0f} ms, max {ms[-1]:.0f} ms "
            f"(per turn: {', '.join(f'{v * 1000:.0f}' for v in latencies)} ms)"
        )
        stages = [
            f"{processor} {summary.p50 * 1000:.0f} ms"
            for (kind, processor), summary in sorted(task.metrics.summary().items())
            if kind == "ttfb"
        ]
        if stages:
            lines.append(f"  of which, time to first result p50: {', '.join(stages)}")
    lines.append(f"Recordings: {call.wavs[0]} (bot), {call.wavs[1]} (caller)")
    lines.append(record_line(call))
    out.write("\n".join(lines) + "\n")
    out.flush()
    ok = console.caller_turns > 0 and bool(latencies) and task.end_reason != TOO_LONG
    return 0 if ok else 1
