"""End of turn: a fixed silence window against the word-based policy, on synthesized turns.

Each turn is one or two espeak-ng phrases (16 kHz, silence trimmed) with a pause
between them, then 2.5 s of silence. Some turns are complete thoughts said in one go,
some trail off ("my order number is ... four five six seven") with a pause of 0.7 to
0.8 s, and two are hard cases: a complete sentence, a pause of 0.45 s, then more.
Every turn runs as one call through the real ``VADProcessor`` with the packaged
Silero model, fed as 20 ms frames on a manual clock advanced 20 ms per frame, so
the numbers are in audio time and repeatable, whatever the machine's load.

The transcript the policy sees comes from a scripted STT after the VAD (sent back by
``TurnTextRelay``) at each pause and at the end of the turn:

* ``streaming text``: the words said so far, as written in the script, covering the
  audio up to 0.2 s into the pause and arriving then, as a fast streaming
  recognizer would deliver them (an upper bound on what words can do);
* ``whisper text``: what the packaged Whisper base model (int8, this CPU) writes for
  the audio from 0.3 s before the turn to 0.2 s into the pause (the processor's
  speculative decode), arriving after the decode time measured here, one decode at a
  time (so the machine's load is in these numbers); and the same words arriving
  0.1 s after the decode starts, as a decoder that keeps up would deliver them (a
  GPU, or a smaller model on idle cores): Whisper's wording with a fast arrival.

Reported per setting: the mean and the largest delay from the true end of a turn's
last word to the VAD's stop decision (``UserStoppedSpeakingFrame``), over the turns
that were not cut, and how many turns were cut into two (a stop inside the turn).

Usage::

    .venv/bin/python benchmarks/bench_turn_end.py
    .venv/bin/python benchmarks/bench_turn_end.py --per-turn --no-whisper
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soxr

from framekit.audio import PCM16_16K
from framekit.frames import (
    Frame,
    InputAudioFrame,
    InterimTranscriptionFrame,
    UserStoppedSpeakingFrame,
)
from framekit.pipeline.params import PipelineParams
from framekit.processors import FrameDirection, FrameProcessor
from framekit.processors.vad import TextTurnEndPolicy, TurnTextRelay, VADParams, VADProcessor
from framekit.services.silero import SileroVADEngine
from framekit.testing import Advance, run_processor

RATE = 16000
FRAME = 0.02
LEAD = 0.5
TAIL = 2.5
PRE_ROLL = 0.3
PAUSE_TRIGGER = 0.2  # Whisper's speculative decode: 0.2 s of quiet
FAST_DECODE = 0.1  # a decoder that keeps up (a GPU, a small model on idle cores)
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Case:
    name: str
    phrases: tuple[str, ...]
    pause: float = 0.0
    hard: bool = False


CASES = (
    Case("yes", ("Yes.",)),
    Case("cancel", ("I'd like to cancel my order.",)),
    Case("hours", ("What time do you open tomorrow?",)),
    Case("goodbye", ("Thanks, that's all. Goodbye.",)),
    Case("billing", ("Can you transfer me to billing, please?",)),
    Case("status", ("Hello, I would like to check the status of my order.",)),
    Case("order-number", ("My order number is", "four five six seven."), 0.8),
    Case("table", ("I want to book a table for", "two people tonight."), 0.8),
    Case("um", ("Um,", "I need help with my order."), 0.7),
    Case("wondering", ("I was wondering if", "you could check my delivery."), 0.8),
    Case("code", ("The code is four two", "seven one."), 0.7),
    Case("transfer", ("Can you put me through to", "the billing department?"), 0.8),
    Case("refund", ("I want to cancel my order.", "And get a refund."), 0.45, hard=True),
    Case("yes-right", ("Yes.", "That's right, the blue one."), 0.45, hard=True),
)


@dataclass
class Turn:
    """A case as audio: PCM16 bytes and each phrase's true (start, end) in seconds."""

    case: Case
    pcm: bytes
    spans: list[tuple[float, float]]


@dataclass(frozen=True)
class Text:
    """A transcript the scripted STT pushes once ``arrives`` seconds of audio were heard."""

    arrives: float
    covers: float
    text: str


