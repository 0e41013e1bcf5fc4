"""A learned reading of a caller turn's feeling: a small logistic-regression head.

Why a learned head on top of VADER: the phone-call rules of
:mod:`framekit.analytics.sentiment` are phrase lists, and phrase lists miss the
next caller's wording. A head fitted on labelled caller turns weighs a few general
cues (VADER's compound score of the whole turn and of its last sentence, its
positive and negative parts, negation, a question, thanks, praise next to a
complaint, an interjected "oh great") and, when the ``intents`` extra's sentence
model is there, the turn's all-MiniLM-L6-v2 embedding, which places "I've been on
hold for ages" near "I'm still waiting" without either being listed, and beside it
the turn's hashed word and letter n-grams (:mod:`framekit.analytics.ngrams`), which
keep the exact phrase the embedding blurs ("oh great", "not helpful").

The head is three rows of weights (negative, neutral, positive) over those
features: a few dozen KiB of ``.npz`` shipped in the package (``data/``), fitted by
``benchmarks/fit_sentiment_head.py`` on the labelled dev calls only (thirteen
sources, twelve annotators; never the test split). Scoring is one matrix product per
call after the embedding (one batch of the caller's turns), so a 5-minute call
costs a fraction of a second of CPU.

:class:`TurnModel` needs numpy (a core dependency) and VADER (the ``analytics``
extra); the embedder is passed in (any :class:`~framekit.intents.embedder.Embedder`,
one per process, loaded where the analysis runs, never on the audio path).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from framekit.analytics.call_head import ORDER, CallHead, packaged_call_head
from framekit.analytics.ngrams import SparseRows, hashed_ngrams
from framekit.analytics.sentiment import only_thanks, turn_sentiment, vader_scores

if TYPE_CHECKING:
    from framekit.intents.embedder import Embedder

__all__ = [
    "CONTEXT_NAMES",
    "CUE_NAMES",
    "FEATURES",
    "LABELS",
    "HeadScorer",
    "TurnModel",
    "context",
    "cues",
    "features",
    "fit_head",
    "head_scorer",
    "packaged_head",
    "scores_of",
]

LABELS: Final = ORDER
"""The head's classes, in the order of its weight columns."""

CUE_NAMES: Final = (
    "vader",
    "vader_last",
    "vader_pos",
    "vader_neg",
    "negation",
    "question",
    "thanks",
    "praise_and_complaint",
    "interjected_praise",
    "words",
    "phone_rules",
)
"""The general cues of a turn's words, in the order :func:`cues` returns them."""

CONTEXT_NAMES: Final = ("met", "only_thanks", "thanks_when_met", "last_turn")
"""Where the turn stands in the call, in the order :func:`context` returns them: the
caller's need was met by then, its only warmth is a thank-you (both: a thank-you for
what was done; one without the other: courtesy), it is the caller's last turn."""

FEATURES: Final = len(CUE_NAMES) + len(CONTEXT_NAMES)
"""A head's features besides the embedding."""

_F64 = npt.NDArray[np.float64]

_NEGATION: Final = re.compile(r"\b(not|no|never|nothing|nobody|none|cannot)\b|n'?t\b")
_THANKS: Final = re.compile(r"\b(thank|thanks|cheers|appreciate)")
_INTERJECTED_PRAISE: Final = re.compile(
    r"\b(oh|just|yeah|wow|ah)\W+(great|perfect|wonderful|brilliant|fantastic|lovely|nice|super)\b"
)
_SENTENCE_END: Final = re.compile(r"(?<=[.!?])\s+")
_WORDS_SCALE: Final = 20.0


def cues(text: str) -> list[float]:
    """The general cues of one caller turn (:data:`CUE_NAMES`), each about in [-1, 1]."""
    lowered = text.lower().replace("\u2019", "'")
    whole = vader_scores(lowered)
    sentences = [s for s in _SENTENCE_END.split(lowered) if s.strip()] or [lowered]
    last = vader_scores(sentences[-1]) if len(sentences) > 1 else whole
    return [
        whole["compound"],
        last["compound"],
        whole["pos"],
        whole["neg"],
        float(bool(_NEGATION.search(lowered))),
        float("?" in lowered),
        float(bool(_THANKS.search(lowered))),
        float(whole["pos"] > 0 and whole["neg"] > 0),
        float(bool(_INTERJECTED_PRAISE.search(lowered))),
        min(len(lowered.split()) / _WORDS_SCALE, 1.0),
        turn_sentiment(text),
    ]


