"""Tool calls are stored where their results pass a record point, on a real database.

The pipeline is the contact center's shape: a record point above the tool runner
(the caller's words), a real :class:`~framekit.tools.ToolRunner` sending each result
both ways, a stage that rewrites tool arguments and results (redaction), then the
record point before the line. What the database holds is read back with SQL, so
"the original never reaches the database" is checked on every column of every table.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from framekit.clock import ManualClock
from framekit.frames import (
    EndCause,
    FunctionCallCancelledFrame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    InterruptionFrame,
    LLMResponseStartFrame,
    TextFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor, QueuedFrameProcessor, on_frame
from framekit.storage import CallDetails, CallRecorder, RecordWriter, get_call, make_engine
from framekit.storage._tools import NOT_CARRIED
from framekit.tasks import live_framekit_tasks
from framekit.tools import ToolRegistry, ToolRunner

CARD = "4111 1111 1111 1111"
_DIGITS = re.compile(r"\d{4}")


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return _DIGITS.sub("####", value)
    if isinstance(value, dict):
        return {key: _mask(item) for key, item in value.items()}
    return value


class RedactTools(FrameProcessor):
    """A redaction stage for tools: card numbers in arguments and results never go further."""

    @on_frame(FunctionCallResultFrame)
    async def _redact(self, frame: FunctionCallResultFrame, direction: FrameDirection) -> None:
        masked = dataclasses.replace(
            frame, arguments=_mask(frame.arguments), result=_mask(frame.result)
        )
        await self.push_frame(masked, direction)


class HeldTTS(QueuedFrameProcessor):
    """A TTS whose worker is busy with a sentence until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.busy = asyncio.Event()

    @on_frame(TextFrame)
    async def _speak(self, frame: TextFrame, direction: FrameDirection) -> None:
        self.busy.set()
        await self.release.wait()
        await self.push_frame(frame, direction)


class Emitter(FrameProcessor):
    """The head of the pipeline: the test pushes the model's frames out of it."""


@dataclass
class ToolCall:
    emitter: Emitter
    recorder: CallRecorder
    task: PipelineTask
    clock: ManualClock
    gate: asyncio.Event
    seen_by_model: list[FunctionCallResultFrame]

    async def request(self, call_id: str, card: str = CARD, response_id: str = "") -> None:
        frame = FunctionCallRequestedFrame(
            call_id=call_id,
            function_name="card_on_file",
            arguments={"card": card},
            response_id=response_id,
        )
        await self.emitter.push_frame(frame)


class ModelSide(FrameProcessor):
    """Above the runner: keeps the results that go up (the model's copies)."""

    def __init__(self, kept: list[FunctionCallResultFrame]) -> None:
        super().__init__()
        self._kept = kept

    @on_frame(FunctionCallResultFrame)
    async def _keep(self, frame: FunctionCallResultFrame, direction: FrameDirection) -> None:
        if direction is FrameDirection.UPSTREAM:
            self._kept.append(frame)
        await self.push_frame(frame, direction)


@asynccontextmanager
async def tool_call(
    writer: RecordWriter, *, before_point: list[FrameProcessor] | None = None
) -> AsyncIterator[ToolCall]:
    """A call with the tool ``card_on_file`` (it waits for ``gate`` when it is cleared)."""
    gate = asyncio.Event()
    gate.set()
    registry = ToolRegistry()

    @registry.tool
    async def card_on_file(card: str) -> dict[str, str]:
        """Finds the card the caller has on file.

        Args:
            card: the card number the caller said.
        """
        await gate.wait()
        return {"on_file": card, "holder": "Ada"}

    clock = ManualClock(100.0)
    recorder = CallRecorder(writer.submit)
    emitter = Emitter()
    kept: list[FunctionCallResultFrame] = []
    stages = before_point if before_point is not None else [RedactTools()]
    pipeline = Pipeline(
        [
            emitter,
            recorder.record_point(),  # the caller's words: a result going up passes it
            ModelSide(kept),
            ToolRunner(registry),
            *stages,
            recorder.record_point(),  # the bot's words and the tools' results
            FrameProcessor(),
        ]
    )
    task = PipelineTask(
        pipeline, params=PipelineParams(idle_timeout=None), observers=[recorder], clock=clock
    )
    runner = asyncio.ensure_future(task.run())
    try:
        await asyncio.wait_for(task.wait_started(), 5)
        yield ToolCall(emitter, recorder, task, clock, gate, kept)
        if not task.has_finished():
            await task.stop_when_done()
        await asyncio.wait_for(runner, 10)
    finally:
        if not runner.done():
            runner.cancel()
            await asyncio.wait([runner])
    assert live_framekit_tasks() == []