def _espeak(text: str, folder: Path) -> F32:
    """``text`` as espeak-ng says it, at 16 kHz, from the first to the last loud 10 ms."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise SystemExit("needs espeak-ng: apt-get install espeak-ng")
    path = folder / "phrase.wav"
    subprocess.run([espeak, "-w", str(path), text], check=True, capture_output=True)
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    audio = soxr.resample(pcm.astype(np.float32) / 32768.0, rate, RATE).astype(np.float32)
    n = RATE // 100
    level = np.sqrt(np.convolve(audio**2, np.ones(n) / n, mode="same"))
    loud = np.nonzero(level > level.max() * 0.01)[0]
    trimmed: F32 = audio[loud[0] : loud[-1] + 1]
    return trimmed


def _turns() -> list[Turn]:
    turns = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            pieces: list[F32] = [np.zeros(round(LEAD * RATE), dtype=np.float32)]
            spans, at = [], LEAD
            for index, phrase in enumerate(case.phrases):
                if index:
                    pieces.append(np.zeros(round(case.pause * RATE), dtype=np.float32))
                    at += case.pause
                speech = _espeak(phrase, Path(tmp))
                pieces.append(speech)
                spans.append((at, at + len(speech) / RATE))
                at += len(speech) / RATE
            pieces.append(np.zeros(round(TAIL * RATE), dtype=np.float32))
            audio = np.concatenate(pieces)
            pcm = np.clip(np.round(audio * 32767.0), -32768, 32767).astype("<i2").tobytes()
            turns.append(Turn(case, pcm, spans))
    return turns


def _streaming_texts(turn: Turn) -> list[Text]:
    texts = []
    for index, (_, end) in enumerate(turn.spans):
        words = " ".join(turn.case.phrases[: index + 1])
        texts.append(Text(end + PAUSE_TRIGGER, end + PAUSE_TRIGGER, words))
    return texts


def _whisper_texts(turn: Turn, decodes: list[float]) -> list[Text]:
    from framekit.services.whisper import WhisperEngine

    engine = WhisperEngine.shared()
    first = round((turn.spans[0][0] - PRE_ROLL) * RATE) * 2
    texts = []
    for _, end in turn.spans:
        covers = end + PAUSE_TRIGGER
        started = time.perf_counter()
        transcript = engine.transcribe(turn.pcm[first : round(covers * RATE) * 2], "en")
        decode = time.perf_counter() - started
        decodes.append(decode)
        texts.append(Text(covers + decode, covers, transcript.text))
    return texts


class ScriptedSTT(FrameProcessor):
    """Pushes each transcript once its arrival time of audio has been heard."""

    def __init__(self, texts: list[Text]) -> None:
        super().__init__()
        self.texts = sorted(texts, key=lambda t: t.arrives)
        self.heard = 0.0

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        if isinstance(frame, InputAudioFrame):
            self.heard += frame.duration
            while self.texts and self.texts[0].arrives <= self.heard + 1e-9:
                text = self.texts.pop(0)
                # The clock reads the audio heard so far, so "covers" is a clock time too.
                await self.push_frame(
                    InterimTranscriptionFrame(text=text.text, timestamp=text.covers)
                )


class Stops(FrameProcessor):
    """Clock times at which the VAD decided each stop."""

    def __init__(self) -> None:
        super().__init__()
        self.at: list[float] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, UserStoppedSpeakingFrame):
            self.at.append(self.clock.now())
        await self.push_frame(frame, direction)


@dataclass
class Outcome:
    delays: dict[str, float] = field(default_factory=dict)
    """Per turn not cut: seconds from the last word's end to the stop decision."""
    cut: list[str] = field(default_factory=list)
    """Turns that got a stop inside them."""


async def _run(
    turn: Turn, min_silence: float, policy: TextTurnEndPolicy | None, texts: list[Text]
) -> list[float]:
    vad = VADProcessor(
        SileroVADEngine.shared(RATE),
        params=VADParams(min_silence_duration=min_silence),
        turn_end=policy,
    )
    stops = Stops()
    size = PCM16_16K.bytes_for(FRAME)
    items: list[Frame | Advance] = []
    for i in range(0, len(turn.pcm), size):
        items += [Advance(FRAME), InputAudioFrame(audio=turn.pcm[i : i + size], format=PCM16_16K)]
    await run_processor(
        [vad, ScriptedSTT(texts), TurnTextRelay(), stops],
        items,
        params=PipelineParams(idle_timeout=None, audio_in_sample_rate=RATE),
        time_limit=120.0,
    )
    return stops.at


