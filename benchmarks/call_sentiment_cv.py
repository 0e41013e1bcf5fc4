"""How to derive the call's and the end's sentiment from the turn head: every rule tried,
by leave-one-file-out on dev only.

The shipped head's recipe (``emb+cues`` and the hashed n-grams, class-balanced,
standardized, the penalty ``L2["minilm"]`` and ``NGRAM_SCALE`` of
``analytics_accuracy.py``) is fitted on the other dev files and reads the turns of the
held one (each file has its own annotator: the estimate for writers never seen). Each
derivation below turns those readings (each turn's probabilities of negative / neutral /
positive) into ``call_sentiment`` and ``sentiment_end``; what it fits (a few
thresholds, or a tiny call-level model such as the shipped call head,
:mod:`framekit.analytics.call_head`) is fitted without the held file's labels:

* ``--inner outer`` (default): on the other files' held-out readings (each read by a
  head fitted on the files but it, the held file among them: the held file's turns
  shaped those readings, never its call labels); thirteen turn fits in all (one per dev source);
* ``--inner lofo``: on the training files' own inner readings (a head fitted on all
  training files but one reads that one), ``--inner cv5``: 5 folds over them: fully
  nested, 132 or 60 more fits (hours on a shared machine at 4,495 columns);
* ``pooled``: the best thresholds for all the held files together (optimistic: the
  thresholds saw the calls they are scored on).

Calls without a caller turn are neutral whatever the rule and counted right, as in
``analytics_accuracy.py --cv``. Never reads the test split. Figures:
``docs/benchmarks.md`` (post-call analytics).

Usage::

    .venv/bin/python benchmarks/call_sentiment_cv.py [--inner outer|lofo|cv5]
"""

from __future__ import annotations

import argparse
import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from analytics_accuracy import (
    ITERATIONS,
    L2,
    NGRAM_SCALE,
    NGRAMS,
    caller_turns,
    dev_files,
    embedder,
    met_by,
)
from framekit.analytics import from_events, outcome_of, resolution
from framekit.analytics.call_head import OUTCOMES, call_features, rule_probabilities
from framekit.analytics.sentiment import call_sentiment
from framekit.analytics.turn_model import FEATURES, LABELS, features, fit_head

F64 = npt.NDArray[np.float64]
EMBEDDING: Final = 384


@dataclass
class Call:
    """One dev call: its file, head features, turn labels, call / end labels, resolution."""

    file: str
    rows: F64
    turns: list[int]
    call: str
    end: str
    resolution: str


def prepare() -> list[Call]:
    """Every dev call's head features (embedding, cues, n-grams), computed once."""
    encoder = embedder()
    out = []
    for name, calls in dev_files().items():
        for call in calls:
            texts = caller_turns(call)
            rows = (
                features(texts, met_by(call), encoder, None, NGRAMS["minilm"])
                if texts
                else np.zeros((0, EMBEDDING + FEATURES + NGRAMS["minilm"]))
            )
            labels = call["labels"]
            events = from_events(call["events"])
            stored = outcome_of(events, call["end_cause"]).value
            out.append(
                Call(
                    name,
                    rows,
                    [LABELS.index(x) for x in labels["turn_sentiment"]],
                    labels["call_sentiment"],
                    labels["sentiment_end"],
                    resolution(stored, events, call["end_cause"]).value,
                )
            )
    return out


def head_probabilities(train: Sequence[Call], test: Sequence[Call]) -> list[F64]:
    """Each test call's turn probabilities from the shipped head's recipe fitted on train."""
    rows = np.vstack([c.rows for c in train])
    labels = [y for c in train for y in c.turns]
    weights, bias = fit_head(
        rows,
        labels,
        l2=L2["minilm"],
        iterations=ITERATIONS["minilm"],
        balanced=True,
        standardize=True,
        raw_tail=NGRAMS["minilm"],
        tail_scale=NGRAM_SCALE,
    )
    out = []
    for call in test:
        logits = call.rows @ weights + bias
        odds = np.exp(logits - logits.max(axis=1, keepdims=True)) if len(logits) else logits
        out.append(odds / odds.sum(axis=1, keepdims=True) if len(odds) else odds)
    return out


def _labels(p: F64, neutral: float = 0.0) -> tuple[str, str]:
    """The guidelines' rules over each turn's most likely label, neutral's odds moved."""
    q = p * np.exp([0.0, neutral, 0.0])
    found = call_sentiment(["x"] * len(p), scores=[(-0.5, 0.0, 0.5)[g] for g in q.argmax(axis=1)])
    return found.call, found.end


