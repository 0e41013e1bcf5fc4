"""Which intent an utterance means: nearest example phrasings in embedding space, plus keywords.

Why nearest neighbours and not a trained model: intents are data that a
business edits, so the classifier must work from a dozen examples per intent
with no training step. all-MiniLM-L6-v2 puts paraphrases close together; an
utterance scores, for each intent, the mean cosine of its ``k`` nearest
examples of that intent (k = 2 is steadier than the single nearest, which
one odd example can hijack). A keyword stem of the intent found in the text
adds a small bonus: it separates near neighbours such as "where is my order"
(status) and "where is my parcel" (tracking) that embeddings place together.

Why a threshold and a margin: a caller saying something no intent covers must
get "could you rephrase?" and not a confident wrong tool call. Scores below
``threshold`` are unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from framekit.intents._numbers import tokenize
from framekit.intents.spec import Intent

__all__ = ["Classification", "Embedder", "IntentClassifier"]

_F32 = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Anything that turns texts into unit-length rows (``SentenceEmbedder`` does)."""

    def encode(self, texts: Sequence[str]) -> _F32: ...


@dataclass(frozen=True, slots=True)
class Classification:
    """The best intent (``None`` when unsure), its score, and every intent's score."""

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
        threshold: float = 0.45,
        k: int = 2,
        keyword_bonus: float = 0.06,
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
        self._examples: _F32 = embedder.encode(texts)
        self._owner = np.array(owners, dtype=np.intp)

    @property
    def intent_names(self) -> list[str]:
        """The intents this classifier knows, in the order they were given."""
        return list(self._names)

    def classify(self, text: str, *, among: Sequence[str] | None = None) -> Classification:
        """The intent ``text`` most likely means; ``among`` limits the candidates."""
        return self.classify_vector(text, self._embedder.encode([text])[0], among=among)

    def classify_vector(
        self, text: str, vector: _F32, *, among: Sequence[str] | None = None
    ) -> Classification:
        """As :meth:`classify`, for a text already embedded (batch callers)."""
        similarity = self._examples @ vector
        lowered = " " + " ".join(tokenize(text))
        scores: dict[str, float] = {}
        for n, name in enumerate(self._names):
            if among is not None and name not in among:
                continue
            mine = np.sort(similarity[self._owner == n])[::-1][: self._k]
            score = float(mine.mean())
            if any(" " + stem in lowered for stem in self._keywords[n]):
                score += self._bonus
            scores[name] = score
        if not scores:
            return Classification(None, 0.0, {})
        best = max(scores, key=lambda name: scores[name])
        score = scores[best]
        return Classification(best if score >= self.threshold else None, score, scores)
