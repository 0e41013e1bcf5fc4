"""The offline intent engine: the conversation brain when no LLM is configured.

See ``docs/intents.md``. Sentence embeddings need the ``intents`` extra
(``pip install 'framekit[intents]'``); slot parsing is pure Python.
"""

from __future__ import annotations

from framekit.intents.calling import ToolCaller, ToolFailedError, registry_caller
from framekit.intents.classifier import Classification, IntentClassifier
from framekit.intents.defaults import CONTACT_CENTER_INTENTS, CONTACT_CENTER_TOPICS
from framekit.intents.dialogue import DialogueState, Reply, SlotValue, ToolCall
from framekit.intents.embedder import Embedder
from framekit.intents.engine import IntentEngine
from framekit.intents.spec import Answer, Intent, SlotKind, SlotSpec, Topic

__all__ = [
    "CONTACT_CENTER_INTENTS",
    "CONTACT_CENTER_TOPICS",
    "Answer",
    "Classification",
    "DialogueState",
    "Embedder",
    "Intent",
    "IntentClassifier",
    "IntentEngine",
    "Reply",
    "SlotKind",
    "SlotSpec",
    "SlotValue",
    "ToolCall",
    "ToolCaller",
    "ToolFailedError",
    "Topic",
    "registry_caller",
]
