"""The call's and the end's sentiment from the turns' probabilities and the resolution.

Why a learned head over the guidelines' rules: the labels of the corpus follow from the
caller turns' labels by rules (``call``: the majority of the turns with a feeling;
``end``: the last feeling of the final two turns), so the analysis first applied the
same rules to the turn head's most likely labels. That throws away how sure the head
was: one turn read "positive" at 0.4 against "neutral" at 0.38 counts as much as a plain
"thank you so much". A small multinomial logistic regression per label over a dozen
aggregates of the turns' probabilities (expected counts, the strongest feelings, the
last two turns, each label's probability under the rules with the turns drawn
independently) and the call's resolution reads them better on writers it never saw:
leave-one-file-out over the thirteen dev sources (``benchmarks/call_sentiment_cv.py``,
the turn head's readings of each held file by a head fitted on the twelve others, this
head fitted on the twelve's readings), 84.9 -> 85.7 % of calls and 84.7 -> 85.1 % of ends
(the 1,340 calls with a caller turn; over the ten sources: 84.1 -> 85.6 and 83.7 ->
84.8, no held file worse; over the twelve: 84.3 -> 85.4 and 84.1 -> 84.7). The
resolution helps because the same words end a met and an unmet need differently ("ok
thanks, bye").

Two rows of weights over :data:`FEATURE_NAMES`, a few hundred bytes of ``.npz``
shipped in ``data/`` beside the turn head whose readings it was fitted on
(``benchmarks/fit_sentiment_head.py``); reading a call is two small matrix products.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from framekit.analytics.sentiment import Label

__all__ = [
    "FEATURE_NAMES",
    "ORDER",
    "OUTCOMES",
    "CallHead",
    "call_features",
    "packaged_call_head",
    "rule_probabilities",
]

_F64 = npt.NDArray[np.float64]

ORDER: Final[tuple[Label, Label, Label]] = ("negative", "neutral", "positive")
"""The turn head's classes in the order of its probabilities' columns
(:data:`framekit.analytics.turn_model.LABELS`), and the call head's."""

OUTCOMES: Final = ("resolved", "transferred", "unresolved", "failed", "abandoned")
"""The resolutions, one column each in :func:`call_features`."""

FEATURE_NAMES: Final = (
    "expected_negative",
    "expected_positive",
    "max_negative",
    "max_positive",
    *(f"last_{label}" for label in ORDER),
    *(f"previous_{label}" for label in ORDER),
    *(f"rules_call_{label}" for label in ORDER),
    *(f"rules_end_{label}" for label in ORDER),
    "length",
    *(f"resolution_{outcome}" for outcome in OUTCOMES),
)
"""What :func:`call_features` returns, in order."""


def rule_probabilities(p: _F64) -> tuple[_F64, _F64]:
    """The probabilities (negative, neutral, positive) of the call's and the end's labels
    under the guidelines' rules, each turn drawn independently from its row of ``p``: a
    dynamic programme over (positives - negatives, any feeling) for all but the last two
    turns, which are enumerated (they decide the end and so the ties)."""
    n, tail = len(p), min(len(p), 2)
    dist = np.zeros((2 * n + 1, 2))
    dist[n, 0] = 1.0
    for row in p[: n - tail]:
        moved = dist * row[1]
        felt = dist.sum(axis=1)
        moved[1:, 1] += row[2] * felt[:-1]
        moved[:-1, 1] += row[0] * felt[1:]
        dist = moved
    call, end = np.zeros(3), np.zeros(3)
    for last in itertools.product(range(3), repeat=tail):
        chance = float(np.prod([p[n - tail + k, label] for k, label in enumerate(last)]))
        ended = next((label for label in last[::-1] if label != 1), 1)
        end[ended] += chance
        step = sum(label - 1 for label in last)
        for spread, any_felt in zip(*np.nonzero(dist), strict=True):
            total, weight = spread - n + step, chance * dist[spread, any_felt]
            if total:
                call[2 if total > 0 else 0] += weight
            elif any_felt or ended != 1:
                call[ended if ended != 1 else 0] += weight
            else:
                call[1] += weight
    return call, end


def call_features(p: _F64, resolution: str) -> _F64:
    """:data:`FEATURE_NAMES` of a call whose caller turns the turn head read as ``p``
    (one row per turn, at least one) and whose resolution is ``resolution``."""
    previous = p[-2] if len(p) > 1 else np.array([0.0, 1.0, 0.0])
    call, end = rule_probabilities(p)
    return np.concatenate(
        [
            [p[:, 0].sum() / 3, p[:, 2].sum() / 3, p[:, 0].max(), p[:, 2].max()],
            p[-1],
            previous,
            call,
            end,
            [min(len(p), 10) / 10],
            [float(resolution == outcome) for outcome in OUTCOMES],
        ]
    )


@dataclass(frozen=True, slots=True)
class CallHead:
    """Weights ``[features, 3]`` and bias ``[3]`` of the call's label and of the end's."""

    call_weights: _F64
    call_bias: _F64
    end_weights: _F64
    end_bias: _F64

    def labels(self, p: _F64, resolution: str) -> tuple[Label, Label]:
        """The call's and the end's most likely labels (``p``: the turns' probabilities,
        at least one turn)."""
        row = call_features(p, resolution)
        call = int(np.argmax(row @ self.call_weights + self.call_bias))
        end = int(np.argmax(row @ self.end_weights + self.end_bias))
        return ORDER[call], ORDER[end]

    @classmethod
    def load(cls, path: Path | str) -> CallHead:
        """A head saved by :meth:`save`."""
        with np.load(path) as data:
            return cls(*(np.asarray(data[key], dtype=np.float64) for key in _KEYS))

    def save(self, path: Path | str) -> None:
        """Write the head as a small ``.npz``."""
        np.savez_compressed(path, **{key: getattr(self, key).astype(np.float32) for key in _KEYS})


_KEYS: Final = ("call_weights", "call_bias", "end_weights", "end_bias")


def packaged_call_head() -> CallHead:
    """The head shipped in ``framekit/analytics/data``, fitted on the readings of the
    packaged embedding head's recipe."""
    files = resources.files("framekit.analytics") / "data" / "call_head_minilm.npz"
    with resources.as_file(files) as path:
        return CallHead.load(path)