def context(texts: Sequence[str], met: Sequence[bool]) -> list[list[float]]:
    """Each caller turn's place in the call (:data:`CONTEXT_NAMES`); ``met[n]``: the
    caller's need had been met by turn ``n``."""
    rows = []
    for n, (text, helped) in enumerate(zip(texts, met, strict=True)):
        thanks = float(only_thanks(text))
        rows.append([float(helped), thanks, float(helped) * thanks, float(n == len(texts) - 1)])
    return rows


def features(
    texts: Sequence[str],
    met: Sequence[bool],
    embedder: Embedder | None = None,
    prompts: Sequence[str] | None = None,
    ngram_dim: int = 0,
) -> _F64:
    """Input rows for a head, one per caller turn of a call (``texts``, in order; ``met``
    as :func:`context`'s): each text's embedding by ``embedder`` (none without one), the
    embedding of its prompt (``prompts``: what the bot said last before each turn,
    :func:`~framekit.analytics.conversation.bot_before_caller`; with an embedder only),
    its :func:`cues`, its :func:`context`, then its
    :func:`~framekit.analytics.ngrams.hashed_ngrams` in ``ngram_dim`` columns (none
    when 0)."""
    table = np.array(
        [cue + place for cue, place in zip(map(cues, texts), context(texts, met), strict=True)],
        dtype=np.float64,
    ).reshape(len(texts), FEATURES)
    if ngram_dim:
        table = np.hstack([table, hashed_ngrams(texts, ngram_dim)])
    if embedder is None:
        return table
    from framekit.intents.embedder import checked_rows

    said = list(texts)
    if prompts is not None:
        if len(prompts) != len(texts):
            raise ValueError(f"{len(prompts)} bot prompts for {len(texts)} caller turns")
        said += prompts
    rows = checked_rows(embedder, said, embedder.encode(said)).astype(np.float64)
    blocks = [rows[: len(texts)], rows[len(texts) :]] if prompts is not None else [rows]
    return np.hstack([*blocks, table])


@dataclass(frozen=True, slots=True)
class TurnModel:
    """A fitted head: ``weights`` ``[features, 3]`` and ``bias`` ``[3]`` over :data:`LABELS`.

    ``embedding_dim`` is 0 for a head over the cues alone, else the width of the
    embeddings that come first in its features (384 for all-MiniLM-L6-v2);
    ``prompt_dim`` is the width of the bot prompts' embeddings after them (0: the head
    does not read what the bot said); ``ngram_dim`` the number of hashed n-gram
    columns last (0: none).
    """

    weights: _F64
    bias: _F64
    embedding_dim: int
    prompt_dim: int = 0
    ngram_dim: int = 0

    @classmethod
    def load(cls, path: Path | str) -> TurnModel:
        """A head saved by :meth:`save`."""
        with np.load(path) as data:
            return cls(
                np.asarray(data["weights"], dtype=np.float64),
                np.asarray(data["bias"], dtype=np.float64),
                int(data["embedding_dim"]),
                int(data["prompt_dim"]) if "prompt_dim" in data else 0,
                int(data["ngram_dim"]) if "ngram_dim" in data else 0,
            )

    def save(self, path: Path | str) -> None:
        """Write the head as a small ``.npz`` (float32 weights)."""
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            embedding_dim=np.int32(self.embedding_dim),
            prompt_dim=np.int32(self.prompt_dim),
            ngram_dim=np.int32(self.ngram_dim),
        )

    def features(
        self,
        texts: Sequence[str],
        met: Sequence[bool],
        embedder: Embedder | None = None,
        prompts: Sequence[str] | None = None,
    ) -> _F64:
        """The head's input rows (:func:`features`), checked against its width."""
        if self.embedding_dim and embedder is None:
            raise ValueError("this sentiment head reads sentence embeddings: pass an embedder")
        if self.prompt_dim and prompts is None:
            raise ValueError("this sentiment head reads the bot's prompts: pass them")
        rows = features(
            texts,
            met,
            embedder if self.embedding_dim else None,
            prompts if self.prompt_dim else None,
            self.ngram_dim,
        )
        if rows.shape[1] != self.weights.shape[0]:
            blocks = 2 if self.prompt_dim else 1
            width = (rows.shape[1] - FEATURES - self.ngram_dim) // blocks
            raise ValueError(
                f"this sentiment head takes {self.weights.shape[0]} features "
                f"({self.embedding_dim + self.prompt_dim} from embeddings); "
                f"{type(embedder).__name__} gives {width}-wide embeddings"
            )
        return rows

    def probabilities(self, features: _F64) -> _F64:
        """Each row's probabilities of :data:`LABELS`."""
        logits = features @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        out: _F64 = odds / odds.sum(axis=1, keepdims=True)
        return out

    def scores(
        self,
        texts: Sequence[str],
        met: Sequence[bool],
        embedder: Embedder | None = None,
        prompts: Sequence[str] | None = None,
    ) -> list[float]:
        """Each turn's score in [-1, 1], about P(positive) - P(negative), placed so that
        :func:`~framekit.analytics.sentiment.label_of` gives the most likely class."""
        if not texts:
            return []
        return scores_of(self.probabilities(self.features(texts, met, embedder, prompts)))


