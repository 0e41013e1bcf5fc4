"""The call node's work per caller message: Twilio in, through the VAD, at 16 kHz or 8 kHz.

Why: a served call node's event loop is mostly per-frame work (issue 18), and on this
shared machine a served run's CPU moves with the neighbours. This runs the caller's half
of a call node in one process, with no socket and no model tier: Twilio ``media``
messages (Piper speaking the load test's questions, 1.5 s of line between them, as
8 kHz mu-law) through a :class:`~framekit.transports.twilio.TwilioMediaStreamTransport`,
a :class:`~framekit.processors.vad.VADProcessor` on the process's Silero engine, and the
output transport. It reports process CPU (event loop and the Silero worker) per
message, the fastest of ``--repeats`` runs, for each line rate:

* ``16k``: the pipeline at 16 kHz (what every call runs today): the input transport
  resamples every 20 ms message to 16 kHz, and Silero scores 512-sample windows;
* ``8k``: the pipeline at the line's 8 kHz: mu-law decoded by table, no resampling,
  Silero on 256-sample windows. A recognizer then needs the utterance at 16 kHz, once
  per decode (``AudioConverter(PCM16_8K, PCM16_16K)``: ``resample`` below, per second of
  speech decoded).

``--stack call-node`` runs instead, at either rate, the stages a served phone call of the
contact center puts around the VAD (at 8 kHz since issue 18's line work; the utterance stage
then brings each decode's audio to 16 kHz once, which the figure includes), so what the
caller's frames cost after it is in the figure: the sensitive-entry gate and the audio
recorder's tap before the VAD; after it the utterance stage (on a recognizer that answers at
once with no words: no model runs), the spoken-entry stage, the relay, the call record's
point with its redaction, the language gate, the key menu and the call flow; the call record
as the task's observer, and before the output the record's point and the recorder's bot tap.
What it leaves out: the model tier's client (a decode per utterance, not per frame), the
voice, and the intent engine.

Usage::

    .venv/bin/python benchmarks/bench_caller_path.py --repeats 7
    .venv/bin/python benchmarks/bench_caller_path.py --stack call-node --repeats 5
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from loguru import logger

from framekit.audio import MULAW_8K, PCM16_8K, PCM16_16K, AudioConverter, mulaw_encode
from framekit.frames import ExpectedSpeech
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.privacy.redact import Redactor
from framekit.processors import FrameProcessor
from framekit.processors.call_flow import CallFlowProcessor
from framekit.processors.dtmf import DTMFAggregator
from framekit.processors.language import LanguageGate
from framekit.processors.recording import CallAudioRecorder
from framekit.processors.redaction import Redaction
from framekit.processors.sensitive import SensitiveEntryGate, SpokenEntryStage
from framekit.processors.stt.transcript import SpeechAudio, Transcript
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.processors.vad import TextTurnEndPolicy, TurnTextRelay, VADProcessor
from framekit.services.piper import PiperEngine
from framekit.services.silero import SileroVADEngine
from framekit.storage import CallRecorder
from framekit.transports.twilio import StreamLimits, TwilioMediaStreamTransport

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_twilio_stages import START, _media, _ScriptedSocket

QUESTIONS = (
    "What are your opening hours?",
    "Where is my order one two three four five?",
    "I would like to book an appointment for Friday at three.",
)
_GAP_SECONDS = 1.5


def caller_line() -> bytes:
    """The questions as Piper says them, 1.5 s of silence around each, as 8 kHz mu-law."""
    engine = PiperEngine.shared()
    to_line = AudioConverter(engine.audio_format, PCM16_8K)
    gap = bytes(PCM16_8K.bytes_for(_GAP_SECONDS))
    pcm = b"".join(gap + to_line.convert(b"".join(engine.synthesize(q))) for q in QUESTIONS)
    pcm += gap + to_line.flush()
    return mulaw_encode(pcm[: len(pcm) - len(pcm) % 320])


class _NoWords:
    """A recognizer that answers every utterance at once with no words (no model runs)."""

    name = "no-words"

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        return Transcript("", "en", 1.0, (), 0.0)


def _call_node(
    transport: TwilioMediaStreamTransport, vad: VADProcessor, recordings: str, rate: int
) -> PipelineTask:
    """The contact center's phone call around ``vad`` (framekit_contact_center.calls), no models."""
    record = CallRecorder(lambda _record: None, caller="+15550123", dialled="+15550100")
    audio = CallAudioRecorder(recordings, sample_rate=8000, stereo=False)
    redaction = Redaction(Redactor())
    output = transport.output()
    stages: list[FrameProcessor] = [
        transport.input(),
        SensitiveEntryGate(),
        audio.caller_tap(),
        vad,
        UtteranceSTTProcessor(_NoWords(), UtteranceOptions(interim_interval=None)),
        SpokenEntryStage(),
        TurnTextRelay(),
        Pipeline(redaction.around(record.record_point())),
        LanguageGate(),
        DTMFAggregator(menu_once=True),
        CallFlowProcessor(greeting=None, silence_timeout=None),
        *redaction.around(record.record_point()),
        audio.bot_tap(output),
        output,
    ]
    params = PipelineParams(enable_metrics=True, idle_timeout=None, audio_in_sample_rate=rate)
    return PipelineTask(Pipeline(stages), params=params, observers=[record])


