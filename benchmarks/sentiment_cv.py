"""Which sentiment head to ship: every variant tried, scored by cross-validation on dev only.

Two estimates, both by call (the turns of one call never straddle folds):

* ``cv``: 5 folds over all the dev calls;
* ``lofo`` (leave one file out): a head fitted on the other dev files scores each dev
  file (``calls.jsonl``'s dev split, ``calls_dev_extra.jsonl``, ``calls_dev_extra2.jsonl``,
  ``calls_dev_extra3.jsonl``, ``calls_dev_extra4.jsonl``, ``calls_dev_extra5.jsonl``, and
  the spent ``calls_blind.jsonl`` to ``calls_blind7.jsonl``: thirteen sources), each written
  by its own annotator: the honest proxy for callers and writers the head has never seen.

Each line gives turn / call / end accuracy (the call's labels follow from the turns'
by the guidelines' rules, :func:`framekit.analytics.sentiment.call_sentiment`). Calls
without a caller turn (neutral whatever the head) are left out, so the call figures sit
a little under ``analytics_accuracy.py --cv``'s. Never reads the test split.

The blocks a variant reads: ``emb`` (the caller turn's all-MiniLM-L6-v2 embedding),
``cues`` (:func:`framekit.analytics.turn_model.features` without the embedding: VADER
cues, the rules' score and the met flags), ``place`` (:func:`context_rows`: the last
tool failed, empty or answered, the bot apologised or asked, the position in the
call), ``bot`` (the bot's previous words embedded), ``pair`` ("bot: ... caller: ..."
embedded), ``outcome`` (the call's resolution), and ``prevemb`` / ``prevcues`` (the
caller's previous turn's embedding or cues, zeros for the first).

Usage::

    .venv/bin/python benchmarks/sentiment_cv.py [--variant NAME ...]
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from analytics_accuracy import caller_turns, dev_files, embedder, met_by
from framekit.analytics import from_events, outcome_of, resolution
from framekit.analytics.conversation import Event, ToolUse, Utterance, tool_ok
from framekit.analytics.sentiment import call_sentiment
from framekit.analytics.turn_model import LABELS, features, fit_head

F64 = npt.NDArray[np.float64]


@dataclass
class Call:
    """One dev call's turns: labels, and every block of features a variant may read."""

    id: str
    file: str
    labels: list[int]
    call_label: str
    end_label: str
    blocks: dict[str, F64]

    @classmethod
    def labelled(cls, call: dict[str, Any], file: str, blocks: dict[str, F64]) -> Call:
        """``call``'s hand labels (from its corpus line) with its feature ``blocks``."""
        labels = call["labels"]
        turns = [LABELS.index(x) for x in labels["turn_sentiment"]]
        return cls(
            call["id"], file, turns, labels["call_sentiment"], labels["sentiment_end"], blocks
        )


def prepare(files: dict[str, list[dict[str, Any]]]) -> list[Call]:
    """Every block of features of every dev call, computed once."""
    encoder = embedder()
    out = []
    for name, calls in files.items():
        for call in calls:
            texts = caller_turns(call)
            if not texts:
                continue  # no caller turn: neutral by rule, right whatever the head
            met = met_by(call)
            events = from_events(call["events"])
            base = features(texts, met, encoder)
            place = context_rows(events, met)
            bots = [_bot_before(events, n) for n in range(len(texts))]
            pairs = [f"bot: {b} caller: {t}" for b, t in zip(bots, texts, strict=True)]
            blocks = {
                "emb": base[:, :384],
                "cues": base[:, 384:],
                "cues_norules": np.delete(base[:, 384:], 10, axis=1),
                "place": place,
                "bot": encoder.encode(bots).astype(np.float64),
                "pair": encoder.encode(pairs).astype(np.float64),
            }
            for block in ("emb", "cues"):  # the caller's previous turn (zeros for the first)
                rows = blocks[block]
                blocks[f"prev{block}"] = np.vstack([np.zeros((1, rows.shape[1])), rows[:-1]])
            resolved = _resolution(call)
            blocks["outcome"] = np.array(
                [[float(resolved == r) for r in OUTCOMES] for _ in texts], dtype=np.float64
            )
            out.append(Call.labelled(call, name, blocks))
    return out


OUTCOMES = ("resolved", "transferred", "unresolved", "failed")


def _resolution(call: dict[str, Any]) -> str:
    events = from_events(call["events"])
    stored = outcome_of(events, call["end_cause"]).value
    return resolution(stored, events, call["end_cause"]).value


def _bot_before(events: list[Any], turn: int) -> str:
    """What the bot said last before the caller's ``turn``-th turn."""
    seen, last = -1, ""
    for event in events:
        if getattr(event, "role", None) == "caller":
            seen += 1
            if seen == turn:
                return last
        elif getattr(event, "role", None) == "bot":
            last = event.text
    return last


