"""``framekit demo``: a whole phone call to the contact-center bot, offline.

A simulated caller, spoken by Piper from a script, calls the bot through the
local audio transport: Silero VAD, Whisper, the offline intent engine over the
shop's SQLite data, Piper. The console shows the live transcript, each tool
call and each turn's voice-to-voice latency; both sides are recorded to WAV
under ``.framekit/recordings/``; with the ``db`` extra the call lands in the
call-records database. Nothing touches the network.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TextIO

from framekit.audio import PCM16_16K, AudioConverter, write_wav
from framekit.frames import (
    BotStartedSpeakingFrame,
    Frame,
    FunctionCallResultFrame,
    HangUpFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TransferCallFrame,
)
from framekit.intents import IntentEngine, registry_caller
from framekit.models.piper import PiperEngine
from framekit.pipeline import PipelineTask
from framekit.transports.local import WavFileOutput
from framekit_contact_center.bot import build_bot
from framekit_contact_center.caller import ScriptedCaller
from framekit_contact_center.data import BusinessStore
from framekit_contact_center.seed import seed_store
from framekit_contact_center.settings import Settings
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


class _Console:
    """Prints the call as its frames leave the pipeline: who said what, tools, latency."""

    def __init__(self, out: TextIO, task: PipelineTask) -> None:
        self._out = out
        self._task = task
        self._bot: list[str] = []
        self.tools: list[FunctionCallResultFrame] = []
        self.caller_turns = 0

    def __call__(self, frame: Frame) -> None:
        if isinstance(frame, TranscriptionFrame):
            self.caller_turns += 1
            self._line(f"caller: {frame.text}")
        elif isinstance(frame, FunctionCallResultFrame):
            self.tools.append(frame)
            args = ", ".join(f"{k}={v!r}" for k, v in frame.arguments.items())
            outcome = f"error: {frame.error}" if frame.error else _brief(frame.result)
            self._line(f"  tool  {frame.function_name}({args}) -> {outcome}")
        elif isinstance(frame, BotStartedSpeakingFrame):
            latencies = self._task.metrics.turn_latencies
            if latencies and len(latencies) > getattr(self, "_shown", 0):
                self._shown = len(latencies)
                self._line(
                    f"  latency  {latencies[-1] * 1000:.0f} ms (caller stopped -> bot audio)"
                )
        elif isinstance(frame, LLMTextFrame):
            self._bot.append(frame.text)
        elif isinstance(frame, LLMResponseEndFrame) and self._bot:
            self._line(f"bot:    {''.join(self._bot).strip()}")
            self._bot.clear()

    def _line(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()


async def _first(*waits: Coroutine[Any, Any, Any]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


def _brief(result: Any) -> str:
    text = repr(result)
    return text if len(text) <= 110 else text[:107] + "..."


def _synthesize(engine: PiperEngine, lines: Sequence[str]) -> list[bytes]:
    """Each line spoken by Piper, as 16 kHz PCM16."""
    turns = []
    for line in lines:
        converter = AudioConverter(engine.audio_format, PCM16_16K)
        pcm = b"".join(engine.synthesize(line, length_scale=1.05))
        turns.append(converter.convert(pcm) + converter.flush())
    return turns


def _open_store(settings: Settings, today: dt.date) -> BusinessStore:
    """A freshly seeded copy of the shop's data, so every demo call books the same slot."""
    path = settings.business_db_path.with_name("demo-shop.db")
    path.unlink(missing_ok=True)
    store = BusinessStore(path)
    seed_store(store, today=today)
    return store


def _call_records(settings: Settings) -> tuple[Any, Any] | None:
    """``(writer, module)`` for call records, or None without the ``db`` extra."""
    try:
        from framekit import storage
    except ImportError:
        return None
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    storage.migrate(settings.database_url)
    spool = settings.recordings_dir.parent / "spool"
    return storage.shared_writer(settings.database_url, spool_dir=spool), storage