async def _setting(
    turns: list[Turn],
    min_silence: float,
    policy: TextTurnEndPolicy | None,
    texts: dict[str, list[Text]],
) -> Outcome:
    outcome = Outcome()
    for turn in turns:
        stops = await _run(turn, min_silence, policy, texts.get(turn.case.name, []))
        last_start, last_end = turn.spans[-1]
        if any(stop < last_start for stop in stops) or len(stops) != 1:
            outcome.cut.append(turn.case.name)
        else:
            outcome.delays[turn.case.name] = stops[0] - last_end
    return outcome


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def _row(label: str, outcome: Outcome, turns: list[Turn]) -> str:
    delays = list(outcome.delays.values())
    easy = [d for name, d in outcome.delays.items() if len(_case(name).phrases) == 1]
    mean = _ms(statistics.mean(delays)) if delays else "-"
    mean_easy = _ms(statistics.mean(easy)) if easy else "-"
    worst = _ms(max(delays)) if delays else "-"
    paused = [t for t in turns if len(t.case.phrases) > 1 and not t.case.hard]
    hard = [t for t in turns if t.case.hard]
    cut_paused = sum(1 for t in paused if t.case.name in outcome.cut)
    cut_hard = sum(1 for t in hard if t.case.name in outcome.cut)
    return (
        f"| {label} | {mean_easy} | {mean} | {worst} | {cut_paused}/{len(paused)} "
        f"| {cut_hard}/{len(hard)} |"
    )


def _case(name: str) -> Case:
    return next(c for c in CASES if c.name == name)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--no-whisper", action="store_true", help="skip the Whisper setting")
    parser.add_argument("--per-turn", action="store_true", help="print each turn's delays")
    args = parser.parse_args()

    turns = _turns()
    policy = TextTurnEndPolicy()
    patient = TextTurnEndPolicy(complete=0.45)
    streaming = {t.case.name: _streaming_texts(t) for t in turns}
    settings: list[tuple[str, float, TextTurnEndPolicy | None, dict[str, list[Text]]]] = [
        ("fixed 0.5 s window", 0.5, None, {}),
        ("fixed 0.6 s window", 0.6, None, {}),
        ("fixed 0.8 s window", 0.8, None, {}),
        ("policy, streaming text", 0.6, policy, streaming),
        ("policy with complete 0.45 s, streaming text", 0.6, patient, streaming),
    ]
    if not args.no_whisper:
        decodes: list[float] = []
        whisper = {t.case.name: _whisper_texts(t, decodes) for t in turns}
        fast = {
            name: [Text(t.covers + FAST_DECODE, t.covers, t.text) for t in texts]
            for name, texts in whisper.items()
        }
        settings.append(("policy, whisper text after its decode", 0.6, policy, whisper))
        settings.append((f"policy, whisper text {_ms(FAST_DECODE)} ms late", 0.6, policy, fast))
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"Whisper base decodes at the pauses: p50 {_ms(statistics.median(decodes))} ms, "
            f"min {_ms(min(decodes))} ms, max {_ms(max(decodes))} ms ({len(decodes)} decodes; "
            f"load average {load} on {os.cpu_count()} cores)"
        )
        for turn in turns:
            said = " | ".join(
                f"{t.text!r} -> {policy.classify(t.text).value}" for t in whisper[turn.case.name]
            )
            print(f"  {turn.case.name}: {said}")
    print(
        f"\npolicy: complete {policy.complete} s, incomplete {policy.incomplete} s, "
        f"unknown {policy.unknown} s; {len(turns)} turns\n"
    )
    print(
        "| setting | mean delay, one-phrase turns (ms) | mean delay, all uncut turns (ms) "
        "| largest (ms) | paused turns cut | hard turns cut |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    outcomes = []
    for label, min_silence, turn_policy, texts in settings:
        outcome = await _setting(turns, min_silence, turn_policy, texts)
        outcomes.append((label, outcome))
        print(_row(label, outcome, turns), flush=True)
    if args.per_turn:
        print("\nper turn: delay in ms, or 'cut'")
        print("| turn | " + " | ".join(label for label, _ in outcomes) + " |")
        print("|---|" + "---:|" * len(outcomes))
        for turn in turns:
            name = turn.case.name
            cells = ["cut" if name in o.cut else _ms(o.delays[name]) for _, o in outcomes]
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    asyncio.run(main())
