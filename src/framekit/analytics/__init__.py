"""Post-call analytics: what happened on a finished call, from its stored records.

Needs the ``db`` and ``analytics`` extras (``pip install 'framekit[db,analytics]'``).
The pieces (see ``docs/analytics.md``):

* :func:`analyze`: a stored call's duration, talk time per side, turns, barge-ins,
  silence, voice-to-voice latency, tools and their results, outcome and resolution,
  intents, sentiment per caller turn and for the call, and a summary;
  :func:`analyze_text`, the same text measures for a transcript never stored;
* :class:`AnalysisWorker`: the durable job that analyses each call after it ends,
  off the event loop, and catches up after a restart;
* :func:`analytics_json`: a stored analysis as the API shows it;
* :mod:`framekit.analytics.llm`: an LLM's summary and call sentiment on top, when one
  is configured (imported on its own: it needs an LLM service).
"""

from __future__ import annotations

from framekit.analytics.analysis import (
    Analysis,
    TextAnalysis,
    analytics_json,
    analyze,
    analyze_text,
)
from framekit.analytics.conversation import Event, ToolUse, Utterance, from_events, from_records
from framekit.analytics.intents import IntentTagger
from framekit.analytics.measures import Timing
from framekit.analytics.resolution import outcome_of, resolution
from framekit.analytics.sentiment import CallSentiment, TurnSentiment, call_sentiment
from framekit.analytics.worker import AnalysisWorker, WorkerStats

__all__ = [
    "Analysis",
    "AnalysisWorker",
    "CallSentiment",
    "Event",
    "IntentTagger",
    "TextAnalysis",
    "Timing",
    "ToolUse",
    "TurnSentiment",
    "Utterance",
    "WorkerStats",
    "analytics_json",
    "analyze",
    "analyze_text",
    "call_sentiment",
    "from_events",
    "from_records",
    "outcome_of",
    "resolution",
]