PLACE_NAMES: Final = (
    "tool_failed",
    "tool_empty",
    "tool_answered",
    "failed_so_far",
    "bot_sorry",
    "bot_asked",
    "position",
    "first_turn",
)
"""What happened just before a caller turn, in the order :func:`context_rows` returns
them: the last tool since the caller's previous turn failed, came back empty or
answered; a tool had failed earlier in the call; the bot's last words apologised or
asked a question; how far into the call the turn is (0 first, 1 last); the first turn."""


def context_rows(events: Sequence[Event], met: Sequence[bool]) -> F64:
    """:data:`PLACE_NAMES` of each caller turn of ``events`` (``met``: one per caller turn,
    only its length read): a "great" after a failed lookup is not a "great" after an
    answer."""
    count = len(met)
    rows = np.zeros((count, len(PLACE_NAMES)))
    turn, last_tool, failed, bot = 0, None, False, ""
    for event in events:
        if isinstance(event, ToolUse):
            last_tool = event
            failed = failed or not tool_ok(event)
        elif isinstance(event, Utterance) and event.role == "bot":
            bot = event.text.lower()
        elif isinstance(event, Utterance) and turn < count:
            ok = last_tool is not None and tool_ok(last_tool)
            empty = ok and last_tool is not None and _empty(last_tool.result)
            rows[turn] = [
                float(last_tool is not None and not ok),
                float(empty),
                float(ok and not empty),
                float(failed),
                float(bool(_SORRY.search(bot))),
                float("?" in bot),
                turn / (count - 1) if count > 1 else 0.0,
                float(turn == 0),
            ]
            turn, last_tool = turn + 1, None
    return rows


_SORRY: Final = re.compile(r"\b(sorry|apologi[sz]e|unfortunately|i'?m afraid)\b")


def _empty(result: object) -> bool:
    """A tool result with nothing in it (``{"slots": []}``)."""
    return isinstance(result, dict) and bool(result) and not any(result.values())


Fitter = Callable[[F64, F64 | None, list[int]], Callable[[F64], F64]]


def logistic(
    l2: float, iterations: int = 1000, *, balanced: bool = False, z: bool = False
) -> Fitter:
    """Multinomial logistic regression (the shipped :func:`fit_head`)."""

    def fit(rows: F64, _: F64 | None, labels: list[int]) -> Callable[[F64], F64]:
        weights, bias = fit_head(
            rows, labels, l2=l2, iterations=iterations, balanced=balanced, standardize=z
        )

        def predict(test: F64) -> F64:
            logits = test @ weights + bias
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            out: F64 = p / p.sum(axis=1, keepdims=True)
            return out

        return predict

    return fit


def mlp(hidden: int = 32, l2: float = 1e-3, epochs: int = 300, seed: int = 0) -> Fitter:
    """One hidden layer (tanh), full-batch Adam, z-scored inputs."""

    def fit(rows: F64, _: F64 | None, labels: list[int]) -> Callable[[F64], F64]:
        rng = np.random.default_rng(seed)
        mean, std = rows.mean(axis=0), rows.std(axis=0) + 1e-6
        x = (rows - mean) / std
        y = np.eye(3)[labels]
        params = [
            rng.normal(0, 1 / np.sqrt(x.shape[1]), (x.shape[1], hidden)),
            np.zeros(hidden),
            rng.normal(0, 1 / np.sqrt(hidden), (hidden, 3)),
            np.zeros(3),
        ]
        m = [np.zeros_like(p) for p in params]
        v = [np.zeros_like(p) for p in params]
        for step in range(1, epochs + 1):
            w1, b1, w2, b2 = params
            h = np.tanh(x @ w1 + b1)
            logits = h @ w2 + b2
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            d = (p - y) / len(x)
            g2 = h.T @ d + l2 * w2
            dh = (d @ w2.T) * (1 - h**2)
            grads = [x.T @ dh + l2 * w1, dh.sum(0), g2, d.sum(0)]
            for i, g in enumerate(grads):
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                params[i] -= (
                    0.01 * (m[i] / (1 - 0.9**step)) / (np.sqrt(v[i] / (1 - 0.999**step)) + 1e-8)
                )

        def predict(test: F64) -> F64:
            w1, b1, w2, b2 = params
            logits = np.tanh(((test - mean) / std) @ w1 + b1) @ w2 + b2
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            out: F64 = p / p.sum(axis=1, keepdims=True)
            return out

        return predict

    return fit


