"""One finished call analysed: every measure, as stored and as the API shows it.

:func:`analyze` reads a stored call (:class:`~framekit.storage.CallDetails`) and
returns an :class:`Analysis`; :func:`analyze_text` is its text half (sentiment,
resolution, intents, summary) for transcripts that were never stored (the labelled
corpus). :meth:`Analysis.columns` is what :func:`~framekit.storage.analyses.save_analysis`
writes, and :func:`analytics_json` turns a stored row back into the API's
``"analytics"`` object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from framekit.analytics.conversation import (
    Event,
    ToolUse,
    Utterance,
    bot_before_caller,
    from_records,
    tool_ok,
)
from framekit.analytics.intents import INTENTS_METHOD, IntentTagger
from framekit.analytics.measures import Timing, timing
from framekit.analytics.resolution import answer_at, resolution
from framekit.analytics.sentiment import CallSentiment, call_sentiment
from framekit.analytics.summary import extractive_summary
from framekit.analytics.turn_model import HeadScorer, scores_of
from framekit.storage import CallDetails
from framekit.storage.models import CallAnalysis

__all__ = [
    "SENTIMENT_METHOD",
    "SUMMARY_METHOD",
    "Analysis",
    "TextAnalysis",
    "analytics_json",
    "analyze",
    "analyze_text",
    "met_flags",
]

SENTIMENT_METHOD = "vader+phone-rules"
SUMMARY_METHOD = "extractive"


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """What the words say: resolution, intents, sentiment and a summary."""

    outcome: str | None
    resolution: str
    intents: list[str]
    sentiment: CallSentiment
    summary: str
    methods: dict[str, str]


@dataclass(frozen=True, slots=True)
class Analysis:
    """A stored call's analysis: its timing, its tools and the text half."""

    timing: Timing
    tools: list[dict[str, Any]]
    text: TextAnalysis

    def columns(self) -> dict[str, Any]:
        """The ``call_analyses`` columns this analysis fills (status and times aside)."""
        t, text, s = self.timing, self.text, self.text.sentiment
        return {
            "duration_s": t.duration_s,
            "talk_caller_s": t.talk_caller_s,
            "talk_bot_s": t.talk_bot_s,
            "turns": t.turns,
            "interruptions": t.interruptions,
            "silence_s": t.silence_s,
            "latency_p50_ms": t.latency_p50_ms,
            "latency_p95_ms": t.latency_p95_ms,
            "latency_max_ms": t.latency_max_ms,
            "outcome": text.outcome,
            "resolution": text.resolution,
            "sentiment": s.call,
            "sentiment_score": s.score,
            "sentiment_start": s.start,
            "sentiment_end": s.end,
            "intents": text.intents,
            "summary": text.summary,
            "details": {
                "tools": self.tools,
                "turn_sentiment": [
                    {"turn": turn.turn, "label": turn.label, "score": turn.score}
                    for turn in s.turns
                ],
                "methods": text.methods,
            },
        }


@cache
def _default_tagger() -> IntentTagger:
    return IntentTagger()


def analyze_text(
    events: Sequence[Event],
    outcome: str | None,
    end_cause: str | None = None,
    *,
    tagger: IntentTagger | None = None,
    scorer: HeadScorer | None = None,
) -> TextAnalysis:
    """The text half of the analysis for ``events``, whose stored outcome is ``outcome``
    and end reason ``end_cause``; the caller's turns are scored by ``scorer`` (a learned
    head, :mod:`framekit.analytics.turn_model`) when given, else by VADER and the rules."""
    tagger = tagger or _default_tagger()
    resolved = resolution(outcome, events, end_cause).value
    met = met_flags(events, resolved)
    texts = [e.text for e in events if isinstance(e, Utterance) and e.role == "caller"]
    return TextAnalysis(
        outcome=outcome,
        resolution=resolved,
        intents=tagger.intents(events),
        sentiment=(
            _read(scorer, texts, met, bot_before_caller(events), resolved)
            if scorer
            else call_sentiment(texts, met)
        ),
        summary=extractive_summary(events, resolved),
        methods={
            "sentiment": scorer.method if scorer else SENTIMENT_METHOD,
            "intents": INTENTS_METHOD,
            "summary": SUMMARY_METHOD,
        },
    )


def _read(
    scorer: HeadScorer,
    texts: Sequence[str],
    met: Sequence[bool],
    prompts: Sequence[str],
    resolved: str,
) -> CallSentiment:
    """The caller's sentiment by a learned head: each turn's, then the call's and the
    end's by the scorer's call head when it has one (from the turns' probabilities and
    the resolution), else by the guidelines' rules over the turns' labels."""
    p = scorer.probabilities(texts, met, prompts)
    found = call_sentiment(texts, scores=scores_of(p))
    if scorer.call_head is None or not texts:
        return found
    call, end = scorer.call_head.labels(p, resolved)
    return replace(found, call=call, end=end)


def met_flags(events: Sequence[Event], resolved: str) -> list[bool]:
    """For each caller turn, in order: whether the need was met by then (the call is
    ``resolved`` and the turn follows the tool that answered, or there was none)."""
    answer = answer_at(events)
    return [
        resolved == "resolved" and (answer is None or n > answer)
        for n, e in enumerate(events)
        if isinstance(e, Utterance) and e.role == "caller"
    ]


def analyze(
    details: CallDetails, *, tagger: IntentTagger | None = None, scorer: HeadScorer | None = None
) -> Analysis:
    """The analysis of a stored, finished call (``scorer``: as :func:`analyze_text`'s)."""
    events = from_records(details)
    tools = [{"name": e.name, "ok": tool_ok(e)} for e in events if isinstance(e, ToolUse)]
    call = details.call
    text = analyze_text(events, call.outcome, call.end_reason, tagger=tagger, scorer=scorer)
    return Analysis(timing(details), tools, text)


def analytics_json(row: CallAnalysis | None) -> dict[str, Any] | None:
    """The API's ``"analytics"`` object for a stored row: None while there is none or it is
    pending; a failed analysis shows its status and error, its measures None."""
    if row is None or row.status == "pending":
        return None
    done = row.status == "done"
    details = row.details or {}

    def kept(value: Any) -> Any:
        return value if done else None

    return {
        "status": row.status,
        "error": row.error,
        "duration_s": kept(row.duration_s),
        "talk_s": kept({"caller": row.talk_caller_s, "bot": row.talk_bot_s}),
        "turns": kept(row.turns),
        "interruptions": kept(row.interruptions),
        "silence_s": kept(row.silence_s),
        "latency_ms": kept(
            {"p50": row.latency_p50_ms, "p95": row.latency_p95_ms, "max": row.latency_max_ms}
        ),
        "tools": kept(details.get("tools", [])),
        "outcome": kept(row.outcome),
        "resolution": kept(row.resolution),
        "intents": kept(row.intents or []),
        "sentiment": kept(
            {
                "call": row.sentiment,
                "start": row.sentiment_start,
                "end": row.sentiment_end,
                "score": row.sentiment_score,
                "turns": details.get("turn_sentiment", []),
            }
        ),
        "summary": kept(row.summary),
        "methods": kept(details.get("methods", {})),
    }
