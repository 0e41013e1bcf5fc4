"""Fit the sentiment heads shipped in ``framekit/analytics/data`` on the dev data only.

Both heads of :mod:`framekit.analytics.turn_model` are fitted on every caller turn of
the dev data (the ``dev`` split of ``tests/data/analytics/calls.jsonl``,
``calls_dev_extra.jsonl``, ``calls_dev_extra2.jsonl``, ``calls_dev_extra3.jsonl``,
``calls_dev_extra4.jsonl`` and the spent blind files ``calls_blind.jsonl``,
``calls_blind2.jsonl``, ``calls_blind3.jsonl`` and ``calls_blind4.jsonl``: nine sources,
1,060 calls),
class-balanced on standardized features (the embedding head also on hashed n-grams of
the turn's words, scaled, not standardized), with the inputs and penalty chosen by the
leave-one-file-out cross-validation of ``benchmarks/sentiment_cv.py``,
``benchmarks/sentiment_ngram_cv.py`` and ``analytics_accuracy.py --cv``; never on the
test split. Deterministic: the same data give the same weights. ``--prompts`` fits an
embedding head that also reads what the bot said before each caller turn
(``sentiment_head_minilm_prompts.npz`` beside the others, not packaged: over seven
sources, half a point more turns and a point more calls right held out, for twice the
CPU, over the 1 s budget of a 5-minute call).

Usage::

    .venv/bin/python benchmarks/fit_sentiment_head.py [--prompts]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics_accuracy import dev_calls, embedder, fit

DATA = Path(__file__).parents[1] / "src" / "framekit" / "analytics" / "data"
FILES = {"cues": "sentiment_head_cues.npz", "minilm": "sentiment_head_minilm.npz"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", action="store_true", help="the head that reads the bot")
    args = parser.parse_args()
    calls = dev_calls()
    encoder = embedder()
    files = {"minilm": "sentiment_head_minilm_prompts.npz"} if args.prompts else FILES
    for reader, name in files.items():
        model = fit(reader, calls, encoder, prompts=args.prompts)
        model.save((Path(".") if args.prompts else DATA) / name)
        print(f"{name}: {model.weights.shape[0]} features, fitted on {len(calls)} dev calls")


if __name__ == "__main__":
    main()
