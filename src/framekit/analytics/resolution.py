"""Whether the caller got what they called for: the stored outcome, checked against the words.

The call record's outcome (:mod:`framekit.storage.outcome`) is decided from events:
a tool that serves a request succeeded, the carrier confirmed a transfer, the caller
never spoke. That is right most of the time and blind to what the caller said of it.
:func:`resolution` starts from it and corrects it from the transcript:

* **the answer did not help**: after the last tool that answered, the caller rejects
  it ("that's not what I asked", "yeah I know it was delivered", "thanks for
  nothing", "I'll sort it out later"): ``unresolved``. Grumbling that accepts the
  answer ("it better actually show up") is not a rejection: an angry caller who got
  the answer is resolved;
* **the bot gave up**: from the last tool that answered on (from the start when none
  did), the bot said it cannot do it ("once it has shipped I can't change it", "I'm
  not sure about that", "a colleague could help", "I can only see the status"),
  apologised with nothing more to offer ("I'm sorry. Anything else?"), a handover to
  a person failed, or a lookup came back empty (``"slots": []``): ``unresolved``,
  however politely the caller says goodbye. These are general signals, the bot's own
  account and the tools' results, not the caller's phrasing;
* **a lookup is not an answer**: tools that only find what a request acts on (the
  free slots, an existing appointment: the intents' ``lookup``, ``availability`` and
  ``existing`` tools) resolve a call only when the caller thanks for it or is plainly
  pleased ("splendid, you've saved my bacon"); a booking
  that never happened is ``unresolved``;
* **answered without a tool**: the bot answered from what it knows (an LLM without an
  FAQ tool) and the caller's last turn thanks it ("great, that's all I needed"):
  ``resolved`` (a thanks that is sarcasm, "great. waste of five minutes", is not one);
* **a fault after the answer**: the call ended on a fault once a tool had answered
  and the bot had said so: ``resolved``, the caller got it;
* **cut short before the answer**: a fault (error, shutdown, cancel) or the idle
  timeout (the bot went quiet) ended the call before any tool answered: ``failed``,
  even when a lookup had succeeded.

``transferred`` and ``abandoned`` are facts of the line and stay.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Final

from framekit.analytics.conversation import Event, ToolUse, Utterance, tool_ok
from framekit.analytics.sentiment import THRESHOLD, turn_sentiment
from framekit.frames import EndCause
from framekit.intents.defaults import CONTACT_CENTER_INTENTS
from framekit.storage.outcome import CALL_CONTROL_TOOLS, Outcome, OutcomeTracker

__all__ = ["LOOKUP_TOOLS", "RESOLUTIONS", "answer_at", "gave_up", "outcome_of", "resolution"]

RESOLUTIONS: Final = tuple(outcome.value for outcome in Outcome)
"""resolved, transferred, unresolved, abandoned, failed."""

LOOKUP_TOOLS: Final = frozenset(
    tool
    for intent in CONTACT_CENTER_INTENTS
    for tool in (intent.lookup, intent.availability, intent.existing)
    if tool
)
"""Tools that find what a request acts on without answering it (the contact center's)."""

_REJECTED: Final = re.compile(
    r"\b((doesn'?t|does not|didn'?t|did not|won'?t|not) (really )?(help|answer|solve|fix)"
    r"|not what i (asked|said|meant|wanted|need)|(that'?s|that is|it'?s) (wrong|not right"
    r"|incorrect|not (it|correct|true|mine))|i still (don'?t|do not|can'?t|haven'?t)"
    r"|still (waiting|not|no|nothing|hasn'?t)|useless|pointless|thanks for nothing"
    r"|waste of|forget it|never mind|nevermind|give up|no use|rubbish"
    r"|(real|actual) (person|human)|(talk|speak) to (a|an|your|the) "
    r"(human|person|manager|supervisor|agent)|call (back|again) (later|tomorrow)"
    r"|not (happy|good enough|acceptable)|unacceptable|ridiculous|hassle"
    r"|yeah,? i know|i guess i'?ll|don'?t worry about it|sort it (out )?(later|myself)"
    r"|i'?ll sort it|has to be|so basically nothing|(really|very) efficient"
    r"|(doesn'?t|does not|won'?t) work for me|no good (to|for) me|try again (later|tomorrow)"
    r"|(call|ring|phone) (you )?(back|again)|that'?s too (late|early|far|expensive)"
    r"|i (already|just) (said|told you)|you'?re not (listening|understanding|getting it)"
    r"|that'?s not (it|what|the)|doesn'?t answer|didn'?t answer|not helpful|no help"
    r"|i'?ll (just )?(go|come) (in|into|to) (the )?(shop|store)"
    r"|i'?ll (ask|try) (someone|elsewhere))"
)
"""What a caller says when the answer did not help."""

_FAULTS: Final = frozenset(
    cause.value for cause in (EndCause.ERROR, EndCause.SHUTDOWN, EndCause.CANCELLED)
)
"""Ends that cut the call short: no answer by then is a failure, not the caller's choice."""

_THANKED: Final = re.compile(
    r"\b(that'?s (exactly|perfect|great|brilliant|helpful|what i needed)"
    r"|that (answers|helps|solves|sorts)|good to know|makes sense|sorted|perfect|brilliant"
    r"|lovely|wonderful|great|cheers|appreciate|(thank(s| you)|ta)\b(?! anyway)"
    r"|you'?ve been (very |really )?helpful|nice one)"
)
"""What a caller says when the bot's answer was what they wanted."""


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


def resolution(
    outcome: str | None,
    events: Sequence[Event],
    end_cause: str | None = None,
    *,
    lookups: Collection[str] = LOOKUP_TOOLS,
) -> Outcome:
    """The call's resolution: ``outcome`` (as stored) corrected by the transcript and
    ``end_cause`` (the record's end reason, an :class:`~framekit.frames.EndCause` value)."""
    caller = [
        (n, _plain(e.text))
        for n, e in enumerate(events)
        if isinstance(e, Utterance) and e.role == "caller" and e.text.strip()
    ]
    try:
        stored = Outcome(outcome) if outcome else None
    except ValueError:
        stored = None  # an outcome of an older vocabulary: decided from the words alone
    if stored is None:
        stored = Outcome.UNRESOLVED if caller else Outcome.ABANDONED
    if stored in (Outcome.TRANSFERRED, Outcome.ABANDONED) or not caller:
        return stored
    answer = answer_at(events, lookups)
    after = [text for n, text in caller if answer is not None and n > answer]
    rejected = any(_REJECTED.search(text) for text in after)
    if stored is Outcome.FAILED or end_cause in _FAULTS:
        spoke = answer is not None and any(
            isinstance(e, Utterance) and e.role == "bot" for e in events[answer:]
        )
        return Outcome.RESOLVED if spoke and not rejected else Outcome.FAILED
    if gave_up(events, answer or 0):
        return Outcome.UNRESOLVED
    if answer is not None:
        return Outcome.UNRESOLVED if rejected else Outcome.RESOLVED
    if end_cause == EndCause.IDLE.value:
        return Outcome.FAILED
    tail = [text for _, text in caller[-2:]]
    thanked = any(_thanks(t) for t in tail)
    rejected = any(_REJECTED.search(t) for t in tail)
    return Outcome.RESOLVED if thanked and not rejected else Outcome.UNRESOLVED


def _thanks(text: str) -> bool:
    """The caller thanks or is plainly pleased ("splendid, you've saved my bacon"); a
    thank-you word in a sour turn ("great. waste of five minutes") is no thanks."""
    score = turn_sentiment(text)
    return score > THRESHOLD or (score > 0 and bool(_THANKED.search(text)))


def gave_up(events: Sequence[Event], since: int = 0) -> bool:
    """From ``events[since]`` on, the bot said it cannot do what was asked, a handover to a
    person failed or a lookup found nothing: the call's own account that the need was not met."""
    for event in events[since:]:
        if isinstance(event, ToolUse):
            control = event.name in CALL_CONTROL_TOOLS
            if (control and not tool_ok(event)) or (not control and _found_nothing(event)):
                return True
        elif event.role == "bot" and _DECLINED.search(_plain(event.text)):
            return True
    return False


def _found_nothing(tool: ToolUse) -> bool:
    """A lookup that ran and came back empty ("slots": [])."""
    result = tool.result
    return isinstance(result, dict) and bool(result) and not any(result.values())


_DECLINED: Final = re.compile(
    r"\b(can'?t|cannot|unable to|not able to|i'?m not sure|i don'?t (have|know)"
    r"|(nobody|no one|no colleague) is (free|available)"
    r"|(colleague|someone|a person) (can|could|may|might) help"
    r"|i (can )?only (see|have|tell|check|do)\b|sorry\W+(is there )?anything else)"
)
"""How a bot says it cannot help (its own words, so the same in every call): it cannot,
it can only do less than asked ("I can only see the status, not the reason"), or a bare
apology moves on ("I'm sorry. Anything else?"): nothing more to offer. An apology for
something ("sorry for the earlier calls. Anything else?") is not one."""


def answer_at(events: Sequence[Event], lookups: Collection[str] = LOOKUP_TOOLS) -> int | None:
    """The index of the last tool that answered a request (not a lookup, not call control)."""
    found = None
    for n, event in enumerate(events):
        if (
            isinstance(event, ToolUse)
            and event.name not in CALL_CONTROL_TOOLS
            and event.name not in lookups
            and tool_ok(event)
        ):
            found = n
    return found


def _plain(text: str) -> str:
    return text.lower().replace("\u2019", "'")