def knn(k: int = 7) -> Fitter:
    """Cosine k nearest neighbours' votes, weighted by similarity."""

    def fit(rows: F64, _: F64 | None, labels: list[int]) -> Callable[[F64], F64]:
        train = rows / (np.linalg.norm(rows, axis=1, keepdims=True) + 1e-9)
        y = np.eye(3)[labels]

        def predict(test: F64) -> F64:
            sims = (test / (np.linalg.norm(test, axis=1, keepdims=True) + 1e-9)) @ train.T
            top = np.argsort(-sims, axis=1)[:, :k]
            votes = np.zeros((len(test), 3))
            for i in range(len(test)):
                votes[i] = (np.maximum(sims[i, top[i]], 0)[:, None] * y[top[i]]).sum(0)
            out: F64 = (votes + 1e-3) / (votes + 1e-3).sum(axis=1, keepdims=True)
            return out

        return predict

    return fit


@dataclass(frozen=True)
class Variant:
    """A head: which blocks it reads and how it is fitted; ``neutral`` shifts the
    neutral class's log-odds (a calibrated threshold for neutral)."""

    blocks: tuple[str, ...]
    fitter: Fitter
    neutral: float = 0.0
    also: tuple[Variant, ...] = ()
    """Heads whose probabilities are averaged with this one's (an ensemble)."""


def _rows(calls: list[Call], blocks: tuple[str, ...]) -> F64:
    return np.vstack([np.hstack([c.blocks[b] for b in blocks]) for c in calls])


def _probabilities(variant: Variant, train: list[Call], test: list[Call]) -> F64:
    labels = [y for c in train for y in c.labels]
    members = (variant, *variant.also)
    total = np.zeros((sum(len(c.labels) for c in test), 3))
    for member in members:
        predict = member.fitter(_rows(train, member.blocks), None, labels)
        total += predict(_rows(test, member.blocks))
    p = total / len(members)
    p[:, 1] *= np.exp(variant.neutral)
    out: F64 = p / p.sum(axis=1, keepdims=True)
    return out


@dataclass
class Tally:
    right: np.ndarray
    total: np.ndarray

    def __str__(self) -> str:
        a = 100 * self.right / np.maximum(self.total, 1)
        return f"{a[0]:5.1f} {a[1]:5.1f} {a[2]:5.1f}"


def _score(variant: Variant, train: list[Call], test: list[Call]) -> Tally:
    p = _probabilities(variant, train, test)
    right, total = np.zeros(3), np.zeros(3)
    at = 0
    for call in test:
        got = p[at : at + len(call.labels)].argmax(axis=1)
        at += len(call.labels)
        scores = [(-0.5, 0.0, 0.5)[g] for g in got]
        found = call_sentiment(["x"] * len(scores), scores=scores)
        right += [
            sum(int(g == y) for g, y in zip(got, call.labels, strict=True)),
            found.call == call.call_label,
            found.end == call.end_label,
        ]
        total += [len(call.labels), 1, 1]
    return Tally(right, total)


def cross_validate(variant: Variant, calls: list[Call], k: int = 5) -> Tally:
    order = sorted(calls, key=lambda c: c.id)
    random.Random(15).shuffle(order)
    tally = Tally(np.zeros(3), np.zeros(3))
    for n in range(k):
        held = order[n::k]
        ids = {c.id for c in held}
        t = _score(variant, [c for c in calls if c.id not in ids], held)
        tally.right += t.right
        tally.total += t.total
    return tally


def leave_one_file_out(variant: Variant, calls: list[Call]) -> tuple[Tally, dict[str, Tally]]:
    pooled = Tally(np.zeros(3), np.zeros(3))
    each = {}
    for name in dict.fromkeys(c.file for c in calls):
        t = _score(
            variant, [c for c in calls if c.file != name], [c for c in calls if c.file == name]
        )
        each[name] = t
        pooled.right += t.right
        pooled.total += t.total
    return pooled, each


