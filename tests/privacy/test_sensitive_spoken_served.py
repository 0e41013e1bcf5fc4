"""A served call pays for an order with a card number said aloud (spoken sensitive entry).

The keyed test's call (``test_sensitive_served.py``: ``framekit serve``'s application
called as Twilio would call it, the fake OpenAI-compatible model that calls
``take_card_payment``), but the caller says the sixteen digits (Piper's voice, heard
by the served Silero VAD and Moonshine) instead of typing them.

Afterwards the tool must have had the number (paid, by Visa: only a Luhn-valid
number starting with 4 says so), and no six digits of it in a row may be anywhere
else: not in any column of any table, not in the logs (``DEBUG``), not in what the
model was sent; the caller's recording is silent from the prompt until the number
has been said, and records the caller's words before and after as usual. A caller who
misreads the number and says "let me start again" pays with the number said after it
(the digits before the restart would make an invalid number of 28 digits).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from contact_center.test_served_calls import said, say, served
from framekit.logs import configure_logging
from framekit.testing.fakes._llm_script import Step
from framekit.testing.fakes.openai_server import FakeOpenAIServer
from privacy.test_sensitive_served import (
    _caller_recording,
    _loud,
    _model,
    _paid_and_kept_nowhere,
)

pytestmark = pytest.mark.timeout(240)

SAID_CARD = "four five three nine, one four eight eight, zero three four three, six four six seven."
"""``test_sensitive_served.CARD``, said in four groups."""
MISREAD = (
    "four five three nine, one four eight eight, zero three four four. Sorry, let me start again."
)
"""Twelve digits, one wrong, then a restart: none of them may reach the tool."""


@pytest.mark.parametrize(
    "sayings", [[SAID_CARD], [MISREAD, SAID_CARD]], ids=["said", "started_over"]
)
async def test_a_card_number_said_during_the_entry_reaches_only_the_tool(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], sayings: list[str]
) -> None:
    configure_logging("DEBUG", environ={})
    paid = asyncio.Event()
    keyed_test_model = _model(tmp_path / "shop.db")

    def answer(request: dict[str, Any]) -> Step:
        if request["messages"][-1]["role"] == "tool":
            paid.set()  # the tool's result reached the model
        step: Step = keyed_test_model(request)
        return step

    async with (
        FakeOpenAIServer(answer) as model,
        served(
            tmp_path, local_llm_base_url=model.base_url, local_llm_model="local-test"
        ) as running,
    ):
        call = await running.call()
        await call.wait_for_quiet(0.3, timeout=20)
        await say(call, "I would like to pay for my order, please.")
        asked = time.monotonic() - call.started_at
        await call.wait_for_audio(call.received_seconds + 1.0, timeout=30)  # the prompt
        await call.wait_for_quiet(0.5, timeout=30)
        entry_began = time.monotonic() - call.started_at
        for saying in sayings:
            await say(call, saying)
        number_said = time.monotonic() - call.started_at
        # The tool's result reaches the model once the number is transcribed (on a
        # busy machine that may take longer than the call flow's silence prompt).
        await asyncio.wait_for(paid.wait(), 60)
        await call.wait_for_audio(call.received_seconds + 1.0, timeout=30)  # "thank you"
        await call.wait_for_quiet(0.5, timeout=30)
        thanked = time.monotonic() - call.started_at
        await say(call, "That is all, goodbye.")
        await call.wait_for_audio(call.received_seconds + 0.5, timeout=30)
        await call.hang_up()
        record = await running.record_of(call.call_sid)
    _paid_and_kept_nowhere(record, model, tmp_path, capfd)
    caller = said(record, "user")
    # "pay for my order", then only the closing line (one turn, or two when its comma's
    # pause ends a finished sentence's turn, as it may on a quiet machine): nothing said
    # during the entry was stored as the caller's words.
    assert "pay for my order" in caller[0], caller
    assert " ".join(caller[1:]).lower().startswith("that is all"), caller

    samples, rate = _caller_recording(tmp_path)
    assert _loud(samples, rate, 0.0, asked - 0.5)  # the caller's words before the entry
    assert not _loud(samples, rate, entry_began, number_said)  # the number: silence
    assert _loud(samples, rate, thanked, len(samples) / rate)  # the goodbye
