"""One caller who never stops talking costs their own call, not another caller's answer.

The whole offline bot through ``serve()``, driven by the independent Twilio network:
one caller talks without a pause for 25 s (past the recognizer's 15 s utterance cut)
while another asks a question right as the cut is decoded. The other caller is
answered as usual, the talker is neither hung up on nor prompted for silence, and
the talker's cut words are in the call record.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

pytest.importorskip("piper", reason="a served call needs the contact-center extras")

from contact_center.test_served_calls import caller_says, said, say, served

MONOLOGUE = (
    "Let me tell you everything about my order from the very beginning, because it is a "
    "long story and I want you to hear all of it. First I ordered a lamp and a chair, then "
    "I changed my mind about the colour, and then the parcel went to my neighbour instead. "
)

pytestmark = pytest.mark.timeout(180)


async def test_a_caller_talking_for_25_s_does_not_delay_another_callers_answer(
    tmp_path: Path,
) -> None:
    async with served(tmp_path, greeting="Hello, how can I help?") as running:
        talker, other = await running.call(), await running.call()
        await other.wait_for_quiet(0.3, timeout=20)
        pcm, rate = caller_says(MONOLOGUE)
        repeats = -(-25 * rate * 2 // len(pcm))  # at least 25 s of speech, no pause
        talking = asyncio.ensure_future(talker.say_pcm16(pcm * repeats, rate))
        await asyncio.sleep(14.0)  # the other caller asks as the talker's cut is decoded
        await say(other, "What are your opening hours?")
        asked = time.monotonic()
        await other.wait_for_audio(other.received_seconds + 0.1, timeout=30)
        answer = time.monotonic() - asked
        await talking
        assert not talker.closed_by_server  # no silence prompt, no hang-up while talking
        await talker.hang_up()
        await other.hang_up()
        talker_record = await running.record_of(talker.call_sid)
        other_record = await running.record_of(other.call_sid)
    assert answer < 2.5, f"the other caller waited {answer:.2f} s"
    assert [t["name"] for t in other_record["tools"]] == ["faq_answer"]
    assert said(talker_record, "user"), "the talker's cut words are in the record"
    assert "Are you still there?" not in said(talker_record, "bot")
