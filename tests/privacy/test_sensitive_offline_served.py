"""A served call pays for an order by card with the offline brain (no model at all).

``framekit serve``'s application as ``test_sensitive_served.py`` calls it (signed
webhook, Media Stream, ``dtmf`` events), but with no LLM configured: the intent
engine hears "pay for order ...", confirms, and its ``take_card_payment`` tool opens
the sensitive entry through the ToolContext the engine now gives its tools. The
caller types the card on the keypad in one test and says it in the other.

Afterwards the tool must have had the number (paid, by Visa), the bot must have said
so, and no six digits of the card may be in any table or the ``DEBUG`` logs, and
the caller's recording is silent over the entry (the keyed and spoken tests' own
checks, reused).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from framekit_contact_center.data import BusinessStore

from contact_center.test_served_calls import said, say, served
from framekit.logs import configure_logging
from phone_network import PhoneCall
from privacy.test_sensitive_served import (
    _caller_recording,
    _keyed_entry_unrecorded,
    _loud,
    _paid_and_kept_nowhere,
    _type_card,
)
from privacy.test_sensitive_spoken_served import SAID_CARD

pytestmark = pytest.mark.timeout(300)

# Silence prompts off: on a busy machine the spoken number's decode can outlast them,
# and this test is about the entry, not about a quiet caller.
_QUIET_OK: dict[str, Any] = {"silence_timeout": None}
_QUIET = 1.0
"""Seconds of silence that end a bot's reply: on two busy cores a sentence's audio can
pause for half a second, and a caller who answers then talks over the rest of it."""


def _order(folder: Path) -> str:
    """The shop's shortest order number (the served app seeded it)."""
    return min(BusinessStore(folder / "shop.db").order_numbers(), key=len)


async def _ask_to_pay(call: PhoneCall, order: str) -> float:
    """Ask to pay for ``order`` (words not among the intent's examples), say yes to the
    bot's check, and wait for the card prompt to be heard; when the asking began."""
    await call.wait_for_quiet(0.3, timeout=20)  # the greeting
    asked = time.monotonic() - call.started_at
    # one breath: a comma's pause could end the caller's turn after "order"
    await say(call, f"I'd like to pay for order {' '.join(order)} please.")
    await call.wait_for_audio(call.received_seconds + 1.0, timeout=30)  # "Shall I take ...?"
    await call.wait_for_quiet(_QUIET, timeout=30)
    await say(call, "Yes please.")
    await call.wait_for_audio(call.received_seconds + 1.0, timeout=30)  # the card prompt
    await call.wait_for_quiet(_QUIET, timeout=30)
    return asked


async def _thanked_then_goodbye(call: PhoneCall) -> float:
    """Hear the bot's thanks, say goodbye, and wait for the bot to hang up; when the
    thanks ended."""
    await call.wait_for_audio(call.received_seconds + 2.0, timeout=90)  # "Thank you, ..."
    await call.wait_for_quiet(_QUIET, timeout=30)
    thanked = time.monotonic() - call.started_at
    await say(call, "That is all, goodbye.")
    await call.wait_closed(timeout=30)
    assert call.closed_by_server  # the end_call tool's hang-up, through its context
    return thanked


def _bot_said_paid(record: dict[str, Any]) -> None:
    bot = said(record, "bot")
    assert any("went through with your Visa card" in line for line in bot), record["transcript"]
    assert (record["outcome"], record["end_reason"]) == ("resolved", "bot_hung_up")


async def test_offline_a_card_typed_on_the_keypad_reaches_only_the_tool(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", environ={})
    async with served(tmp_path, **_QUIET_OK) as running:
        call = await running.call()
        await _ask_to_pay(call, _order(tmp_path))
        entry_began = time.monotonic() - call.started_at
        await _type_card(call)
        entry_ended = time.monotonic() - call.started_at
        await _thanked_then_goodbye(call)
        record = await running.record_of(call.call_sid)
    _paid_and_kept_nowhere(record, None, tmp_path, capfd)
    _bot_said_paid(record)
    _keyed_entry_unrecorded(tmp_path, entry_began, entry_ended)


async def test_offline_a_card_said_aloud_reaches_only_the_tool(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", environ={})
    async with served(tmp_path, **_QUIET_OK) as running:
        call = await running.call()
        asked = await _ask_to_pay(call, _order(tmp_path))
        entry_began = time.monotonic() - call.started_at
        await say(call, SAID_CARD)
        number_said = time.monotonic() - call.started_at
        thanked = await _thanked_then_goodbye(call)
        record = await running.record_of(call.call_sid)
    _paid_and_kept_nowhere(record, None, tmp_path, capfd)
    _bot_said_paid(record)
    caller = said(record, "user")
    # pay, yes, then only the closing line: one turn, or two when its comma's pause ends
    # a finished sentence's turn (as it may on a quiet machine), the "Goodbye." then said
    # over the bot's own goodbye, which ends the call without a second end_call.
    assert caller[0].startswith("I'd like to pay"), caller
    assert "yes" in caller[1].lower(), caller
    closing = " ".join(caller[2:]).lower()
    assert closing.startswith("that is all"), caller
    tools = [t["name"] for t in record["tools"]]
    assert tools == ["take_card_payment", "end_call"], tools

    samples, rate = _caller_recording(tmp_path)
    assert _loud(samples, rate, asked, entry_began - 0.5)  # the caller's words before
    assert not _loud(samples, rate, entry_began, number_said)  # the number: silence
    assert _loud(samples, rate, thanked, len(samples) / rate)  # the goodbye
