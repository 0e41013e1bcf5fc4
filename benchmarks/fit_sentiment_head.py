"""Fit the sentiment heads shipped in ``framekit/analytics/data`` on the dev data only.

Both heads of :mod:`framekit.analytics.turn_model` are fitted on every caller turn of
the dev data (the ``dev`` split of ``tests/data/analytics/calls.jsonl``,
``calls_dev_extra.jsonl``, ``calls_dev_extra2.jsonl`` and the spent blind files
``calls_blind.jsonl`` and ``calls_blind2.jsonl``), class-balanced on standardized
features, with the inputs and penalty chosen by the leave-one-file-out
cross-validation of ``benchmarks/sentiment_cv.py`` and ``analytics_accuracy.py --cv``;
never on the test split or ``calls_blind3.jsonl``. The embedding head also reads what
the bot said before each caller turn. Deterministic: the same data give the same
weights.

Usage::

    .venv/bin/python benchmarks/fit_sentiment_head.py
"""

from __future__ import annotations

from pathlib import Path

from analytics_accuracy import dev_calls, embedder, fit

DATA = Path(__file__).parents[1] / "src" / "framekit" / "analytics" / "data"
FILES = {"cues": "sentiment_head_cues.npz", "minilm": "sentiment_head_minilm.npz"}


def main() -> None:
    calls = dev_calls()
    encoder = embedder()
    for reader, name in FILES.items():
        model = fit(reader, calls, encoder)
        model.save(DATA / name)
        print(f"{name}: {model.weights.shape[0]} features, fitted on {len(calls)} dev calls")


if __name__ == "__main__":
    main()
