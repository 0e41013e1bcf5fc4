"""What the caller wanted: the intents of the tools the bot ran, and the intents' keywords.

Why not the intent engine's classifier (:class:`~framekit.intents.IntentClassifier`):
it embeds every utterance with a sentence model (the ``intents`` extra: onnxruntime
and a MiniLM), which a post-call job on every server would have to load and run,
for a question the call mostly answered already: the bot ran ``order_status``, so the
caller asked about an order. The table is the same data the engine uses
(:data:`~framekit.intents.CONTACT_CENTER_INTENTS`, or the intents passed in): an intent
counts when its tool ran, or when one of its keyword stems starts a word of a caller
turn (a request the bot never served: "I want to *cancel*..." and then a hang-up).
Dialogue acts (hello, yes, no) and the goodbye are not requests and never count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from framekit.analytics.conversation import Event, ToolUse, Utterance
from framekit.intents.defaults import CONTACT_CENTER_INTENTS
from framekit.intents.spec import Intent

__all__ = ["INTENTS_METHOD", "IntentTagger"]

INTENTS_METHOD: Final = "tools+keywords"
"""How intents are found (stored with each analysis)."""

_NOT_REQUESTS: Final = frozenset({"goodbye"})


class IntentTagger:
    """Names the intents of a call from its tools and caller turns (see the module docstring)."""

    def __init__(self, intents: Sequence[Intent] = CONTACT_CENTER_INTENTS) -> None:
        requests = [i for i in intents if not i.dialogue_act and i.name not in _NOT_REQUESTS]
        self._by_tool = {i.tool: i.name for i in requests if i.tool}
        self._keywords = [
            (i.name, re.compile(r"\b(" + "|".join(map(re.escape, i.keywords)) + ")"))
            for i in requests
            if i.keywords
        ]

    def intents(self, events: Sequence[Event]) -> list[str]:
        """The call's intents in the order they first appear."""
        found: dict[str, None] = {}
        for event in events:
            if isinstance(event, ToolUse):
                name = self._by_tool.get(event.name)
                if name is not None:
                    found.setdefault(name)
            elif isinstance(event, Utterance) and event.role == "caller":
                lowered = event.text.lower().replace("\u2019", "'")
                for name, pattern in self._keywords:
                    if pattern.search(lowered):
                        found.setdefault(name)
        return list(found)