async def run_demo(out: TextIO, settings: Settings, *, fast: bool = False) -> int:
    """Run the demo call, printing as it goes; returns the process exit status."""
    write = out.write
    today = dt.date.today()
    store = _open_store(settings, today)
    tools = build_tools(store, transfer_to=settings.transfer_number)
    order_number = store.order_numbers("shipped")[0]
    write("Loading the offline models (Piper and the intent engine now, Silero and Whisper ")
    write("when the call starts)...\n")
    out.flush()
    piper = await PiperEngine.shared_async(settings.tts_voice)
    engine = await asyncio.to_thread(IntentEngine, registry_caller(tools))
    turns = await asyncio.to_thread(_synthesize, piper, caller_script(order_number))

    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    bot_wav = settings.recordings_dir / f"demo-{stamp}-bot.wav"
    caller_wav = settings.recordings_dir / f"demo-{stamp}-caller.wav"
    # --fast skips the time the bot's answers take to play. The caller still speaks at
    # the pace of speech: the VAD's and Whisper's timestamps are clock times, and audio
    # fed faster than real time would put the end of speech before audio that came later.
    caller = ScriptedCaller(turns, PCM16_16K, realtime=True)
    output = WavFileOutput(bot_wav, realtime=not fast)
    records = _call_records(settings)
    observers = []
    recorder = None
    if records is not None:
        recorder = records[1].CallRecorder(records[0], caller="+15550123", dialled="demo")
        recorder.add_recording("bot", str(bot_wav))
        recorder.add_recording("caller", str(caller_wav))
        observers.append(recorder)
    task = build_bot(
        caller,
        output,
        settings,
        tools=tools,
        engine=engine,
        brain="intents",
        observers=observers,
    )
    if recorder is not None:
        recorder.attach(task)
    console = _Console(out, task)
    hung_up = asyncio.Event()

    def on_exit(frame: Frame) -> None:
        console(frame)
        caller.observe(frame)
        if isinstance(frame, HangUpFrame | TransferCallFrame):
            hung_up.set()

    task.on_downstream_exit(on_exit)
    pace = "(--fast: the bot's answers are not played out in real time)" if fast else "in real time"
    write(f"Calling the contact center {pace}; the caller's order is {order_number}.\n\n")
    out.flush()
    started = asyncio.get_running_loop().time()
    runner = asyncio.ensure_future(task.run())
    # The call ends when the bot hangs up (or transfers), or when the caller has said
    # everything and heard the answer: a misheard goodbye must not leave the line open.
    ending = asyncio.ensure_future(_first(hung_up.wait(), caller.finished.wait()))
    await asyncio.wait({runner, ending}, timeout=_CALL_LIMIT, return_when=asyncio.FIRST_COMPLETED)
    if not runner.done():
        if ending.done():
            await task.stop_when_done("caller hung up")
        else:
            await task.cancel("demo took too long")
        await runner
    ending.cancel()
    wall = asyncio.get_running_loop().time() - started
    write_wav(caller_wav, caller.recording, PCM16_16K)
    return await _summary(out, task, console, records, recorder, [bot_wav, caller_wav], wall)


async def _summary(
    out: TextIO,
    task: PipelineTask,
    console: _Console,
    records: tuple[Any, Any] | None,
    recorder: Any,
    wavs: list[Path],
    wall: float,
) -> int:
    latencies = task.metrics.turn_latencies
    lines = [
        "",
        f"Call ended ({task.end_reason}) after {wall:.1f} s: {console.caller_turns} caller turns, "
        f"{len(latencies)} bot answers, {len(console.tools)} tool calls.",
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
    lines.append(f"Recordings: {wavs[0]} (bot), {wavs[1]} (caller)")
    if records is not None and recorder is not None:
        writer, storage = records
        await asyncio.to_thread(writer.flush, 10)
        engine = storage.make_engine(writer.database_url)
        details = await asyncio.to_thread(storage.get_call, engine, recorder.call_id)
        if details is not None:
            lines.append(
                f"Call record: call {details.call.id} ({details.call.outcome}), "
                f"{len(details.transcript)} transcript segments, {len(details.tools)} tool "
                f"invocations, {len(details.turns)} turn metrics"
            )
    else:
        lines.append("Call record: not stored (install the 'db' extra to keep call records)")
    out.write("\n".join(lines) + "\n")
    out.flush()
    ok = console.caller_turns > 0 and bool(latencies) and task.end_reason != "demo took too long"
    return 0 if ok else 1