def scores_of(p: _F64) -> list[float]:
    """Each turn's score in [-1, 1] from its probabilities of :data:`LABELS`: about
    P(positive) - P(negative), its sign and size following the most likely class (beyond
    the threshold for a feeling, inside it for neutral)."""
    labels = p.argmax(axis=1)
    spread = p[:, 2] - p[:, 0]
    neutral = np.clip(spread, -0.29, 0.29)
    felt = np.sign(spread) * np.maximum(np.abs(spread), 0.31)
    return [float(neutral[n] if labels[n] == 1 else felt[n]) for n in range(len(p))]


def fit_head(
    features: _F64,
    labels: Sequence[int],
    *,
    l2: float = 0.3,
    iterations: int = 400,
    balanced: bool = False,
    standardize: bool = False,
    raw_tail: int = 0,
    tail_scale: float = 1.0,
) -> tuple[_F64, _F64]:
    """Weights and bias of a multinomial logistic regression (full-batch accelerated
    gradient descent, L2 penalty ``l2``), deterministic: the same rows give the same head.

    The step is the inverse of a bound on the loss's curvature (its largest eigenvalue,
    by power iteration), so a wider input (a second embedding) cannot make the descent
    diverge, as a fixed step did.

    ``balanced`` weighs each class as much as the others (two caller turns in three are
    neutral, and a head fitted without it calls a new writer's feelings neutral);
    ``standardize`` fits on features scaled to unit variance, so the penalty treats an
    embedding dimension and a cue alike, and folds the scaling back into the returned
    weights (they take the raw features). The last ``raw_tail`` columns (hashed n-grams)
    are not standardized, a rare n-gram's tiny variance would blow its weight up, but
    multiplied by ``tail_scale``: their penalty is ``l2 / tail_scale**2``; they are
    multiplied as sparse rows (:class:`~framekit.analytics.ngrams.SparseRows`), most of
    their entries being 0.
    """
    count, width = features.shape
    y = np.asarray(labels)
    targets = np.eye(len(LABELS))[y]
    mean = features.mean(axis=0) if standardize else np.zeros(width)
    scale = np.maximum(features.std(axis=0), 1e-3) if standardize else np.ones(width)
    if raw_tail:
        mean[width - raw_tail :] = 0.0
        scale[width - raw_tail :] = 1.0 / tail_scale
    dense = width - raw_tail
    head = (features[:, :dense] - mean[:dense]) / scale[:dense]
    tail = SparseRows(features[:, dense:] * tail_scale)

    def forward(w: _F64) -> _F64:
        return head @ w[:dense] + tail.dot(w[dense:])

    def backward(e: _F64) -> _F64:
        return np.vstack([head.T @ e, tail.tdot(e)])

    share = np.ones(count)
    if balanced:
        per_class = np.bincount(y, minlength=len(LABELS))
        share = (count / (len(LABELS) * np.maximum(per_class, 1)))[y]
    top = _top_eigenvalue(forward, backward, width, share)
    step = 1.0 / (0.5 * (top + share.max()) + l2 / count)
    weights, bias = np.zeros((width, len(LABELS))), np.zeros(len(LABELS))
    before, bias_before = weights, bias
    for n in range(1, iterations + 1):
        ahead = weights + (n - 1) / (n + 2) * (weights - before)
        bias_ahead = bias + (n - 1) / (n + 2) * (bias - bias_before)
        logits = forward(ahead) + bias_ahead
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        error = (p - targets) * share[:, None]
        before, bias_before = weights, bias
        weights = ahead - step * (backward(error) / count + l2 * ahead / count)
        bias = bias_ahead - step * error.mean(axis=0)
    weights /= scale[:, None]
    return weights, bias - mean @ weights


