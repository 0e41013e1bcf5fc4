"""Paying for an order with the offline engine and the contact center's real card tool.

The tool opens a sensitive entry through its ToolContext; here the context's push
answers the entry as the call's gate would (the served tests,
``tests/privacy/test_sensitive_offline_served.py``, use the real gate). The caller's
phrasings are not among the intent's examples.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from framekit_contact_center.data import BusinessStore
from framekit_contact_center.seed import seed_store
from framekit_contact_center.tools import build_tools

from framekit.frames import (
    Frame,
    SensitiveEntry,
    SensitiveEntryEnd,
    SensitiveEntryRequestFrame,
    TTSSpeakFrame,
)
from framekit.intents import DialogueState, IntentClassifier, IntentEngine, Reply, registry_caller
from framekit.intents.payment import PAY_ORDER
from framekit.processors.base import FrameDirection
from framekit.tools import ToolContext

TODAY = dt.date(2026, 11, 25)
CARD = "4539148803436467"  # Luhn-valid, a Visa
ASK = "hello, i need to pay for something i bought"
ASK_WITH_NUMBER = "can i pay for order {} by card"
ASK_SOON = "i'd like to pay off order {} now"


class Line:
    """Makes each tool call's context; an entry the tool opens is answered with ``keys``."""

    def __init__(self, keys: str, end: SensitiveEntryEnd = SensitiveEntryEnd.COMPLETE) -> None:
        self.keys, self.end = keys, end
        self.pushed: list[tuple[Frame, FrameDirection]] = []

    async def _push(self, frame: Frame, direction: FrameDirection) -> None:
        self.pushed.append((frame, direction))
        if isinstance(frame, SensitiveEntryRequestFrame):
            frame.answer.set_result(SensitiveEntry(self.keys, self.end))

    def __call__(self, name: str, arguments: dict[str, Any]) -> ToolContext:
        return ToolContext.bound(
            f"t{len(self.pushed)}", name, arguments, push=self._push, interrupted=lambda: False
        )


@pytest.fixture
def order(tmp_path: Path) -> tuple[BusinessStore, str]:
    store = BusinessStore(tmp_path / "shop.db")
    seed_store(store, today=TODAY)
    return store, store.order_numbers()[0]


def _engine(classifier: IntentClassifier, store: BusinessStore) -> IntentEngine:
    return IntentEngine(registry_caller(build_tools(store)), classifier=classifier)


async def _talk(
    engine: IntentEngine, line: Line | None, *turns: str, state: DialogueState | None = None
) -> list[Reply]:
    state = state or engine.new_state()
    return [await engine.respond(state, turn, tool_contexts=line) for turn in turns]


def _spaced(number: str) -> str:
    return " ".join(number)


async def test_paying_asks_for_the_order_confirms_and_thanks_with_the_brand(
    classifier: IntentClassifier, order: tuple[BusinessStore, str]
) -> None:
    store, number = order
    line = Line(CARD)
    asked, confirm, paid = await _talk(
        _engine(classifier, store),
        line,
        ASK,
        number,
        "yes go ahead",
    )
    assert asked.intent == "pay_order"
    assert asked.awaiting == "order_number"
    assert confirm.text == f"Shall I take a card payment for order {_spaced(number)}?"
    assert paid.text.startswith(
        f"Thank you, the payment for order {_spaced(number)} went through with your Visa card."
    )
    [call] = paid.tool_calls
    assert call.name == "take_card_payment"
    assert call.result == {"paid": True, "card": "Visa"}
    kinds = [(type(f), d) for f, d in line.pushed]
    # the entry is asked for upstream (to the gate), the prompt goes down to the voice
    assert kinds == [
        (SensitiveEntryRequestFrame, FrameDirection.UPSTREAM),
        (TTSSpeakFrame, FrameDirection.DOWNSTREAM),
    ]
    assert CARD not in repr(paid)


@pytest.mark.parametrize(
    ("keys", "end", "heard"),
    [
        ("", SensitiveEntryEnd.TIMEOUT, "I didn't get a card number, so nothing was charged."),
        ("4539148803436468", SensitiveEntryEnd.COMPLETE, "That card number doesn't look valid"),
    ],
    ids=["timed-out", "not-luhn"],
)
async def test_a_failed_entry_is_said_in_its_own_sentence(
    classifier: IntentClassifier,
    order: tuple[BusinessStore, str],
    keys: str,
    end: SensitiveEntryEnd,
    heard: str,
) -> None:
    store, number = order
    replies = await _talk(
        _engine(classifier, store), Line(keys, end), ASK_WITH_NUMBER.format(number), "yes"
    )
    assert replies[-1].text.startswith(heard)
    assert "try again" in replies[-1].text


async def test_without_a_pipeline_or_with_an_unknown_order_nothing_is_charged(
    classifier: IntentClassifier, order: tuple[BusinessStore, str]
) -> None:
    store, number = order
    engine = _engine(classifier, store)
    no_line = await _talk(engine, None, ASK_SOON.format(number), "yes")
    assert no_line[-1].text.startswith(
        "I'm sorry, I can't take a card payment on this line. Nothing was charged."
    )
    missing = await _talk(engine, Line(CARD), ASK_SOON.format("99 99 1"), "yes")
    assert missing[-1].text.startswith(
        "I'm sorry, I can't find an order numbered 9 9 9 9 1. Nothing was charged."
    )


def test_the_test_phrasings_are_not_examples() -> None:
    examples = {e.lower().strip(".?!") for e in PAY_ORDER.examples}
    said = {ASK, ASK_WITH_NUMBER.format("6021"), ASK_SOON.format("6021")}
    assert not examples & said
