"""Speech recognition on the voice-diverse corpus: every engine and combination, one split.

The corpus (``tests/accuracy``: contact-center utterances said by espeak-ng, flite,
festival and Piper voices over 8 kHz mu-law lines with band-limiting, noise and
packet loss) is transcribed by each *system*:

* ``moonshine``: Moonshine base-en alone (greedy), biased toward number words when
  digits are expected; ``moonshine-unbiased`` without that bias;
* ``whisper``: the packaged Whisper base alone (greedy, ``language="en"``);
* ``second-pass``: :class:`~framekit.processors.stt.second_pass.SecondPassRecognizer` with its
  default policy, exactly as the contact center runs it; ``second-pass@0.7`` sets the
  confidence threshold, ``second-pass@0.7/en`` also turns language identification off;

with the dialogue's expectation for each clip as the bot would have sent it (digits
for an order number, a date, a name, yes/no; nothing for a question). What each
system answers goes through :func:`framekit.text.written_form`, as the processors
do, and is scored by ``accuracy.scoring``: WER per voice, line condition and kind,
order numbers, dates and times.

Decodes are cached on disk (``~/.cache/framekit/stt-decodes``, keyed by the audio,
engine, language and prompt), so the combinations replay the single engines'
answers instead of decoding again, and the decode time of a combination is the sum
of its engines' recorded times. Rules are chosen on ``--split dev``; ``--split
test`` is run once a rule is fixed, and ``--record`` appends its results to
``benchmarks/stt_corpus_runs.jsonl`` (the split is fixed in the repository and
every run on it is recorded).

Usage::

    .venv/bin/python benchmarks/bench_stt_corpus.py --split dev
    .venv/bin/python benchmarks/bench_stt_corpus.py --split test --record \\
        --systems moonshine,whisper,second-pass
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from accuracy.corpus import Clip, build, clip_audio, clips
from accuracy.line import transmit
from accuracy.scoring import Report, score
from accuracy.utterances import EXPECTED_SPEECH
from accuracy.voices import available_voices
from accuracy.wer import word_error_rate
from framekit.audio import decode_wav
from framekit.frames import ExpectedSpeech
from framekit.processors.stt.second_pass import SecondPassPolicy, SecondPassRecognizer
from framekit.processors.stt.transcript import Segment, SpeechAudio, Transcript
from framekit.services.engine import RecognizerEngine
from framekit.services.moonshine import MoonshineEngine
from framekit.services.whisper import WhisperEngine
from framekit.text import written_form

RESULTS = Path(__file__).resolve().parent / "stt_corpus_runs.jsonl"
DECODES = Path.home() / ".cache" / "framekit" / "stt-decodes"


class CachedEngine(RecognizerEngine):
    """A real engine whose answers are kept on disk, with the seconds each decode took."""

    def __init__(self, engine: RecognizerEngine, key: str) -> None:
        super().__init__(
            name=engine.name, device="cpu", compute_type="int8", workers=1, load_seconds=0
        )
        self.engine = engine
        self.key = key
        self.is_multilingual = bool(getattr(engine, "is_multilingual", False))
        self.biased = isinstance(engine, MoonshineEngine)
        """Moonshine decodes differently when digits are expected; Whisper does not."""
        self.seconds = 0.0
        """Decode seconds of the answers given since the last reset (cached or not)."""

    def transcribe(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        beam_size: int = 1,
        timestamps: bool = False,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        # Engines that ignore the expectation answer the same with or without it.
        hint = f"|{expect}" if expect is not None and self.biased else ""
        digest = hashlib.sha256(f"{self.key}|{language}|{prompt}|{beam_size}{hint}".encode())
        digest.update(bytes(audio))
        path = DECODES / self.key / f"{digest.hexdigest()[:24]}.json"
        if path.exists():
            saved = json.loads(path.read_text())
        else:
            started = time.perf_counter()
            heard = self.engine.transcribe(
                audio, language, prompt=prompt, beam_size=beam_size, expect=expect
            )
            saved = {
                "text": heard.text,
                "language": heard.language,
                "language_probability": heard.language_probability,
                "confidence": heard.confidence,
                "duration": heard.duration,
                "seconds": time.perf_counter() - started,
            }
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(saved))
        self.seconds += saved["seconds"]
        segment = Segment(0.0, saved["duration"], saved["text"], 0.0, 0.0, saved["confidence"])
        return Transcript(
            saved["text"],
            saved["language"],
            saved["language_probability"],
            (segment,) if saved["text"] else (),
            saved["duration"],
        )


def _system(name: str, moonshine: CachedEngine, whisper: CachedEngine) -> Any:
    """A ``transcribe(audio, expect)`` coroutine function for the system called ``name``."""
    if name == "moonshine":
        return lambda audio, expect: moonshine.transcribe_async(audio, "en", expect=expect)
    if name == "moonshine-unbiased":
        return lambda audio, expect: moonshine.transcribe_async(audio, "en")
    if name == "whisper":
        return lambda audio, expect: whisper.transcribe_async(audio, "en")
    if name.startswith("second-pass"):
        policy = SecondPassPolicy()
        if "@" in name:
            threshold, _, language = name.partition("@")[2].partition("/")
            policy = SecondPassPolicy(
                below_confidence=float(threshold), identify_language=language != "en"
            )
        recognizer = SecondPassRecognizer(moonshine, whisper, policy)
        return lambda audio, expect: recognizer.transcribe_async(audio, "en", expect=expect)
    raise SystemExit(f"unknown system {name!r}")


async def _run(system: Any, corpus: list[Clip], engines: list[CachedEngine]) -> Report:
    results = []
    for clip in corpus:
        audio = clip_audio(clip)
        for engine in engines:
            engine.seconds = 0.0
        heard = await system(audio, EXPECTED_SPEECH.get(clip.utterance.kind))
        seconds = sum(engine.seconds for engine in engines)
        audio_seconds = len(audio) / 32000
        results.append(score(clip, written_form(heard.text), seconds, audio_seconds))
    return Report(tuple(results))


HUMAN_REFERENCE = "Ever tried. Ever failed. No matter. Try again. Fail again. Fail better."
"""What the one human recording that ships in a package here says (moonshine-cpp's test
clip, ``test-data/beckett.wav``: a man reading Beckett's *Worstward Ho*, 10 s)."""


def _human_speech() -> bytes | None:
    """The human recording over a clean mu-law line, or ``None`` without moonshine-cpp."""
    import importlib.util

    spec = importlib.util.find_spec("moonshine_cpp")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "test-data" / "beckett.wav"
    pcm, fmt = decode_wav(path.read_bytes())
    pad = bytes(fmt.bytes_for(0.2))
    return transmit(pad + pcm + pad, fmt, "mulaw", "human-beckett")


async def _human_wer(system: Any) -> float | None:
    speech = _human_speech()
    if speech is None:
        return None
    heard = await system(speech, None)
    return word_error_rate(HUMAN_REFERENCE, written_form(heard.text))


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def _record(split: str, system: str, report: Report, human_wer: float | None) -> None:
    entry = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "split": split,
        "system": system,
        "human_wer": human_wer,
        **report.to_dict(worst=5),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as out:
        out.write(json.dumps(entry) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--systems", default="moonshine,whisper,second-pass")
    parser.add_argument("--voices", default="", help="comma-separated voice names (default all)")
    parser.add_argument("--record", action="store_true", help="append to " + str(RESULTS))
    parser.add_argument("--details", action="store_true", help="every table, not the summary")
    parser.add_argument("--out", type=Path, help="a folder for each system's report as JSON")
    args = parser.parse_args()

    voices = available_voices()
    if args.voices:
        wanted = set(args.voices.split(","))
        voices = tuple(v for v in voices if v.name in wanted)
    started = time.perf_counter()
    build(args.split, voices)
    corpus = clips(args.split, voices)
    built = time.perf_counter() - started
    print(f"{len(corpus)} clips, {len(voices)} voices, built in {built:.0f}s")

    moonshine = CachedEngine(MoonshineEngine.shared(), "moonshine-base-en")
    whisper = CachedEngine(WhisperEngine.shared(allow_download=False), "whisper-base-int8")
    summary = []
    for name in args.systems.split(","):
        system = _system(name, moonshine, whisper)
        report = asyncio.run(_run(system, corpus, [moonshine, whisper]))
        human = asyncio.run(_human_wer(system))
        worst = max(report.by_voice(), key=lambda g: g.wer)
        seconds = [r.seconds for r in report.results]
        summary.append(
            f"{name:24s} WER {report.wer:6.1%}  numbers {report.number_accuracy or 0:6.1%}  "
            f"dates/times {report.when_accuracy or 0:6.1%}  worst voice {worst.name} "
            f"{worst.wer:.1%}  decode mean {sum(seconds) / len(seconds) * 1000:.0f} ms  "
            f"human {'-' if human is None else f'{human:.0%}'}"
        )
        print(f"\n== {name} ({args.split})\n{report.to_text() if args.details else summary[-1]}")
        if args.record:
            _record(args.split, name, report, human)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{name.replace('/', '-')}.{args.split}.json").write_text(
                report.to_json(worst=40)
            )
    print("\n" + "\n".join(summary))


if __name__ == "__main__":
    main()
