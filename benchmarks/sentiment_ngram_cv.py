"""Hashed n-grams beside the embedding: variants of the head, by leave-one-file-out on dev.

The companion of ``benchmarks/sentiment_cv.py`` (whose scoring and folds it reuses) for
the heads that also read :func:`framekit.analytics.ngrams.hashed_ngrams`: the caller
turn's words, negation-marked words, bigrams and letter n-grams, hashed into a few
thousand columns and fitted jointly with the embedding and the cues. The embedding and
cue columns are standardized as the shipped head's are; the n-gram columns are not (a
rare n-gram's tiny variance would blow up its weight) but multiplied by ``scale``,
which sets their penalty against the others' (a column scaled by ``s`` is penalised as
if by ``l2 / s**2``).

Blocks: ``emb`` and ``cues`` (as in ``sentiment_cv.py``), ``ngram`` (the hashed
n-grams of the caller's turn, 4,096 or 1,024 columns), ``botngram`` (the word n-grams
of what the bot said last, 1,024 columns: a failed lookup's "I couldn't find" before a
"great"); ``+lower`` fits on every training turn
twice, once as written and once as a recognizer would give it (lowercase, no
punctuation): an augmentation for writers who type differently from the training files.

Never reads the test split. Usage::

    .venv/bin/python benchmarks/sentiment_ngram_cv.py [--variant NAME ...]
"""

from __future__ import annotations

import argparse
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import numpy as np

from analytics_accuracy import L2, caller_turns, dev_files, embedder, met_by
from framekit.analytics import from_events
from framekit.analytics.conversation import bot_before_caller
from framekit.analytics.ngrams import hashed_ngrams
from framekit.analytics.turn_model import TurnModel, features, fit_head
from sentiment_cv import F64, Call, Fitter, Tally, Variant, _score, leave_one_file_out

DIMS: Final = (1024, 4096)
"""Results over the nine and ten dev sources: ``docs/benchmarks.md`` (post-call analytics)."""
_PUNCTUATION: Final = re.compile(r"[^\w\s']")


def recognizer_style(text: str) -> str:
    """``text`` as a recognizer writes it: lowercase words, no punctuation."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())


def prepare(files: dict[str, list[dict[str, Any]]]) -> list[Call]:
    """Every block of every dev call's caller turns, written and recognizer-style."""
    encoder = embedder()
    out = []
    for name, calls in files.items():
        for call in calls:
            texts = caller_turns(call)
            if not texts:
                continue
            met = met_by(call)
            lower = [recognizer_style(t) for t in texts]
            bots = bot_before_caller(from_events(call["events"]))
            blocks = {}
            for suffix, said in (("", texts), ("_lower", lower)):
                base = features(said, met, encoder)
                blocks[f"emb{suffix}"] = base[:, :384]
                blocks[f"cues{suffix}"] = base[:, 384:]
            blocks.update(text_blocks(texts, bots))
            out.append(Call.labelled(call, name, blocks))
    return out


def text_blocks(texts: list[str], bots: list[str]) -> dict[str, F64]:
    """The blocks read from the words alone (cheap: recomputed on every run)."""
    blocks = {}
    for suffix, said in (("", texts), ("_lower", [recognizer_style(t) for t in texts])):
        for dim in DIMS:
            blocks[f"ngram{dim}{suffix}"] = hashed_ngrams(said, dim)
        blocks[f"botngram{suffix}"] = hashed_ngrams(bots, 1024, chars=())
    return blocks


def _refresh(calls: list[Call], files: dict[str, list[dict[str, Any]]]) -> None:
    """Recompute :func:`text_blocks` of cached calls (the embeddings are what is cached)."""
    by_id = {call["id"]: call for calls in files.values() for call in calls}
    for c in calls:
        events = by_id[c.id]["events"]
        c.blocks.update(
            text_blocks(caller_turns(by_id[c.id]), bot_before_caller(from_events(events)))
        )