async def _run(messages: list[str], rate: int, stack: str, chunk_ms: int) -> tuple[float, int]:
    """CPU-seconds of the process for the whole path at ``rate``, and the windows scored."""
    socket = _ScriptedSocket([START, *messages])
    limits = StreamLimits(messages_per_second=1e9, burst=10**9)
    transport = TwilioMediaStreamTransport(socket, limits=limits, input_chunk_ms=chunk_ms)
    await transport.handshake()
    turn_end = TextTurnEndPolicy() if stack == "call-node" else None
    vad = VADProcessor(SileroVADEngine.shared(rate), turn_end=turn_end)
    with tempfile.TemporaryDirectory(prefix="bench-caller-path-") as recordings:
        if stack == "call-node":
            task = _call_node(transport, vad, recordings, rate)
        else:
            task = PipelineTask(
                Pipeline([transport.input(), vad, transport.output()]),
                params=PipelineParams(idle_timeout=None, audio_in_sample_rate=rate),
            )
        started = time.process_time()
        await task.run()  # ends when the scripted socket runs dry
        return time.process_time() - started, vad.windows_scored


def _resample_per_second(line: bytes, repeats: int) -> float:
    """CPU-microseconds to bring one second of 8 kHz PCM16 speech to 16 kHz in one go."""
    pcm = AudioConverter(MULAW_8K, PCM16_8K).convert(line)
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        up = AudioConverter(PCM16_8K, PCM16_16K)
        up.convert(pcm)
        up.flush()
        best = min(best, time.process_time() - started)
    return best / PCM16_8K.duration_of(len(pcm)) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=2, help="line played this many times a run")
    parser.add_argument("--stack", choices=("vad", "call-node"), default="vad")
    parser.add_argument(
        "--input-chunk-ms", type=int, nargs="+", default=[20], help="caller audio per frame"
    )
    args = parser.parse_args()
    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    line = caller_line() * args.rounds
    messages = [_media(i, line[s : s + 160]) for i, s in enumerate(range(0, len(line), 160))]
    rates = (16000, 8000)
    for rate in rates:
        SileroVADEngine.shared(rate)  # loaded before any run is timed
    runs = [(rate, chunk) for rate in rates for chunk in args.input_chunk_ms]
    best: dict[tuple[int, int], float] = {}
    scored: dict[tuple[int, int], int] = {}
    for _ in range(args.repeats):  # the variants alternate: the same machine for each
        for run in runs:
            seconds, scored[run] = asyncio.run(_run(messages, run[0], args.stack, run[1]))
            best[run] = min(best.get(run, float("inf")), seconds)
    print(
        f"{len(messages)} messages ({len(messages) / 50:.0f} s of line), fastest of {args.repeats}"
    )
    for rate, chunk in runs:
        per = best[rate, chunk] / len(messages) * 1e6
        print(
            f"  line at {rate // 1000}k, {chunk} ms frames: {per:6.1f} us CPU per message, "
            f"{scored[rate, chunk]} windows scored"
        )
    print(
        f"  8k -> 16k once per decode: {_resample_per_second(line, args.repeats):.0f} us per second"
    )


if __name__ == "__main__":
    main()
