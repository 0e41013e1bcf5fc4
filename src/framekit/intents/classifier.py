"""Which intent an utterance means: example phrasings in embedding space, plus keywords.

Why no trained model: intents are data that a business edits, so the
classifier must work from a dozen examples per intent, fitted in milliseconds
when the engine starts. Two views of the same examples are blended:

* nearest examples: for each intent, the mean cosine of the ``k`` examples of
  that intent nearest to the utterance (k = 2 is steadier than the single
  nearest, which one odd example can hijack), plus a small bonus when one of the
  intent's keyword stems is in the text (it separates near neighbours such as
  "where is my order" and "where is my parcel");
* a softmax (multinomial logistic) layer fitted on the example embeddings at
  start-up: it learns which directions tell close intents apart (book /
  reschedule / availability) where raw similarity cannot.

The label is the best blend; the *similarity* decides whether to trust it at all:
a caller saying something no intent covers must get "could you rephrase?", not a
confident wrong tool call, so a best similarity below ``threshold`` is unknown.
On the held-out sets in ``tests/intents`` the blend beat nearest examples alone
(dev set 86 -> 89 of 92, a second set written later 35 -> 39 of 41).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from framekit.intents.embedder import Embedder, checked_rows
from framekit.intents.spec import Intent, Topic
from framekit.models.scheduling import FairExecutor
from framekit.text.numbers import tokenize

__all__ = ["Classification", "Embedder", "IntentClassifier"]

_F32 = npt.NDArray[np.float32]
_EMBEDDING_THREADS = FairExecutor(2, name="framekit-embedder")
_RECENT = 64
"""Turns whose embeddings are kept (a few KiB each): every call's latest few."""
"""The caller's words are embedded here, not on the event loop's default pool (which
health checks and file I/O share); two threads, shortest texts first."""


@dataclass(frozen=True, slots=True)
class Classification:
    """The best intent (``None`` when unsure), its similarity, and every intent's blended score.

    ``score`` is the chosen intent's example similarity (keyword bonus included):
    thresholds compare against it. ``scores`` rank the intents.
    """

    intent: str | None
    score: float
    scores: dict[str, float] = field(default_factory=dict)

    def ranked(self) -> list[tuple[str, float]]:
        """Intents from the most to the least likely."""
        return sorted(self.scores.items(), key=lambda item: -item[1])