def joint(l2: float, dense: int, scale: float, iterations: int = 1000) -> Fitter:
    """Class-balanced logistic regression over ``dense`` standardized columns first and
    the rest (hashed n-grams) raw, times ``scale``."""

    def fit(rows: F64, _: F64 | None, labels: list[int]) -> Callable[[F64], F64]:
        weights, bias = fit_head(
            rows,
            labels,
            l2=l2,
            iterations=iterations,
            balanced=True,
            standardize=True,
            raw_tail=rows.shape[1] - dense,
            tail_scale=scale,
        )
        model = TurnModel(weights, bias, 0)
        return model.probabilities

    return fit


E, EN = ("emb", "cues"), ("emb", "cues", "ngram4096")
D = 384 + 15
VARIANTS: dict[str, Variant] = {
    "emb+cues z l2=30 (shipped before)": Variant(E, joint(L2["minilm"], D, 0.0)),
    "emb+cues+ngram4096 s=1": Variant(EN, joint(30, D, 1.0)),
    "emb+cues+ngram4096 s=2": Variant(EN, joint(30, D, 2.0)),
    "emb+cues+ngram4096 s=4 (shipped in a37eb7d)": Variant(EN, joint(30, D, 4.0)),
    "emb+cues+ngram4096 s=8": Variant(EN, joint(30, D, 8.0)),
    "emb+cues+ngram4096 s=16 (shipped)": Variant(EN, joint(30, D, 16.0)),
    "emb+cues+ngram1024+botngram s=2": Variant(
        ("emb", "cues", "ngram1024", "botngram"), joint(30, D, 2.0)
    ),
}
AUGMENTED: Final = ("emb+cues z l2=30 (shipped before) +lower",)


def _with_lower(calls: list[Call]) -> list[Call]:
    """Each call twice: as written, and recognizer-style under the same block names."""
    copies = [
        Call(
            c.id + "~",
            c.file,
            c.labels,
            c.call_label,
            c.end_label,
            {k[: -len("_lower")]: v for k, v in c.blocks.items() if k.endswith("_lower")},
        )
        for c in calls
    ]
    return calls + copies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", help="default: all")
    parser.add_argument("--cache", help="a file keeping the prepared blocks between runs")
    args = parser.parse_args()
    files = dev_files()
    calls = []
    if args.cache and Path(args.cache).exists():
        calls = pickle.loads(Path(args.cache).read_bytes())
        _refresh(calls, files)
    done = {c.file for c in calls}
    new = {name: held for name, held in files.items() if name not in done}
    if new:
        calls += prepare(new)
        if args.cache:
            Path(args.cache).write_bytes(pickle.dumps(calls))
    print(f"{len(calls)} dev calls with caller turns; lofo turn / call / end %")
    names = args.variant or [*VARIANTS, *AUGMENTED]
    for name in names:
        if name.endswith(" +lower"):
            base = VARIANTS[name.removesuffix(" +lower")]
            pooled, each = _lofo_augmented(base, calls)
        else:
            pooled, each = leave_one_file_out(VARIANTS[name], calls)
        line = "  ".join(f"{f.split('.')[0]} {t}" for f, t in each.items())
        print(f"{name:40s} lofo {pooled} | {line}", flush=True)


def _lofo_augmented(variant: Variant, calls: list[Call]) -> tuple[Tally, dict[str, Tally]]:
    """Leave one file out, the training files doubled by their recognizer-style copies."""
    pooled = Tally(np.zeros(3), np.zeros(3))
    each = {}
    for name in dict.fromkeys(c.file for c in calls):
        train = _with_lower([c for c in calls if c.file != name])
        t = _score(variant, train, [c for c in calls if c.file == name])
        each[name] = t
        pooled.right += t.right
        pooled.total += t.total
    return pooled, each


if __name__ == "__main__":
    main()