async def _stored(url: str, writer: RecordWriter, call_id: str) -> tuple[CallDetails, str]:
    """The call read back, and every value of every table as one text."""
    assert await asyncio.to_thread(writer.flush, 10)
    writer.close()
    engine = make_engine(url)
    try:
        details = get_call(engine, call_id)
        everything: list[str] = []
        with engine.connect() as connection:
            for table in inspect(engine).get_table_names():
                rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
                everything.extend(str(tuple(row)) for row in rows)
    finally:
        engine.dispose()
    assert details is not None
    return details, "\n".join(everything)


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_stage_before_the_point_decides_the_stored_tool_words(
    database_url: str, spool_dir: Path
) -> None:
    writer = RecordWriter(database_url, spool_dir=spool_dir).start()
    async with tool_call(writer) as call:
        call.gate.clear()
        await call.request("t1")
        await _settle()
        await call.clock.advance(0.25)
        call.gate.set()
        await _settle()
    details, stored = await _stored(database_url, writer, call.recorder.call_id)
    [tool] = details.tools  # one record, though the result went both ways past two points
    assert (tool.name, tool.tool_call_id, tool.error) == ("card_on_file", "t1", None)
    assert tool.arguments == {"card": "#### #### #### ####"}
    assert tool.result == {"on_file": "#### #### #### ####", "holder": "Ada"}
    assert tool.started_at is not None
    assert tool.ended_at is not None
    assert (tool.ended_at - tool.started_at).total_seconds() >= 0.25
    assert details.call.outcome == "resolved"
    assert "1111" not in stored
    # The model still got what the tool returned: redaction is for what is stored.
    assert [frame.result["on_file"] for frame in call.seen_by_model] == [CARD]


async def test_without_a_redaction_stage_the_words_are_stored_as_the_tool_gave_them(
    database_url: str, spool_dir: Path
) -> None:
    """The same pipeline without the stage: proves the test above can fail."""
    writer = RecordWriter(database_url, spool_dir=spool_dir).start()
    async with tool_call(writer, before_point=[]) as call:
        await call.request("t1")
        await _settle()
    details, stored = await _stored(database_url, writer, call.recorder.call_id)
    [tool] = details.tools
    assert tool.arguments == {"card": CARD}
    assert CARD in stored


async def test_an_interruption_keeps_a_running_tool_and_stores_its_result_once(
    database_url: str, spool_dir: Path
) -> None:
    writer = RecordWriter(database_url, spool_dir=spool_dir).start()
    async with tool_call(writer) as call:
        call.gate.clear()
        await call.request("t1")  # starts, then waits inside the tool
        await _settle()
        await call.task.queue_frame(InterruptionFrame())
        await _settle()
        call.gate.set()  # finishes after the barge-in: its result is kept
        await _settle()
    details, stored = await _stored(database_url, writer, call.recorder.call_id)
    [tool] = details.tools
    assert (tool.tool_call_id, tool.error) == ("t1", None)
    assert tool.arguments == {"card": "#### #### #### ####"}
    assert "1111" not in stored


async def test_a_request_of_an_interrupted_response_is_stored_as_cancelled_once(
    database_url: str, spool_dir: Path
) -> None:
    """The runner cancels it on arrival and reports it both ways: stored once, no words."""
    writer = RecordWriter(database_url, spool_dir=spool_dir).start()
    async with tool_call(writer) as call:
        await call.emitter.push_frame(LLMResponseStartFrame(response_id="r1"))
        await _settle()
        await call.task.queue_frame(InterruptionFrame())
        await _settle()
        await call.request("t2", response_id="r1")  # the model flushed it late
        await _settle()
    details, stored = await _stored(database_url, writer, call.recorder.call_id)
    [tool] = details.tools
    assert (tool.tool_call_id, tool.error, tool.arguments) == (
        "t2",
        "cancelled before it ran",
        {},
    )
    assert "1111" not in stored


async def test_a_cancellation_is_stored_where_it_passes_the_point(
    database_url: str, spool_dir: Path
) -> None:
    writer = RecordWriter(database_url, spool_dir=spool_dir).start()
    async with tool_call(writer) as call:
        await call.emitter.push_frame(
            FunctionCallCancelledFrame(call_id="t9", function_name="card_on_file")
        )
        await call.emitter.push_frame(
            FunctionCallCancelledFrame(call_id="t9", function_name="card_on_file"),
            FrameDirection.UPSTREAM,
        )
    details, _ = await _stored(database_url, writer, call.recorder.call_id)
    [tool] = details.tools
    assert (tool.name, tool.tool_call_id, tool.error) == (
        "card_on_file",
        "t9",
        "cancelled before it ran",
    )


async def test_a_result_cut_off_by_a_hang_up_is_kept_without_its_words(
    database_url: str, spool_dir: Path
) -> None:
    """The result waits behind a sentence when the caller hangs up: never reaches the point."""
    writer = RecordWriter(database_url, spool_dir=spool_dir).start()
    tts = HeldTTS()
    async with tool_call(writer, before_point=[tts]) as call:
        await call.emitter.push_frame(TextFrame(text="One moment."))
        await asyncio.wait_for(tts.busy.wait(), 5)
        await call.request("t1")
        await _settle()
        assert tts.queued == 1  # the result, behind the sentence
        await call.task.cancel("caller hung up", EndCause.CALLER_HUNG_UP)
    details, stored = await _stored(database_url, writer, call.recorder.call_id)
    [tool] = details.tools
    assert (tool.name, tool.tool_call_id, tool.error) == ("card_on_file", "t1", NOT_CARRIED)
    assert (tool.arguments, tool.result) == ({}, None)
    assert tool.started_at is not None
    assert tool.ended_at is not None
    assert "1111" not in stored  # no redaction stage here, and still never stored
    assert details.call.outcome == "resolved"  # the tool answered, wherever its result was