def _by_margin(p: F64, margin: float) -> tuple[str, str]:
    """The rules with a turn felt when P(positive) - P(negative) is past ``margin``."""
    spread = p[:, 2] - p[:, 0]
    found = call_sentiment(
        ["x"] * len(p), scores=[0.5 * np.sign(s) * (abs(s) > margin) for s in spread]
    )
    return found.call, found.end


def _expected(p: F64, felt: float, lead: float) -> str:
    """Neutral when fewer than ``felt`` feelings are expected; else the larger expected
    count when it leads by more than ``lead``; else the tie rule (end, else negative)."""
    pos, neg = float(p[:, 2].sum()), float(p[:, 0].sum())
    if pos + neg < felt:
        return "neutral"
    if abs(pos - neg) > lead:
        return "positive" if pos > neg else "negative"
    end = _labels(p)[1]
    return end if end != "neutral" else "negative"


def _most_likely(p: F64, neutral: float) -> tuple[str, str]:
    """The call's and the end's most likely labels by :func:`rule_probabilities`, neutral's
    odds moved by ``neutral``."""
    call, end = (
        LABELS[int(np.argmax(q * np.exp([0.0, neutral, 0.0])))] for q in rule_probabilities(p)
    )
    return call, end


def aggregates(p: F64, outcome: str | None) -> F64:
    """A call's summary for the call-level model: :func:`call_features` (the shipped call
    head's), without the resolution's columns when ``outcome`` is None."""
    row = call_features(p, outcome or "")
    return row if outcome else row[: -len(OUTCOMES)]


Predict = Callable[[F64, Call], tuple[str, str]]
Fit = Callable[[Sequence[Call], Sequence[F64]], Predict]


def thresholds(rule: Callable[..., tuple[str, str]], grid: dict[str, list[float]]) -> Fit:
    """A rule whose thresholds are the grid's best on the training readings, chosen apart
    for the call's label (``call_*`` keys and shared ones) and the end's."""

    def fit(calls: Sequence[Call], probs: Sequence[F64]) -> Predict:
        right = [(_right(_fixed(rule, t), calls, probs), t) for t in _grid(grid)]
        chosen = [max(right, key=lambda r: r[0][which])[1] for which in (0, 1)]
        FITTED.append(chosen)
        return lambda p, _c: (rule(p, **chosen[0])[0], rule(p, **chosen[1])[1])

    return fit


def _fixed(rule: Callable[..., tuple[str, str]], t: dict[str, float]) -> Predict:
    return lambda p, _c: rule(p, **t)


FITTED: list[list[dict[str, float]]] = []
"""The thresholds each fit chose (call's, end's), printed with the figures."""


def _grid(grid: dict[str, list[float]]) -> list[dict[str, float]]:
    keys = list(grid)
    return [dict(zip(keys, v, strict=True)) for v in itertools.product(*grid.values())]


def call_model(l2: float, *, balanced: bool, outcome: bool) -> Fit:
    """A tiny multinomial logistic regression per label over :func:`aggregates`."""

    def fit(calls: Sequence[Call], probs: Sequence[F64]) -> Predict:
        felt = [(c, p) for c, p in zip(calls, probs, strict=True) if len(p)]
        x = np.vstack([aggregates(p, c.resolution if outcome else None) for c, p in felt])
        heads = [
            fit_head(
                x,
                [LABELS.index(getattr(c, key)) for c, _ in felt],
                l2=l2,
                iterations=2000,
                balanced=balanced,
                standardize=True,
            )
            for key in ("call", "end")
        ]

        def predict(p: F64, call: Call) -> tuple[str, str]:
            row = aggregates(p, call.resolution if outcome else None)
            got = [LABELS[int(np.argmax(row @ w + b))] for w, b in heads]
            return got[0], got[1]

        return predict

    return fit


