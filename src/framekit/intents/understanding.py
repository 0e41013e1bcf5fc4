"""Which request a caller's turn is: the classifier's view, corrected by what was said.

Why apart from the engine: the engine decides what to do with a request (ask, check,
confirm, act); this module decides which request it is. The sentence embeddings
(:mod:`~framekit.intents.classifier`) rank the intents, and a few facts of the turn
the embeddings weigh poorly then correct them: a plain yes or no, the values said (an
order number is an order request), two requests in one sentence, a related request
named mid-way ("just cancel it" while moving an appointment), and which FAQ topic a
question asks about.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from framekit.intents.classifier import Classification, IntentClassifier
from framekit.intents.slots import extract_order_number, extract_topic, parse_when, parse_yes_no
from framekit.intents.spec import Intent, Topic
from framekit.text.numbers import tokenize

__all__ = ["Understanding", "wants_topic"]

_GOODBYE_INTENT = "goodbye"
_CLAUSE = re.compile(
    r"(?:,\s*|\s+)(?:and\s+)?(?:also|another thing|one more thing|plus|while i've got you|"
    r"while i have you|oh and)\b"
    r"|,?\s+and\s+(?=(?:can|could|do|does|is|are|will|what|when|where|how|which)\s)",
    re.IGNORECASE,
)
"""Where a second request starts: "..., and also what time do you close", "... and can I
still change the address"."""
_SURE_TOPIC = 0.6
"""Above this topic similarity the topic model overrides a stem that names another topic."""


def wants_topic(intent: Intent) -> bool:
    """The intent answers a question about the shop (it has a ``topic`` slot)."""
    return any(spec.kind == "topic" for spec in intent.slots)


class Understanding:
    """Reads turns for one set of intents and FAQ topics; shared by every call."""

    def __init__(
        self,
        intents: Mapping[str, Intent],
        classifier: IntentClassifier,
        topics: Sequence[Topic],
        switch_threshold: float,
    ) -> None:
        self._intents = intents
        self._classifier = classifier
        self._topic_stems = {topic.name: topic.stems for topic in topics}
        self._switch = switch_threshold
        self._task_keywords = tuple(
            stem for i in intents.values() if not i.dialogue_act for stem in i.keywords
        )

    def understand(self, text: str) -> Classification:
        """The intent of one utterance, out of context.

        A short answer that is plainly yes or no ("nope", "that's incorrect")
        is affirm or deny by its words: embeddings of two-word replies are weak.
        """
        return self._by_words(text) or self._classifier.classify(text)

    async def understand_async(self, text: str) -> Classification:
        """As :meth:`understand`, with the model run in a worker thread.

        The embedding takes milliseconds of CPU; on the event loop it would hold
        up the audio of every call in the process (onnxruntime releases the GIL).
        """
        return self._by_words(text) or await self._classifier.classify_async(text)

    def _by_words(self, text: str) -> Classification | None:
        tokens = tokenize(text)
        lowered = " " + " ".join(tokens)
        yes_no = parse_yes_no(text)
        plain = not any(" " + stem in lowered for stem in self._task_keywords)
        act = "affirm" if yes_no else "deny"
        if yes_no is not None and len(tokens) <= 4 and plain and act in self._intents:
            return Classification(act, 1.0, {act: 1.0})
        return None

    def by_values(self, text: str, now: dt.datetime, found: Classification) -> Classification:
        """What the values in a request say it is, where the words alone did not.

        An order number means an order request when the words pointed nowhere or at a
        general question ("it's 4 7 2 9, has it gone out?"); a whole day and time with
        no recognizable request ("Monday the 14th at nine, name's Farah"), or with a
        request's keyword ("come in tomorrow around two"), means the best-ranked
        request that takes one.
        """
        current = self._intents.get(found.intent or "")
        if current is not None and (
            current.dialogue_act
            or any(spec.kind in ("order_number", "datetime") for spec in current.slots)
        ):
            return found
        floor = self._classifier.threshold
        for name, _ in found.ranked():
            intent = self._intents[name]
            kinds = {spec.kind for spec in intent.slots}
            if "order_number" in kinds and extract_order_number(text) is not None:
                return Classification(name, max(found.score, floor), found.scores)
            named = any(f" {stem}" in f" {text.lower()}" for stem in intent.keywords)
            if (found.intent is None or named) and "datetime" in kinds:
                when = parse_when(text, now)
                if when.date is not None and when.time is not None and not when.vague:
                    return Classification(name, max(found.score, floor), found.scores)
        return found

    async def first_request(
        self, text: str, found: Classification
    ) -> tuple[Intent, str, list[tuple[str, str]]]:
        """The request to serve first, the words for it, and the others of the sentence.

        "Where's my order, and also what time do you close?": each clause is
        classified; the first becomes the request and the rest, ``(intent, words)``,
        are served after it.
        """
        intent = self._intents[found.intent or ""]
        parts = [p.strip(" ,.?!") for p in _CLAUSE.split(text) if len(p.split()) >= 3]
        if len(parts) < 2 or intent.dialogue_act:
            return intent, text, []
        served: list[tuple[Intent, str]] = []
        for part in parts:
            other = await self._classifier.classify_async(part)
            task = self._intents.get(other.intent or "")
            if task is None or task.dialogue_act or task.name == _GOODBYE_INTENT:
                continue
            again = any(t.name == task.name for t, _ in served) and not wants_topic(task)
            if not again:  # two questions about the shop are two answers
                served.append((task, part))
        if len(served) < 2:
            return intent, text, []
        first, words = served[0]
        return first, words, [(task.name, part) for task, part in served[1:]]

    def related(self, current: Intent, lowered: str, found: Classification) -> Intent | None:
        """Mid-request, a request about the same thing named by its first keyword ("cancel
        it" while moving an appointment), whatever the embedding preferred."""
        if found.intent == current.name:
            return None
        names = {spec.name for spec in current.slots}
        for intent in self._intents.values():
            shares = intent.name != current.name and names & {s.name for s in intent.slots}
            if shares and intent.keywords and f" {intent.keywords[0]}" in f" {lowered}":
                return intent
        return None

    async def topic(self, text: str) -> str | None:
        """The FAQ topic of ``text``: a stem that names it, unless the topic model is sure
        of another; the model's best when no stem does."""
        named = extract_topic(text, self._topic_stems)
        found = await self._classifier.classify_topic_async(text)
        if named is None or (found.intent is not None and found.score >= _SURE_TOPIC):
            return found.intent or named
        return named
