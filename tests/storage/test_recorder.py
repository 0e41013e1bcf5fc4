"""The recorder turns a call's frames into the right records, each once, without a database."""

from __future__ import annotations

import dataclasses
import re

import pytest

from framekit.audio.format import PCM16_16K
from framekit.clock import ManualClock
from framekit.frames import (
    EndCause,
    EndFrame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    InterruptionFrame,
    MetricsFrame,
    MetricValue,
    TranscriptionFrame,
    TransferCallFrame,
    TTSAudioFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor, on_frame
from framekit.storage import CallRecorder
from framekit.storage.records import (
    CallClosed,
    CallOpened,
    Record,
    SegmentRecord,
    ToolRecord,
    TurnRecord,
    record_to_json,
)
from framekit.testing import LiveCall

from ._call import UP, simulated_call


def of(records: list[Record], kind: type[Record]) -> list[Record]:
    return [r for r in records if isinstance(r, kind)]


def segments(records: list[Record]) -> list[SegmentRecord]:
    return [r for r in records if isinstance(r, SegmentRecord)]


async def test_a_call_records_both_sides_in_order_with_turn_latency() -> None:
    out: list[Record] = []
    async with simulated_call(out.append, caller="+15550100", dialled="+15550199") as call:
        await call.bot_says(["Hello, this is Acme.", "How can I help?"])
        await call.user_says("Where is my order?")
        await call.push(MetricsFrame(data=[MetricValue("ttfb", "llm", 0.12)]))
        await call.bot_says(["It ships today."])
    opened, closed = out[0], out[-1]
    assert isinstance(opened, CallOpened)
    assert opened.caller == "+15550100"
    assert isinstance(closed, CallClosed)
    assert (closed.outcome, closed.end_reason) == ("unresolved", "completed")
    assert opened.call_id == closed.call_id == call.recorder.call_id
    said = [(s.seq, s.speaker, s.text, s.heard, s.truncated) for s in segments(out)]
    assert said == [
        (1, "bot", "Hello, this is Acme. How can I help?", True, False),
        (2, "user", "Where is my order?", True, False),
        (3, "bot", "It ships today.", True, False),
    ]
    user = segments(out)[1]
    assert user.started_at is not None
    assert user.ended_at is not None
    assert (user.ended_at - user.started_at).total_seconds() == pytest.approx(0.5)
    turns = of(out, TurnRecord)
    assert len(turns) == 1
    turn = turns[0]
    assert isinstance(turn, TurnRecord)
    assert turn.turn_index == 1
    assert turn.latency_s == pytest.approx(0.2)
    assert turn.ttfb == {"llm": 0.12}


async def test_a_barge_in_keeps_only_what_the_caller_heard() -> None:
    out: list[Record] = []
    async with simulated_call(out.append) as call:
        await call.bot_says(
            ["Your order ships today.", "It will arrive on Monday morning.", "Anything else?"],
            heard=1.5,
        )
        await call.user_says("No thanks")
    bot, user = segments(out)
    assert bot.speaker == "bot"
    assert bot.truncated
    assert bot.heard
    # Half of the second sentence's audio: the whole words in its first half of characters.
    assert bot.text == "Your order ships today. It will arrive"
    assert bot.planned_text == (
        "Your order ships today. It will arrive on Monday morning. Anything else?"
    )
    assert (user.seq, user.text) == (2, "No thanks")


class _RacingTTS(FrameProcessor):
    """A TTS whose worker pushes one more chunk while the interruption passes it."""

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        audio = b"\x00" * PCM16_16K.bytes_per_frame * 1600  # 0.1 s
        await self.push_frame(TTSAudioFrame(audio=audio, format=PCM16_16K))


async def test_audio_racing_the_interruption_does_not_cut_before_the_line_reports() -> None:
    out: list[Record] = []
    async with simulated_call(out.append, before_line=[_RacingTTS()]) as call:
        await call.bot_says(["First sentence here.", "Second one."], heard=1.0)
        await call.user_says("Stop")
    bot = segments(out)[0]
    assert (bot.text, bot.truncated) == ("First sentence here.", True)


async def test_a_response_cut_before_any_audio_is_recorded_as_unheard() -> None:
    out: list[Record] = []
    async with simulated_call(out.append) as call:
        await call.bot_says(["You will never hear this."], heard=0.0)
        await call.user_says("Hello?")
    bot = segments(out)[0]
    assert (bot.text, bot.heard, bot.truncated) == ("", False, True)
    assert bot.planned_text == "You will never hear this."


async def test_tool_results_are_recorded_with_arguments_result_and_duration() -> None:
    out: list[Record] = []
    async with simulated_call(out.append) as call:
        requested = FunctionCallRequestedFrame(
            call_id="t1", function_name="order_status", arguments={"order": "A17"}
        )
        await call.push(requested)
        await call.wait(0.3)
        result = FunctionCallResultFrame(
            call_id="t1",
            function_name="order_status",
            arguments={"order": "A17"},
            result={"status": "shipped", "items": {"lamp"}},
        )
        await call.tool_ran(result)
        await call.push(TransferCallFrame(target="+15550123"))
        # Only the carrier's confirmation (call control ends the call so) makes it a transfer.
        await call.push(EndFrame(reason="transferred", cause=EndCause.TRANSFERRED), UP)
    tools = of(out, ToolRecord)
    assert len(tools) == 1
    tool = tools[0]
    assert isinstance(tool, ToolRecord)
    assert (tool.seq, tool.name, tool.tool_call_id) == (1, "order_status", "t1")
    assert tool.arguments == {"order": "A17"}
    assert tool.result == {"status": "shipped", "items": "{'lamp'}"}
    assert tool.started_at is not None
    assert tool.ended_at is not None
    assert (tool.ended_at - tool.started_at).total_seconds() == pytest.approx(0.3)
    closed = out[-1]
    assert isinstance(closed, CallClosed)
    assert closed.outcome == "transferred"


async def test_each_frame_is_recorded_once_however_many_hops_it_makes() -> None:
    out: list[Record] = []
    async with simulated_call(out.append, hops=4) as call:
        await call.user_says("One question")
        await call.bot_says(["One answer."])
    assert [s.text for s in segments(out)] == ["One question", "One answer."]
    assert len(of(out, TurnRecord)) == 1


async def test_a_cancelled_call_keeps_what_was_heard_and_says_so() -> None:
    out: list[Record] = []
    async with simulated_call(out.append) as call:
        await call.user_says("Hi")
        await call.task.cancel("caller hung up", EndCause.CALLER_HUNG_UP)
    closed = out[-1]
    assert isinstance(closed, CallClosed)
    assert (closed.outcome, closed.end_reason) == ("unresolved", "caller_hung_up")
    assert [s.text for s in segments(out)] == ["Hi"]


async def test_a_recording_added_after_the_call_ended_is_saved_again() -> None:
    """An upload finishes after the call: its location is written with the same close."""
    out: list[Record] = []
    async with simulated_call(out.append) as call:
        call.recorder.add_recording("caller", "/rec/c.caller.wav")
        await call.user_says("Hello")
    [closed] = of(out, CallClosed)
    assert isinstance(closed, CallClosed)
    assert closed.recordings == {"caller": "/rec/c.caller.wav"}
    call.recorder.add_recording("caller.remote", "s3://calls/c.caller.wav")
    _, again = of(out, CallClosed)
    assert isinstance(again, CallClosed)
    assert (again.ended_at, again.outcome, again.end_reason) == (
        closed.ended_at,
        closed.outcome,
        closed.end_reason,
    )
    assert again.recordings == {
        "caller": "/rec/c.caller.wav",
        "caller.remote": "s3://calls/c.caller.wav",
    }


class _Redact(FrameProcessor):
    """A redaction stage before the record point: card numbers never go further."""

    @on_frame(TranscriptionFrame)
    async def _mask(self, frame: TranscriptionFrame, direction: FrameDirection) -> None:
        masked = re.sub(r"\d{4}", "####", frame.text)
        await self.push_frame(dataclasses.replace(frame, text=masked), direction)


async def test_a_stage_before_the_record_point_decides_what_is_stored() -> None:
    out: list[Record] = []
    async with simulated_call(out.append, hops=3, before_line=[_Redact()]) as call:
        await call.user_says("My card is 4111 1111 1111 1111")
        await call.bot_says(["Thanks."])
    said = [(s.speaker, s.text) for s in segments(out)]
    assert said == [("user", "My card is #### #### #### ####"), ("bot", "Thanks.")]
    stored = "\n".join(record_to_json(record) for record in out)
    assert "4111" not in stored
    assert "1111" not in stored


async def test_without_its_record_point_in_the_pipeline_nothing_is_recorded() -> None:
    out: list[Record] = []
    recorder = CallRecorder(out.append)
    task = PipelineTask(
        Pipeline([FrameProcessor()]),
        params=PipelineParams(idle_timeout=None),
        observers=[recorder],
        clock=ManualClock(),
    )
    async with LiveCall(task) as call:
        await call.send(TranscriptionFrame(text="Hello"))
        await call.end()
    assert out == []
