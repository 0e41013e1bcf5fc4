"""Moonshine alone against batched: the same corpus clips, words and CPU compared.

Batched rows' encoder states are padded with zeros to the longest (the graphs take
no mask), so a batch may hear a row a little differently. This decodes clips of the corpus's dev
split (``tests/accuracy``; the Piper voices, which need nothing else installed) once
alone and once in runs of up to ``--batch`` clips of similar length (the engine's own
rule, ``MoonshineEngine._fits``), and prints how many came out the same, the word
error rate of each, the largest confidence change and the CPU-seconds of each
(``--float-encoder``: the encoder's matrix products in float32, as before they were
int8)::

    .venv/bin/python benchmarks/bench_stt_batch_accuracy.py --clips 60 --batch 4
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from accuracy.corpus import clip_audio, clips
from accuracy.voices import available_voices
from accuracy.wer import corpus_word_error_rate
from framekit.processors.stt.transcript import RecognitionRequest, Transcript
from framekit.services.moonshine import MoonshineEngine
from framekit.text import written_form


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _batched(engine: MoonshineEngine, audio: list[bytes], size: int) -> list[Transcript]:
    """Each clip's transcript from runs of up to ``size`` clips of similar length."""
    order = sorted(range(len(audio)), key=lambda i: len(audio[i]))
    found: dict[int, Transcript] = {}
    at = 0
    while at < len(order):
        group = [order[at]]
        lead = RecognitionRequest(audio[order[at]])
        while (
            at + len(group) < len(order)
            and len(group) < size
            and engine._fits(lead, RecognitionRequest(audio[order[at + len(group)]]))
        ):
            group.append(order[at + len(group)])
        results = engine.transcribe_batch([RecognitionRequest(audio[i]) for i in group])
        found.update(zip(group, results, strict=True))
        at += len(group)
    return [found[i] for i in range(len(audio))]


def main() -> None:
    """Decode, compare, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=60)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--float-encoder", action="store_true")
    args = parser.parse_args()
    voices = [v for v in available_voices() if v.name.startswith("piper")]
    chosen = clips("dev", voices)[: args.clips]
    audio = [clip_audio(c) for c in chosen]
    engine = MoonshineEngine.load(int8_encoder=not args.float_encoder)
    started = _cpu()
    alone = [engine.transcribe(a) for a in audio]
    alone_cpu, started = _cpu() - started, _cpu()
    batched = _batched(engine, audio, args.batch)
    batched_cpu = _cpu() - started
    references = [written_form(c.utterance.reference) for c in chosen]

    def wer(found: list[Transcript]) -> float:
        return corpus_word_error_rate(
            [(r, written_form(t.text)) for r, t in zip(references, found, strict=True)]
        )

    same = sum(a.text == b.text for a, b in zip(alone, batched, strict=True))
    shift = max(abs(a.confidence - b.confidence) for a, b in zip(alone, batched, strict=True))
    print(f"{len(chosen)} clips ({', '.join(v.name for v in voices)}), runs of up to {args.batch}")
    print(f"same text {same}/{len(chosen)}; WER alone {wer(alone):.3f}, batched {wer(batched):.3f}")
    print(
        f"largest confidence change {shift:.3f}; CPU alone {alone_cpu:.1f} s, "
        f"batched {batched_cpu:.1f} s"
    )


if __name__ == "__main__":
    main()
