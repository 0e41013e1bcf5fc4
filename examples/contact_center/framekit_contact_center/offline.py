"""One offline call to the bot, the way ``framekit demo`` and ``framekit simulate`` run it.

A :class:`~framekit_contact_center.caller.ScriptedCaller` (speech synthesized by
Piper) calls the bot built by :func:`~framekit_contact_center.bot.build_bot`
through the local transports; the bot's audio goes to a WAV file. The console
prints the call as its frames leave the pipeline; both sides are saved under
``RECORDINGS_DIR``; with the ``db`` extra the call lands in the call-records
database, as a served call would, and what is stored is protected as ``framekit
serve`` protects it: the record's copies redacted (``REDACTION``), the logs
filtered, the recordings encrypted when a key is configured
(``RECORDINGS_ENCRYPTION_KEY`` or its file; ``docs/privacy.md``). :func:`run_call`
returns what happened, for a summary (the demo) or for checking expectations
(``framekit simulate``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from framekit.audio import PCM16_16K, AudioConverter, encode_wav, write_wav
from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    DTMFEntryFrame,
    EndCause,
    Frame,
    FunctionCallResultFrame,
    HangUpFrame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TransferCallFrame,
)
from framekit.intents import IntentEngine
from framekit.logs import set_personal_data_filter
from framekit.pipeline import Pipeline, PipelineTask
from framekit.privacy.envelope import encrypt_bytes
from framekit.processors.recording import ENCRYPTED_SUFFIX
from framekit.processors.redaction import Redaction
from framekit.services.piper import PiperEngine
from framekit.tools import ToolRegistry
from framekit.transports.local import WavFileOutput
from framekit_contact_center.bot import build_bot
from framekit_contact_center.caller import ScriptedCaller
from framekit_contact_center.data import BusinessStore
from framekit_contact_center.keys import recording_keys
from framekit_contact_center.seed import seed_store
from framekit_contact_center.settings import Settings, redactor
from framekit_contact_center.uploads import note_uploaded, s3_uploader

__all__ = [
    "TOO_LONG",
    "CallConsole",
    "CallResult",
    "open_store",
    "record_line",
    "run_call",
    "synthesize",
]

TOO_LONG = "the call took too long"


class CallConsole:
    """Prints the call as its frames leave the pipeline: who said what, tools, latency.

    It also keeps what a summary or a check needs: the tool results, the bot's
    replies, the caller's turns, interruptions and whether the bot ended the call.
    """

    def __init__(self, out: TextIO, task: PipelineTask) -> None:
        self._out = out
        self._task = task
        self._bot: list[str] = []
        self._shown = 0
        self._speaking = False
        self._stopped_at = -1.0
        self.tools: list[FunctionCallResultFrame] = []
        self.replies: list[str] = []
        self.caller_turns = 0
        self.interruptions = 0
        """Times the caller spoke over the bot (a barge-in, not any turn's start)."""
        self.ended_by_bot: str | None = None
        """``"hang_up"`` or ``"transfer"`` once the bot ended the call."""

    def __call__(self, frame: Frame) -> None:
        if isinstance(frame, DTMFEntryFrame):
            self.caller_turns += 1
            self._line(f"caller: [keys {frame.digits}]")
        elif isinstance(frame, TranscriptionFrame):
            self.caller_turns += 1
            self._line(f"caller: {frame.text}")
        elif isinstance(frame, FunctionCallResultFrame):
            self.tools.append(frame)
            args = ", ".join(f"{k}={v!r}" for k, v in frame.arguments.items())
            outcome = f"error: {frame.error}" if frame.error else brief(frame.result)
            self._line(f"  tool  {frame.function_name}({args}) -> {outcome}")
        elif isinstance(frame, BotStartedSpeakingFrame):
            self._speaking = True
            latencies = self._task.metrics.turn_latencies
            if len(latencies) > self._shown:
                self._shown = len(latencies)
                self._line(
                    f"  latency  {latencies[-1] * 1000:.0f} ms (caller stopped -> bot audio)"
                )
        elif isinstance(frame, LLMTextFrame):
            self._bot.append(frame.text)
        elif isinstance(frame, LLMResponseEndFrame) and self._bot:
            self._reply("")
        elif isinstance(frame, BotStoppedSpeakingFrame):
            self._speaking = False
            self._stopped_at = self._task.clock.now()
        elif isinstance(frame, InterruptionFrame):
            self._interruption()
        elif isinstance(frame, HangUpFrame):
            self.ended_by_bot = "hang_up"
        elif isinstance(frame, TransferCallFrame):
            self.ended_by_bot = "transfer"

    def _interruption(self) -> None:
        """Every time the caller starts speaking is an interruption; count the barge-ins.

        The output transport stops the bot's speech as the interruption passes it,
        so a stop at this same moment means the bot was cut off.
        """
        if not (self._speaking or self._task.clock.now() - self._stopped_at < 0.05):
            return
        self.interruptions += 1
        if self._bot:
            self._reply(" [interrupted]")
        else:
            self._line("  (the caller interrupted the bot)")

    def _reply(self, note: str) -> None:
        text = "".join(self._bot).strip()
        self._bot.clear()
        self.replies.append(text)
        self._line(f"bot:    {text}{note}")

    def _line(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()


@dataclass(slots=True)
class CallResult:
    """What one offline call did; ``record`` is the stored call (``None`` without ``db``)."""

    task: PipelineTask
    console: CallConsole
    caller: ScriptedCaller
    wall: float
    wavs: tuple[Path, Path]
    """The bot's and the caller's recordings."""
    record: Any

    @property
    def outcome(self) -> str:
        """The call record's outcome (``completed``, ``transferred``, ``cancelled``, ``error``).

        Read from the stored record when there is one; otherwise derived from the
        frames by the recorder's rule, so the answer does not depend on the extra.
        """
        if self.record is not None and self.record.call.outcome:
            return str(self.record.call.outcome)
        reason = self.task.end_reason or ""
        if reason.startswith("fatal error"):
            return "error"
        if self.console.ended_by_bot == "transfer":
            return "transferred"
        if self.console.ended_by_bot == "hang_up" or reason != TOO_LONG:
            return "completed"
        return "cancelled"


async def first_of(*waits: Coroutine[Any, Any, Any]) -> None:
    """Wait until one of ``waits`` is done, then cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


def brief(result: Any) -> str:
    """A tool result on one console line."""
    text = repr(result)
    return text if len(text) <= 110 else text[:107] + "..."


def synthesize(engine: PiperEngine, lines: Sequence[str]) -> list[bytes]:
    """Each line spoken by Piper, as 16 kHz PCM16."""
    turns = []
    for line in lines:
        converter = AudioConverter(engine.audio_format, PCM16_16K)
        pcm = b"".join(engine.synthesize(line, length_scale=1.05))
        turns.append(converter.convert(pcm) + converter.flush())
    return turns


def open_store(settings: Settings, today: dt.date, name: str = "demo-shop.db") -> BusinessStore:
    """A freshly seeded copy of the shop's data, so every offline call sees the same rows."""
    path = settings.business_db_path.with_name(name)
    path.parent.mkdir(parents=True, exist_ok=True)
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
    return storage.shared_writer(settings.database_url, spool_dir=settings.spool_dir), storage


async def run_call(
    out: TextIO,
    settings: Settings,
    caller: ScriptedCaller,
    *,
    tools: ToolRegistry,
    engine: IntentEngine,
    name: str,
    realtime_output: bool = True,
    call_limit: float = 600.0,
) -> CallResult:
    """Run one call from ``caller`` to the offline bot, printing it to ``out`` as it goes.

    ``name`` labels the recordings (``{name}-{time}-bot.wav``) and the record's
    dialled number. ``realtime_output=False`` writes the bot's answers as fast as
    they are made. The call ends when the bot hangs up or transfers, when the
    caller has finished its script and heard the answer, or after ``call_limit``
    seconds (the end reason is then :data:`TOO_LONG`).
    """
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    # What serve's calls get (framekit_contact_center.calls): the same redactor around the
    # record points and for the logs, the same keys for the recordings.
    redaction = Redaction(redactor(settings))
    set_personal_data_filter(redaction.redactor.text)
    keys = recording_keys(settings)
    suffix = ".wav" if keys is None else ".wav" + ENCRYPTED_SUFFIX
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    bot_wav = settings.recordings_dir / f"{name}-{stamp}-bot{suffix}"
    caller_wav = settings.recordings_dir / f"{name}-{stamp}-caller{suffix}"
    output = WavFileOutput(bot_wav, realtime=realtime_output, keys=keys)
    records = await asyncio.to_thread(_call_records, settings)
    observers = []
    recorder = None
    if records is not None:
        recorder = records[1].CallRecorder(records[0], caller="+15550123", dialled=name)
        recorder.add_recording("bot", str(bot_wav))
        recorder.add_recording("caller", str(caller_wav))
        observers.append(recorder)
    # The call record takes the caller's words after speech-to-text, the bot's before the line.
    point = Pipeline(redaction.around(recorder.record_point())) if recorder is not None else None
    bot_side = (
        output
        if recorder is None
        else Pipeline([*redaction.around(recorder.record_point()), output])
    )
    task = build_bot(
        caller,
        bot_side,
        settings,
        tools=tools,
        engine=engine,
        brain="intents",
        observers=observers,
        record_point=point,
    )
    console = CallConsole(out, task)
    hung_up = asyncio.Event()
    # This harness is the carrier: it carries out the bot's hang-up or transfer at once.
    ended, cause = "caller hung up", EndCause.CALLER_HUNG_UP

    def on_exit(frame: Frame) -> None:
        nonlocal ended, cause
        console(frame)
        caller.observe(frame)
        if isinstance(frame, HangUpFrame) and not hung_up.is_set():
            hung_up.set()
            ended, cause = "bot hung up", frame.cause
        elif isinstance(frame, TransferCallFrame) and not hung_up.is_set():
            hung_up.set()
            ended, cause = "bot transferred the call", EndCause.TRANSFERRED

    task.on_downstream_exit(on_exit)
    started = asyncio.get_running_loop().time()
    runner = asyncio.ensure_future(task.run())
    # The call ends when the bot hangs up (or transfers), or when the caller has said
    # everything and heard the answer: a misheard goodbye must not leave the line open.
    ending = asyncio.ensure_future(first_of(hung_up.wait(), caller.finished.wait()))
    await asyncio.wait({runner, ending}, timeout=call_limit, return_when=asyncio.FIRST_COMPLETED)
    if not runner.done():
        if ending.done():
            await task.stop_when_done(ended, cause)
        else:
            await task.cancel(TOO_LONG)
        await runner
    ending.cancel()
    wall = asyncio.get_running_loop().time() - started
    if keys is None:
        write_wav(caller_wav, caller.recording, PCM16_16K)
    else:
        encrypt_bytes(caller_wav, encode_wav(caller.recording, PCM16_16K), keys)
    uploader = s3_uploader(settings)
    if uploader is not None:
        paths = (bot_wav, caller_wav)
        call_id = recorder.call_id if recorder is not None else name
        remote = await uploader.upload_files(paths, call_id=call_id)
        if recorder is not None:
            note_uploaded(recorder, paths, remote)
    record = None
    if records is not None and recorder is not None:
        writer, storage = records
        await asyncio.to_thread(writer.flush, 10)
        db = storage.make_engine(writer.database_url)
        record = await asyncio.to_thread(storage.get_call, db, recorder.call_id)
    return CallResult(task, console, caller, wall, (bot_wav, caller_wav), record)


def record_line(call: CallResult) -> str:
    """One line about the stored call record, or why there is none."""
    details = call.record
    if details is None:
        return "Call record: not stored (install the 'db' extra to keep call records)"
    return (
        f"Call record: call {details.call.id} ({details.call.outcome}), "
        f"{len(details.transcript)} transcript segments, {len(details.tools)} tool "
        f"invocations, {len(details.turns)} turn metrics"
    )