def _top_eigenvalue(
    forward: Callable[[_F64], _F64],
    backward: Callable[[_F64], _F64],
    width: int,
    share: _F64,
    rounds: int = 30,
) -> float:
    """About the largest eigenvalue of ``rows.T @ diag(share) @ rows / len(rows)``, the
    rows given by their products (``forward``: ``rows @ w``, ``backward``: ``rows.T @ e``)."""
    vector = np.full((width, 1), 1.0 / np.sqrt(width))
    top = 1.0
    for _ in range(rounds):
        vector = backward(share[:, None] * forward(vector)) / len(share)
        top = float(np.linalg.norm(vector)) or 1.0
        vector /= top
    return top


def packaged_head(embeddings: bool) -> TurnModel:
    """The head shipped in ``framekit/analytics/data``: over embeddings and cues, or cues alone."""
    name = "sentiment_head_minilm.npz" if embeddings else "sentiment_head_cues.npz"
    with resources.as_file(resources.files("framekit.analytics") / "data" / name) as path:
        return TurnModel.load(path)


@dataclass(frozen=True, slots=True)
class HeadScorer:
    """Scores caller turns with ``model`` (and ``embedder``, when the head reads embeddings):
    what :func:`~framekit.analytics.analyze` takes as ``scorer``. ``method`` names it in
    the analysis's ``methods``."""

    model: TurnModel
    embedder: Embedder | None = None
    method: str = "vader-cues-head"
    call_head: CallHead | None = None
    """Reads the call's and the end's labels from the turns' probabilities and the
    resolution (:mod:`framekit.analytics.call_head`); None: the guidelines' rules over
    the turns' labels."""

    def __call__(
        self, texts: Sequence[str], met: Sequence[bool], prompts: Sequence[str] | None = None
    ) -> list[float]:
        """Each caller turn's score in [-1, 1] (the call's turns in order; ``met``: the
        caller's need had been met by that turn; ``prompts``: what the bot said last
        before each, needed by a head that reads it)."""
        return self.model.scores(texts, met, self.embedder, prompts)

    def probabilities(
        self, texts: Sequence[str], met: Sequence[bool], prompts: Sequence[str] | None = None
    ) -> _F64:
        """Each caller turn's probabilities of :data:`LABELS` (arguments as when called)."""
        if not texts:
            return np.zeros((0, len(LABELS)))
        return self.model.probabilities(self.model.features(texts, met, self.embedder, prompts))


def head_scorer(embedder: Embedder | None = None) -> HeadScorer:
    """The packaged head for what is there: over the embeddings of ``embedder`` (the
    process's all-MiniLM-L6-v2, passed in) and the cues, with the call head fitted on its
    readings, or over the cues alone (the guidelines' rules make the call's labels)."""
    if embedder is None:
        return HeadScorer(packaged_head(embeddings=False))
    return HeadScorer(
        packaged_head(embeddings=True), embedder, "minilm+vader-head", packaged_call_head()
    )
