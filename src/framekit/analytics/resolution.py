"""Whether the caller got what they called for: the stored outcome, checked against the words.

The call record's outcome (:mod:`framekit.storage.outcome`) is decided from events:
a tool that serves a request succeeded, the carrier confirmed a transfer, the caller
never spoke. That is right most of the time and blind to what the caller said of it.
:func:`resolution` starts from it and corrects two cases from the transcript:

* **resolved, but the caller says it did not help**: a tool answered, then the
  caller's last turns reject the answer ("that's not what I asked", "that doesn't
  help", "I still don't have it", asks for a person who never came): ``unresolved``;
* **unresolved, but answered without a tool**: the bot answered from what it knows
  (an LLM without an FAQ tool) and the caller's last turn thanks it for the answer
  ("great, that's all I needed"): ``resolved``.

``transferred``, ``failed`` and ``abandoned`` are facts of the line and stay.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from framekit.analytics.conversation import Event, ToolUse, Utterance
from framekit.frames import EndCause
from framekit.storage.outcome import CALL_CONTROL_TOOLS, Outcome, OutcomeTracker

__all__ = ["RESOLUTIONS", "outcome_of", "resolution"]

RESOLUTIONS: Final = tuple(outcome.value for outcome in Outcome)
"""resolved, transferred, unresolved, abandoned, failed."""

_REJECTED: Final = re.compile(
    r"\b((doesn'?t|does not|didn'?t|did not|won'?t|not) (really )?(help|answer|solve|fix)"
    r"|not what i (asked|said|meant|wanted|need)|(that'?s|that is|it'?s) (wrong|not right"
    r"|incorrect|not (it|correct|true|mine))|i still (don'?t|do not|can'?t|haven'?t)"
    r"|still (waiting|not|no|nothing|hasn'?t)|useless|pointless|thanks for nothing"
    r"|waste of (my )?time|forget it|never mind|nevermind|give up"
    r"|(real|actual) (person|human)|(talk|speak) to (a|an|your|the) "
    r"(human|person|manager|supervisor|agent)|call (back|again) (later|tomorrow)"
    r"|not (happy|good enough|acceptable)|unacceptable|ridiculous)"
)
"""What a caller says when the answer did not help."""

_THANKED: Final = re.compile(
    r"\b(that'?s (all|everything|exactly|perfect|great|brilliant|helpful|what i needed)"
    r"|that (answers|helps|solves|sorts)|(thank(s| you)|cheers|perfect|great|brilliant"
    r"|lovely|wonderful)\b.*\b(help|answer|sorted|know|needed|bye|goodbye)"
    r"|good to know|makes sense|sorted|got it,? thanks|you'?ve been (very |really )?helpful)"
)
"""What a caller says when the bot's answer was what they wanted."""

_TAIL: Final = 2
"""The caller's last turns that say how the call ended for them."""


def outcome_of(events: Sequence[Event], end_cause: str) -> Outcome:
    """The outcome the call recorder would have stored for these events and end cause."""
    tracker = OutcomeTracker(CALL_CONTROL_TOOLS)
    for event in events:
        if isinstance(event, Utterance) and event.role == "caller":
            tracker.caller_said(event.text)
        elif isinstance(event, ToolUse):
            tracker.tool_finished(event.name, event.result, event.error)
    try:
        cause = EndCause(end_cause)
    except ValueError:
        cause = EndCause.COMPLETED
    return tracker.decide(cause)


def resolution(outcome: str | None, events: Sequence[Event]) -> Outcome:
    """The call's resolution: ``outcome`` (as stored) corrected by the transcript."""
    caller = [
        e.text.lower().replace("\u2019", "'")
        for e in events
        if isinstance(e, Utterance) and e.role == "caller" and e.text.strip()
    ]
    try:
        stored = Outcome(outcome) if outcome else None
    except ValueError:
        stored = None  # an outcome of an older vocabulary: decided from the words alone
    if stored is None:
        stored = Outcome.UNRESOLVED if caller else Outcome.ABANDONED
    if stored in (Outcome.TRANSFERRED, Outcome.FAILED, Outcome.ABANDONED) or not caller:
        return stored
    tail = caller[-_TAIL:]
    rejected = any(_REJECTED.search(text) for text in tail)
    thanked = bool(_THANKED.search(caller[-1]))
    if stored is Outcome.RESOLVED and rejected and not thanked:
        return Outcome.UNRESOLVED
    if stored is Outcome.UNRESOLVED and thanked and not rejected:
        return Outcome.RESOLVED
    return stored