E = ("emb", "cues")
P = ("emb", "cues", "place")
PO = ("emb", "cues", "place", "outcome")
BZ = {"balanced": True, "z": True}
VARIANTS: dict[str, Variant] = {
    # the head shipped before (cues = the VADER cues, the rules' score and the met flags)
    "emb+cues LR l2=0.3 (old minilm head)": Variant(E, logistic(0.3)),
    "cues LR l2=0.01 (old cues head)": Variant(("cues",), logistic(0.01, 3000)),
    # the penalty, and a calibrated threshold for neutral
    "emb+cues LR l2=3": Variant(E, logistic(3.0)),
    "emb+cues LR l2=10": Variant(E, logistic(10.0)),
    "emb+cues neutral logit +0.5": Variant(E, logistic(0.3), neutral=0.5),
    "emb+cues neutral logit +1": Variant(E, logistic(0.3), neutral=1.0),
    "emb+cues neutral logit -0.5": Variant(E, logistic(0.3), neutral=-0.5),
    "emb+cues without the rules' score": Variant(("emb", "cues_norules"), logistic(0.3)),
    # context: what happened before the turn, the bot's words, the call's outcome
    "emb+cues+place": Variant(P, logistic(0.3)),
    "emb+cues+bot": Variant(("emb", "cues", "bot"), logistic(0.3)),
    "emb+cues+place+bot": Variant(("emb", "cues", "place", "bot"), logistic(0.3)),
    "pair+cues+place": Variant(("pair", "cues", "place"), logistic(0.3)),
    "emb+pair+cues+place": Variant(("emb", "pair", "cues", "place"), logistic(0.3)),
    "emb+cues+place+outcome": Variant(PO, logistic(0.3)),
    "cues+place LR l2=0.01": Variant(("cues", "place"), logistic(0.01, 3000)),
    # class weights and standardized features (z), the penalty chosen on them
    "emb+cues+place balanced": Variant(P, logistic(0.3, balanced=True)),
    "emb+cues+place+outcome balanced": Variant(PO, logistic(0.3, balanced=True)),
    "emb+cues+place balanced neutral -0.3": Variant(P, logistic(0.3, balanced=True), neutral=-0.3),
    "emb+cues+place z l2=30": Variant(P, logistic(30, z=True)),
    "emb+cues+place z l2=100": Variant(P, logistic(100, z=True)),
    "emb+cues balanced z l2=10 (minilm head)": Variant(E, logistic(10, **BZ)),
    # five dev files (the spent blind files added): the bot's words and the caller's
    # previous turn as context
    "emb+cues+bot balanced z l2=10 (fit_sentiment_head.py --prompts)": Variant(
        ("emb", "cues", "bot"), logistic(10, **BZ)
    ),
    "emb+cues+bot balanced z l2=20": Variant(("emb", "cues", "bot"), logistic(20, **BZ)),
    "emb+cues+prevcues balanced z l2=10": Variant(("emb", "cues", "prevcues"), logistic(10, **BZ)),
    "emb+cues+prevemb balanced z l2=10": Variant(("emb", "cues", "prevemb"), logistic(10, **BZ)),
    "emb+cues+bot+prevcues balanced z l2=10": Variant(
        ("emb", "cues", "bot", "prevcues"), logistic(10, **BZ)
    ),
    "emb+cues balanced z l2=30": Variant(E, logistic(30, **BZ)),
    "emb+cues balanced z l2=100": Variant(E, logistic(100, **BZ)),
    "emb+cues+place balanced z l2=10": Variant(P, logistic(10, **BZ)),
    "emb+cues+place balanced z l2=30": Variant(P, logistic(30, **BZ)),
    "emb+cues+place+outcome balanced z l2=30": Variant(PO, logistic(30, **BZ)),
    # seven dev files (calls_dev_extra3 and the spent calls_blind3 added): the penalty again
    "emb+cues balanced z l2=3": Variant(E, logistic(3, **BZ)),
    "emb+cues balanced z l2=20": Variant(E, logistic(20, **BZ)),
    "emb+cues balanced z l2=50": Variant(E, logistic(50, **BZ)),
    "cues balanced z l2=3": Variant(("cues",), logistic(3, 3000, **BZ)),
    "cues balanced z l2=1": Variant(("cues",), logistic(1, 3000, **BZ)),
    "cues balanced z l2=10 (new cues head)": Variant(("cues",), logistic(10, 3000, **BZ)),
    "cues balanced z l2=30": Variant(("cues",), logistic(30, 3000, **BZ)),
    # other learners and an ensemble
    "emb+cues+place mlp32": Variant(P, mlp()),
    "emb+cues+place+outcome mlp32 x3 seeds": Variant(
        PO, mlp(seed=0), also=(Variant(PO, mlp(seed=1)), Variant(PO, mlp(seed=2)))
    ),
    "emb+cues+place+outcome mlp16 l2=1e-2": Variant(PO, mlp(16, 1e-2)),
    "emb kNN k=7": Variant(("emb",), knn(7)),
    "mean of cues head and emb+cues+place head": Variant(
        P, logistic(0.3), also=(Variant(("cues", "place"), logistic(0.01, 3000)),)
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", help="default: all")
    args = parser.parse_args()
    calls = prepare(dev_files())
    print(f"{len(calls)} dev calls with caller turns; turn / call / end %")
    for name in args.variant or VARIANTS:
        variant = VARIANTS[name]
        cv = cross_validate(variant, calls)
        pooled, each = leave_one_file_out(variant, calls)
        files = "  ".join(f"{f.split('.')[0]} {t}" for f, t in each.items())
        print(f"{name:40s} cv {cv} | lofo {pooled} | {files}", flush=True)


if __name__ == "__main__":
    main()
