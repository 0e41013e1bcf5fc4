"""The redaction pair around a record point: the record gets copies, the call the originals.

A real task with the call recorder as observer, the frames a call makes (caller's
words, streamed LLM text, the line's reports of what was heard, a tool's result both
ways), and a processor on each side that keeps what passes it: the stored records
must hold no personal data, and what flows on must be exactly what came in.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from framekit.clock import ManualClock
from framekit.frames import (
    BotStartedSpeakingFrame,
    EndCause,
    Frame,
    FunctionCallResultFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    SentencePlayedFrame,
    TranscriptionFrame,
    TTSStartedFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.privacy.redact import Redactor
from framekit.processors import FrameDirection, FrameProcessor
from framekit.processors.redaction import Redaction
from framekit.storage import CallRecorder
from framekit.storage.records import Record, SegmentRecord, ToolRecord, record_to_json
from storage._call import UP, Emitter, Line, SimulatedCall

CARD = "4111 1111 1111 1111"
EMAIL = "john dot smith at gmail dot com"


class Keep(FrameProcessor):
    """Keeps every frame that passes it in one direction."""

    def __init__(self, direction: FrameDirection) -> None:
        super().__init__()
        self.direction = direction
        self.frames: list[Frame] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if direction is self.direction:
            self.frames.append(frame)
        await self.push_frame(frame, direction)


@asynccontextmanager
async def _call(
    records: list[Record], points: int = 1
) -> AsyncIterator[tuple[SimulatedCall, Keep, Keep]]:
    clock = ManualClock(100.0)
    recorder = CallRecorder(records.append)
    redaction = Redaction(Redactor())
    above, below = Keep(UP), Keep(FrameDirection.DOWNSTREAM)
    emitter, line = Emitter(), Line()
    guarded = [p for _ in range(points) for p in redaction.around(recorder.record_point())]
    pipeline = Pipeline([above, emitter, *guarded, below, line])
    task = PipelineTask(
        pipeline, params=PipelineParams(idle_timeout=None), observers=[recorder], clock=clock
    )
    runner = asyncio.ensure_future(task.run())
    try:
        await task.wait_started()
        yield SimulatedCall(emitter, line, recorder, task, clock, records), above, below
        await task.stop_when_done()
        await runner
    finally:
        if not runner.done():
            runner.cancel()
            await asyncio.wait([runner])


def _stored(records: list[Record]) -> str:
    return "\n".join(record_to_json(record) for record in records)


async def test_the_record_is_redacted_and_the_call_keeps_the_real_values() -> None:
    records: list[Record] = []
    async with _call(records, points=2) as (call, above, below):
        await call.user_says(f"my card is {CARD} and my email is {EMAIL}")
        await call.bot_says([f"Thanks, I have {EMAIL}.", "Anything else?"])
        result = FunctionCallResultFrame(
            call_id="t1",
            function_name="find_appointment",
            arguments={"phone": "5550104477", "order_id": "5550104477"},
            result={"name": "Jane", "phone": 5550104477, "email": "jane@example.com"},
        )
        await call.tool_ran(result)
    stored = _stored(records)
    for value in ("4111", "smith", "gmail", "jane@example.com"):
        assert value not in stored.lower(), value
    assert stored.count("5550104477") == 1  # the order id's, not the phone's
    user, bot = (r for r in records if isinstance(r, SegmentRecord))
    assert user.text == "my card is [card] and my email is [email]"
    assert (bot.text, bot.heard, bot.truncated) == (
        "Thanks, I have [email]. Anything else?",
        True,
        False,
    )
    [tool] = [r for r in records if isinstance(r, ToolRecord)]
    assert tool.arguments == {"phone": "[phone]", "order_id": "5550104477"}
    assert tool.result == {"name": "[name]", "phone": "[phone]", "email": "[email]"}
    # What flows on is what came in: the LLM gets the caller's words, its context the bot's.
    [said] = [f for f in below.frames if isinstance(f, TranscriptionFrame)]
    assert said.text == f"my card is {CARD} and my email is {EMAIL}"
    heard = [f.heard for f in above.frames if isinstance(f, SentencePlayedFrame)]
    assert heard == [f"Thanks, I have {EMAIL}.", "Anything else?"]
    streamed = "".join(f.text for f in below.frames if isinstance(f, LLMTextFrame))
    assert streamed.strip() == f"Thanks, I have {EMAIL}. Anything else?"
    assert [f.result for f in below.frames if isinstance(f, FunctionCallResultFrame)] == [
        result.result
    ]


async def test_a_barge_in_keeps_the_planned_text_redacted() -> None:
    records: list[Record] = []
    async with _call(records) as (call, _, _):
        await call.bot_says(
            ["Your card 4111 1111 1111 1111 is on file.", "It will be charged on Monday."],
            heard=1.5,
        )
    [bot] = [r for r in records if isinstance(r, SegmentRecord)]
    assert bot.truncated
    assert "4111" not in _stored(records)
    assert bot.planned_text == "Your card [card] is on file. It will be charged on Monday."


async def test_a_call_cancelled_mid_answer_stores_the_planned_text_redacted() -> None:
    # The response's end never comes (a hang-up, a server stopping): the point still
    # gets the words the caller was hearing, redacted.
    records: list[Record] = []
    async with _call(records) as (call, _, _):
        await call.push(LLMResponseStartFrame(response_id="r1"))
        for word in ["Your", "card", "4111", "1111", "1111", "1111", "is", "on", "file."]:
            await call.push(LLMTextFrame(text=word + " ", response_id="r1"))
        await call.push(BotStartedSpeakingFrame())
        await call.push(TTSStartedFrame(context_id="r1", text="Your card", response_id="r1"))
        await call.wait(0.5)
        await call.task.cancel(cause=EndCause.SHUTDOWN)
    [bot] = [r for r in records if isinstance(r, SegmentRecord)]
    assert bot.planned_text == "Your card [card] is on file."
    assert "4111" not in _stored(records)


async def test_text_without_personal_data_passes_as_the_same_frame() -> None:
    records: list[Record] = []
    async with _call(records) as (call, _, below):
        await call.user_says("where is my order 4729")
    [said] = [f for f in below.frames if isinstance(f, TranscriptionFrame)]
    [user] = [r for r in records if isinstance(r, SegmentRecord)]
    assert user.text == said.text == "where is my order 4729"


async def test_a_number_a_pause_split_over_two_turns_is_stored_redacted() -> None:
    # The caller paused between the groups long enough to end the turn: the second
    # turn's "213 4477." is no phone number alone, but it finishes the one begun before.
    records: list[Record] = []
    async with _call(records) as (call, _, below):
        await call.user_says("My phone number is five five five, two one three.")
        await call.bot_says(["Go on."])
        await call.user_says("4477.")
        await call.user_says("And my order is 4729.")
    users = [r.text for r in records if isinstance(r, SegmentRecord) and r.speaker == "user"]
    assert users == [
        "My phone number is five five five, two one three.",
        "[phone].",
        "And my order is 4729.",
    ]
    # The LLM still hears what was said.
    said = [f.text for f in below.frames if isinstance(f, TranscriptionFrame)]
    assert said[1] == "4477."