GRID = [float(x) for x in np.round(np.arange(-1.5, 1.51, 0.25), 2)]
DERIVATIONS: dict[str, Fit] = {
    "hard labels, guidelines' rules (shipped before)": thresholds(lambda p: _labels(p), {}),
    "neutral odds shift": thresholds(_labels, {"neutral": GRID}),
    "felt margin on P(pos) - P(neg)": thresholds(
        _by_margin, {"margin": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}
    ),
    "expected counts (end: hard)": thresholds(
        lambda p, felt, lead: (_expected(p, felt, lead), _labels(p)[1]),
        {"felt": [0.5, 0.75, 1.0, 1.25, 1.5], "lead": [0.0, 0.1, 0.25, 0.5]},
    ),
    "most likely label under the rules": thresholds(_most_likely, {"neutral": GRID}),
}
DERIVATIONS.update(
    {
        f"call-level LR{' + resolution' * outcome}{' balanced' * balanced} l2={l2:g}"
        + " (shipped: call_head)" * (outcome and not balanced and l2 == 1.0): call_model(
            l2, balanced=balanced, outcome=outcome
        )
        for outcome in (False, True)
        for balanced in (False, True)
        for l2 in (1.0, 10.0)
    }
)


def _right(predict: Predict, calls: Sequence[Call], probs: Sequence[F64]) -> tuple[int, int]:
    """Right calls and right ends (no caller turn: neutral)."""
    right = [0, 0]
    for call, p in zip(calls, probs, strict=True):
        got = predict(p, call) if len(p) else ("neutral", "neutral")
        right[0] += got[0] == call.call
        right[1] += got[1] == call.end
    return right[0], right[1]


@dataclass
class Readings:
    """The held files' readings (``outer``) and, per held file, its training files' inner
    readings (call index to probabilities)."""

    outer: list[F64]
    inner: dict[str, dict[int, F64]] = field(default_factory=dict)


def readings(calls: list[Call], inner: str) -> Readings:
    files = list(dict.fromkeys(c.file for c in calls))
    out = Readings([np.zeros((0, 3))] * len(calls))
    for name in files:
        held = [n for n, c in enumerate(calls) if c.file == name]
        rest = [n for n, c in enumerate(calls) if c.file != name]
        for n, p in zip(
            held,
            head_probabilities([calls[i] for i in rest], [calls[i] for i in held]),
            strict=True,
        ):
            out.outer[n] = p
        if inner == "outer":
            continue
        if inner == "lofo":
            parts = [
                [n for n in rest if calls[n].file == other] for other in files if other != name
            ]
        else:
            order = rest[:]
            random.Random(15).shuffle(order)
            parts = [order[k::5] for k in range(5)]
        out.inner[name] = {}
        for part in parts:
            train = [calls[n] for n in rest if n not in set(part)]
            out.inner[name].update(
                zip(part, head_probabilities(train, [calls[n] for n in part]), strict=True)
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inner", choices=("outer", "lofo", "cv5"), default="outer")
    args = parser.parse_args()
    calls = prepare()
    seen = readings(calls, args.inner)
    files = list(dict.fromkeys(c.file for c in calls))
    turns = sum(
        int(p[i].argmax() == y)
        for c, p in zip(calls, seen.outer, strict=True)
        for i, y in enumerate(c.turns)
    )
    count = sum(len(c.turns) for c in calls)
    print(
        f"{len(calls)} dev calls, {count} caller turns, LOFO turn {100 * turns / count:.1f} %; "
        f"call / end %: nested ({args.inner}), pooled-chosen, each held file (nested)"
    )
    for name, fit in DERIVATIONS.items():
        nested, each = np.zeros(2), []
        for fname in files:
            inner = seen.inner.get(fname) or {
                n: seen.outer[n] for n, c in enumerate(calls) if c.file != fname
            }
            train = sorted(inner)
            predict = fit([calls[n] for n in train], [inner[n] for n in train])
            held = [n for n, c in enumerate(calls) if c.file == fname]
            got = _right(predict, [calls[n] for n in held], [seen.outer[n] for n in held])
            nested += got
            each.append(f"{fname.split('.')[0]} {_pct(got, len(held))}")
        pooled = _pct(_right(fit(calls, seen.outer), calls, seen.outer), len(calls))
        chosen = f" chose {FITTED[-1]}" if FITTED and FITTED[-1][0] else ""
        FITTED.clear()
        print(
            f"{name:44s} nested {_pct(nested, len(calls))} | pooled {pooled} | "
            + "  ".join(each)
            + chosen,
            flush=True,
        )


def _pct(right: Sequence[float] | F64, total: int) -> str:
    return f"{100 * right[0] / total:.1f} / {100 * right[1] / total:.1f}"


if __name__ == "__main__":
    main()