class IntentClassifier:
    """Scores utterances against the example phrasings of a fixed set of intents."""

    def __init__(
        self,
        intents: Sequence[Intent],
        embedder: Embedder,
        *,
        threshold: float = 0.30,
        k: int = 2,
        keyword_bonus: float = 0.06,
        softmax_weight: float = 0.3,
        topics: Sequence[Topic] = (),
    ) -> None:
        if not intents:
            raise ValueError("an intent classifier needs at least one intent")
        self._names = [intent.name for intent in intents]
        if len(set(self._names)) != len(self._names):
            raise ValueError("intent names must be unique")
        self._embedder = embedder
        self.threshold = threshold
        """Below this score an utterance is unknown."""
        self._k = k
        self._bonus = keyword_bonus
        self._keywords = [tuple(stem.lower() for stem in i.keywords) for i in intents]
        texts = [example for intent in intents for example in intent.examples]
        owners = [n for n, intent in enumerate(intents) for _ in intent.examples]
        if any(not intent.examples for intent in intents):
            raise ValueError("every intent needs at least one example phrasing")
        self._examples = checked_rows(embedder, texts, embedder.encode(texts))
        self._owner = np.array(owners, dtype=np.intp)
        self._weight = softmax_weight
        self._w, self._b = _fit_softmax(self._examples, self._owner, len(intents))
        self._recent: OrderedDict[str, _F32] = OrderedDict()
        """The last texts embedded, kept for the next question about the same turn."""
        self._topics = (
            IntentClassifier(
                [Intent(t.name, t.examples, keywords=t.stems) for t in topics],
                embedder,
                threshold=threshold,
                k=k,
                keyword_bonus=keyword_bonus,
                softmax_weight=softmax_weight,
            )
            if topics
            else None
        )
        """The same two views over the FAQ topics' examples: which question an FAQ
        request asks ("the shoes don't fit" -> exchanges)."""

    @property
    def intent_names(self) -> list[str]:
        """The intents this classifier knows, in the order they were given."""
        return list(self._names)

    def classify(self, text: str, *, among: Sequence[str] | None = None) -> Classification:
        """The intent ``text`` most likely means; ``among`` limits the candidates."""
        return self.classify_vector(text, self._embed(text), among=among)

    async def classify_async(
        self, text: str, *, among: Sequence[str] | None = None
    ) -> Classification:
        """As :meth:`classify`, embedding on the embedder's threads so the event loop moves."""
        return self.classify_vector(text, await self._vector_async(text), among=among)

    async def classify_topic_async(self, text: str) -> Classification:
        """The FAQ topic ``text`` asks about (``None`` without topics or when unsure).

        The text's embedding is the one its intent was classified with, when recent:
        an FAQ turn is embedded once, not once per question asked of it.
        """
        if self._topics is None:
            return Classification(None, 0.0, {})
        return self._topics.classify_vector(text, await self._vector_async(text))

    async def _vector_async(self, text: str) -> _F32:
        """``text`` embedded on the embedder's threads, or the embedding of a recent turn."""
        vector = self._recent.get(text)
        if vector is None:
            vector = await _EMBEDDING_THREADS.run(lambda: self._embed(text), cost=len(text))
            self._recent[text] = vector
            if len(self._recent) > _RECENT:
                self._recent.popitem(last=False)
        return vector

    def _embed(self, text: str) -> _F32:
        rows = checked_rows(self._embedder, (text,), self._embedder.encode([text]))
        if rows.shape[1] != self._examples.shape[1]:
            raise ValueError(
                f"{type(self._embedder).__name__}.encode returned a row of width "
                f"{rows.shape[1]} for a turn, {self._examples.shape[1]} for the examples; "
                "an Embedder's rows have one width"
            )
        row: _F32 = rows[0]
        return row

    def classify_vector(
        self, text: str, vector: _F32, *, among: Sequence[str] | None = None
    ) -> Classification:
        """As :meth:`classify`, for a text already embedded (batch callers)."""
        similarity = self._examples @ vector
        lowered = " " + " ".join(tokenize(text))
        logits = _SCALE * (vector @ self._w) + self._b
        probability = np.exp(logits - logits.max())
        probability /= probability.sum()
        near: dict[str, float] = {}
        blend: dict[str, float] = {}
        for n, name in enumerate(self._names):
            if among is not None and name not in among:
                continue
            mine = np.sort(similarity[self._owner == n])[::-1][: self._k]
            score = float(mine.mean())
            if any(" " + stem in lowered for stem in self._keywords[n]):
                score += self._bonus
            near[name] = score
            blend[name] = self._weight * float(probability[n]) + (1 - self._weight) * score
        if not blend:
            return Classification(None, 0.0, {})
        best = max(blend, key=lambda name: blend[name])
        score = near[best]
        return Classification(best if score >= self.threshold else None, score, blend)


_SCALE = 10.0
"""Cosines span about [-0.2, 1]: scaled so the softmax can be confident."""


def _fit_softmax(
    x: _F32, labels: npt.NDArray[np.intp], classes: int, *, epochs: int = 300, l2: float = 0.01
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Multinomial logistic regression by full-batch gradient descent: deterministic, ~50 ms."""
    w = np.zeros((x.shape[1], classes))
    b = np.zeros(classes)
    target = np.eye(classes)[labels]
    for _ in range(epochs):
        z = _SCALE * (x @ w) + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = (p - target) / len(x)
        w -= _SCALE * (x.T @ grad) + l2 * w
        b -= grad.sum(axis=0)
    return w, b
