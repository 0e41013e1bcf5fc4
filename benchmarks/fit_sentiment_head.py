"""Fit the sentiment heads shipped in ``framekit/analytics/data`` on the dev data only.

Both turn heads of :mod:`framekit.analytics.turn_model` are fitted on every caller turn
of the dev data (the ``dev`` split of ``tests/data/analytics/calls.jsonl``,
``calls_dev_extra.jsonl``, ``calls_dev_extra2.jsonl``, ``calls_dev_extra3.jsonl``,
``calls_dev_extra4.jsonl``, ``calls_dev_extra5.jsonl`` and the spent blind files
``calls_blind.jsonl`` to ``calls_blind7.jsonl``: thirteen sources, 1,510 calls),
class-balanced on standardized features (the embedding head also on hashed n-grams of
the turn's words, scaled, not standardized), with the inputs and penalty chosen by the
leave-one-file-out cross-validation of ``benchmarks/sentiment_cv.py``,
``benchmarks/sentiment_ngram_cv.py`` and ``analytics_accuracy.py --cv``; never on the
test split.

The call head of the embedding head (:mod:`framekit.analytics.call_head`) is fitted on
what that head's recipe reads of writers it was not fitted on: each dev file's turns
read by a head fitted on the other files (leave one file out, thirteen fits), so it learns
how far to trust a reading of an unseen writer, not of the calls the turn head
memorised. Its recipe (aggregates and the resolution, penalty 1, not class-balanced)
was chosen by ``benchmarks/call_sentiment_cv.py``.

Deterministic: the same data give the same weights. ``--prompts`` fits an embedding head
that also reads what the bot said before each caller turn
(``sentiment_head_minilm_prompts.npz`` beside the others, not packaged: over seven
sources, half a point more turns and a point more calls right held out, for twice the
CPU, over the 1 s budget of a 5-minute call; no call head).

Usage::

    .venv/bin/python benchmarks/fit_sentiment_head.py [--prompts] [--only call]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from analytics_accuracy import caller_turns, dev_calls, dev_files, embedder, fit, met_by
from framekit.analytics import from_events, outcome_of, resolution
from framekit.analytics.call_head import CallHead, call_features
from framekit.analytics.turn_model import LABELS, HeadScorer, fit_head

DATA = Path(__file__).parents[1] / "src" / "framekit" / "analytics" / "data"
FILES = {"cues": "sentiment_head_cues.npz", "minilm": "sentiment_head_minilm.npz"}
CALL_HEAD: Final = "call_head_minilm.npz"
CALL_L2: Final = 1.0
CALL_ITERATIONS: Final = 2000


def held_out_readings(encoder: Any) -> list[tuple[dict[str, Any], npt.NDArray[np.float64]]]:
    """Every dev call with a caller turn and its turns' probabilities by the embedding
    head's recipe fitted on the other dev files."""
    files = dev_files()
    out = []
    for name, held in files.items():
        rest = [call for other, calls in files.items() if other != name for call in calls]
        scorer = HeadScorer(fit("minilm", rest, encoder), encoder)
        for call in held:
            if texts := caller_turns(call):
                out.append((call, scorer.probabilities(texts, met_by(call))))
        print(f"  {name}: read by a head fitted on the {len(files) - 1} other files", flush=True)
    return out


def fit_call_head(readings: list[tuple[dict[str, Any], npt.NDArray[np.float64]]]) -> CallHead:
    """The call head over :func:`call_features` of ``readings`` and each call's resolution."""
    rows = np.vstack([call_features(p, _resolution(call)) for call, p in readings])
    heads = [
        fit_head(
            rows,
            [LABELS.index(call["labels"][key]) for call, _ in readings],
            l2=CALL_L2,
            iterations=CALL_ITERATIONS,
            standardize=True,
        )
        for key in ("call_sentiment", "sentiment_end")
    ]
    return CallHead(*heads[0], *heads[1])


def _resolution(call: dict[str, Any]) -> str:
    """The resolution the analysis finds for ``call`` (what the call head reads)."""
    events = from_events(call["events"])
    stored = outcome_of(events, call["end_cause"]).value
    return resolution(stored, events, call["end_cause"]).value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", action="store_true", help="the head that reads the bot")
    parser.add_argument("--only", choices=("call",), help="refit the call head alone")
    args = parser.parse_args()
    calls = dev_calls()
    encoder = embedder()
    if args.only is None:
        files = {"minilm": "sentiment_head_minilm_prompts.npz"} if args.prompts else FILES
        for reader, name in files.items():
            model = fit(reader, calls, encoder, prompts=args.prompts)
            model.save((Path(".") if args.prompts else DATA) / name)
            print(f"{name}: {model.weights.shape[0]} features, fitted on {len(calls)} dev calls")
    if not args.prompts:
        readings = held_out_readings(encoder)
        fit_call_head(readings).save(DATA / CALL_HEAD)
        print(f"{CALL_HEAD}: fitted on the held-out readings of {len(readings)} dev calls")


if __name__ == "__main__":
    main()
