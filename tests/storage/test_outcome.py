"""Outcomes come from what happened on the call, not from who hung up."""

from __future__ import annotations

import pytest

from framekit.frames import EndCause
from framekit.storage.outcome import Outcome, OutcomeTracker


def tracker(
    *, spoke: bool = False, tools: tuple[tuple[str, object, str | None], ...] = ()
) -> OutcomeTracker:
    outcomes = OutcomeTracker()
    if spoke:
        outcomes.caller_said("where is my order")
    for name, result, error in tools:
        outcomes.tool_finished(name, result, error)
    return outcomes


ANSWERED = (("order_status", {"status": "shipped"}, None),)


@pytest.mark.parametrize(
    ("outcomes", "cause", "expected"),
    [
        (tracker(spoke=True, tools=ANSWERED), EndCause.CALLER_HUNG_UP, Outcome.RESOLVED),
        (tracker(spoke=True, tools=ANSWERED), EndCause.BOT_HUNG_UP, Outcome.RESOLVED),
        (tracker(spoke=True, tools=ANSWERED), EndCause.SILENCE, Outcome.RESOLVED),
        (tracker(spoke=True, tools=ANSWERED), EndCause.TRANSFERRED, Outcome.TRANSFERRED),
        (tracker(spoke=True, tools=ANSWERED), EndCause.ERROR, Outcome.FAILED),
        (tracker(spoke=True, tools=ANSWERED), EndCause.SHUTDOWN, Outcome.RESOLVED),
        (tracker(spoke=True), EndCause.SHUTDOWN, Outcome.FAILED),
        (tracker(spoke=True), EndCause.BOT_HUNG_UP, Outcome.UNRESOLVED),
        (tracker(spoke=True), EndCause.CALLER_HUNG_UP, Outcome.UNRESOLVED),
        (tracker(), EndCause.SILENCE, Outcome.ABANDONED),
        (tracker(), EndCause.CALLER_HUNG_UP, Outcome.ABANDONED),
    ],
)
def test_the_outcome_table(outcomes: OutcomeTracker, cause: EndCause, expected: Outcome) -> None:
    assert outcomes.decide(cause) is expected


def test_failed_tools_and_call_control_tools_answer_nothing() -> None:
    outcomes = tracker(
        spoke=True,
        tools=(
            ("order_status", {"error": "no order numbered 12"}, None),
            ("book_appointment", None, "timed out after 5 s"),
            ("end_call", {"ended": True}, None),
            ("transfer_to_human", {"transferred_to": "+15550100"}, None),
        ),
    )
    assert outcomes.answered == []
    assert outcomes.decide(EndCause.BOT_HUNG_UP) is Outcome.UNRESOLVED


def test_blank_words_are_not_speech() -> None:
    outcomes = OutcomeTracker()
    outcomes.caller_said("  ")
    assert outcomes.decide(EndCause.CALLER_HUNG_UP) is Outcome.ABANDONED
