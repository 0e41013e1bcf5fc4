"""Each rule of ``framekit.interruptions``, pinned through a real pipeline task.

The barge-in is detected the way a call detects it (a processor pushes an
``InterruptionRequestFrame`` upstream, the task decides and sends the interruption
from the top), not by queueing an ``InterruptionFrame`` by hand, except where a test
is about what a processor does once the interruption reaches it.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncGenerator, Callable

import pytest

from framekit.conversation.context import LLMContext
from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    DTMFFrame,
    Frame,
    FunctionCallCancelledFrame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    GenerationHangUpFrame,
    GenerationTransferCallFrame,
    HangUpFrame,
    InterruptionFrame,
    InterruptionRequestFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    PlayedUpToFrame,
    SentencePlayedFrame,
    TranscriptionFrame,
    TransferCallFrame,
    TTSAudioFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.interruptions import (
    DETECTORS,
    GENERATED_CALL_CONTROL,
    OUTPUT_ON_INTERRUPTION,
    TOOL_CALL_RULES,
    PlaybackStep,
    ToolCallStage,
    may_rerun_llm,
    should_interrupt,
    survives_interruption,
)
from framekit.llm.events import LLMEvent, LLMService, TextDelta, ToolCallEvent
from framekit.pipeline import PipelineParams
from framekit.processors import FrameDirection, FrameProcessor
from framekit.processors.dtmf import DTMFAggregator
from framekit.processors.llm import LLMProcessor
from framekit.processors.llm.aggregators import create_context_aggregators
from framekit.tasks import live_framekit_tasks
from framekit.testing import LiveCall
from framekit.tools import ToolContext, ToolRegistry, ToolRunner
from framekit.transports import OutputTransport

from .helpers import Gate, Recorder

UPSTREAM = FrameDirection.UPSTREAM


class Detects(FrameProcessor):
    """Asks for an interruption when the caller starts to speak, as the VAD does.

    ``times`` requests per start: 2 stands for one barge-in heard by two detectors.
    """

    def __init__(self, times: int = 1) -> None:
        super().__init__()
        self.times = times

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        if isinstance(frame, UserStartedSpeakingFrame):
            for _ in range(self.times):
                await self.push_frame(InterruptionRequestFrame(), UPSTREAM)


class Holds(FrameProcessor):
    """A plain processor that holds whoever pushes it an ``LLMTextFrame`` (a slow output)."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, LLMTextFrame):
            self.entered.set()
            await asyncio.Event().wait()  # until an interruption cancels the pusher
        await self.push_frame(frame, direction)


class Interruptions(Recorder):
    """Counts the interruptions that pass it."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        self.count += 1


class Scripted(LLMService):
    """An LLM that gives one scripted answer per run and remembers each context's size.

    The size counts the run's own assistant turn, opened as its response started.
    """

    def __init__(self, *answers: list[LLMEvent]) -> None:
        super().__init__(model="scripted")
        self.answers = list(answers)
        self.runs: list[int] = []

    async def stream(self, context: LLMContext) -> AsyncGenerator[LLMEvent, None]:
        self.runs.append(len(context.turns))
        for event in self.answers.pop(0):
            yield event


def _is(frame_type: type[Frame]) -> Callable[[Frame], bool]:
    return lambda frame: isinstance(frame, frame_type)


# --- detection ------------------------------------------------------------------------------


def test_every_detector_names_a_real_processor() -> None:
    for detector in DETECTORS:
        module, _, name = detector.processor.rpartition(".")
        assert isinstance(getattr(importlib.import_module(module), name), type)


@pytest.mark.parametrize("interrupt", [True, False])
async def test_the_first_key_of_an_entry_interrupts_the_bot(interrupt: bool) -> None:
    (keypad,) = [d for d in DETECTORS if d.trigger is DTMFFrame]
    output = Interruptions()
    async with LiveCall([DTMFAggregator(interrupt=interrupt), output]) as call:
        await call.send(DTMFFrame(digit="4"), DTMFFrame(digit="2"))
        await call.wait_until(lambda: len(output.seen) >= 2)
        await call.end()  # behind the interruption, if one was asked for
    requests = call.upstream_of(InterruptionRequestFrame)
    if interrupt:
        assert [r.reason for r in requests] == [keypad.reason]  # the first key only
        assert output.count == 1
    else:
        assert requests == []
        assert output.count == 0


# --- decision -------------------------------------------------------------------------------


async def test_one_barge_in_heard_twice_is_one_interruption() -> None:
    assert should_interrupt(allow_interruptions=True, pending=False)
    assert not should_interrupt(allow_interruptions=True, pending=True)
    assert not should_interrupt(allow_interruptions=False, pending=False)
    below = Interruptions()
    async with LiveCall([Detects(times=2), below]) as call:
        await call.send(UserStartedSpeakingFrame())
        await call.wait_for(_is(InterruptionFrame))
        assert len(call.upstream_of(InterruptionRequestFrame)) == 2
        # The first one has left the task's queue: a new barge-in is a new interruption.
        await call.send(UserStartedSpeakingFrame())
        await call.wait_for(_is(InterruptionFrame), count=2)
    assert below.count == 2
    assert len(call.downstream_of(InterruptionFrame)) == 2


async def test_with_interruptions_off_a_request_drops_nothing() -> None:
    gate = Gate()
    params = PipelineParams(idle_timeout=None, allow_interruptions=False)
    async with LiveCall([Detects(), gate], params=params) as call:
        await call.send(LLMTextFrame(text="Your refund"), LLMTextFrame(text="is on its way."))
        await gate.entered.wait()
        await call.send(UserStartedSpeakingFrame())
        await call.wait_for(_is(UserStartedSpeakingFrame))
        gate.opened.set()
        await call.wait_for(_is(LLMTextFrame), count=2)
    assert call.downstream_of(InterruptionFrame) == []


# --- what survives --------------------------------------------------------------------------


async def test_a_barge_in_keeps_what_the_conversation_needs_and_drops_the_bot_output() -> None:
    gate = Gate()
    queued: list[Frame] = [
        LLMResponseStartFrame(response_id="r1"),  # in progress when the caller speaks
        LLMTextFrame(text="Goodbye!", response_id="r1"),
        TTSAudioFrame(audio=bytes(640)),
        TranscriptionFrame(text="no wait"),
        FunctionCallRequestedFrame(call_id="c2", function_name="refund"),
        FunctionCallResultFrame(call_id="c1", result="shipped"),
        GenerationHangUpFrame(reason="the model said goodbye"),
        GenerationTransferCallFrame(target="+3225550000"),
        HangUpFrame(reason="the application ends the call"),
        TransferCallFrame(target="+3225550001"),
    ]
    async with LiveCall([Detects(), gate]) as call:
        await call.send(*queued)
        await gate.entered.wait()
        await call.send(UserStartedSpeakingFrame())
        await call.wait_for(_is(InterruptionFrame))
        gate.opened.set()
        await call.end()
    kept = [frame for frame in queued if survives_interruption(frame)]
    assert gate.handled == kept
    assert [type(frame) for frame in kept] == [
        TranscriptionFrame,
        FunctionCallResultFrame,
        HangUpFrame,
        TransferCallFrame,
    ]
    assert all(issubclass(t, HangUpFrame | TransferCallFrame) for t in GENERATED_CALL_CONTROL)


# --- tool calls and the next run of the LLM ---------------------------------------------------


async def test_a_barge_in_during_a_tool_call_keeps_its_result_drops_the_text_and_no_rerun() -> None:
    assert not may_rerun_llm(interrupted=True, answered=True)
    assert may_rerun_llm(interrupted=False, answered=True)
    assert not may_rerun_llm(interrupted=False, answered=False)
    started, release = asyncio.Event(), asyncio.Event()
    tools = ToolRegistry()

    @tools.tool
    async def cancel_order(order_id: str) -> str:
        """Cancel an order.

        Args:
            order_id: The order number.
        """
        started.set()
        await release.wait()
        return f"{order_id} cancelled"

    service = Scripted(
        [
            TextDelta("Cancelling it now."),
            ToolCallEvent("call_c", "cancel_order", {"order_id": "A17"}),
        ],
        [TextDelta("Yes?")],
    )
    context = LLMContext(tools=tools.schemas())
    aggregators = create_context_aggregators(context, aggregation_timeout=0)
    output = Gate()  # the bot's audio output, slow: the text waits in its queue
    llm = LLMProcessor(service)
    runner = ToolRunner(tools)
    async with LiveCall(
        [Detects(), aggregators.user, llm, aggregators.assistant, runner, output]
    ) as call:
        await call.send(TranscriptionFrame(text="Cancel A17."))
        await asyncio.wait_for(started.wait(), 5)
        await output.entered.wait()
        await call.send(UserStartedSpeakingFrame())  # the caller talks while the tool runs
        await call.wait_for(_is(InterruptionFrame))
        release.set()
        await call.wait_for(_is(FunctionCallResultFrame))  # the upstream copy, to the context
        assert service.runs == [2]  # RUNNING: finished and kept, but no rerun
        record = context.tool_call("call_c")
        assert record is not None
        assert record.result == "A17 cancelled"
        output.opened.set()
        await call.send(UserStoppedSpeakingFrame(), TranscriptionFrame(text="Hello?"))
        await call.wait_for(_is(LLMResponseEndFrame))
        await call.end()
    assert service.runs == [2, 4]  # the caller's next turn runs it, result included
    said = [f.text for f in output.handled if isinstance(f, LLMTextFrame)]
    assert said == ["Yes?"]  # "Cancelling it now." was dropped unsaid
    assert TOOL_CALL_RULES[ToolCallStage.RUNNING].result_kept
    assert live_framekit_tasks() == []


async def test_a_queued_tool_call_never_runs_and_its_late_copy_is_cancelled() -> None:
    assert not TOOL_CALL_RULES[ToolCallStage.QUEUED].runs
    assert not TOOL_CALL_RULES[ToolCallStage.LATE].runs
    ran: list[str] = []
    tools = ToolRegistry()

    @tools.tool
    async def refund(context: ToolContext) -> str:
        """Refund the order."""
        ran.append(context.call_id)
        return "refunded"

    holds = Holds()
    async with LiveCall([Detects(), ToolRunner(tools), holds]) as call:
        await call.send(
            LLMResponseStartFrame(response_id="r1"),
            LLMTextFrame(text="Refunding both.", response_id="r1"),
            FunctionCallRequestedFrame(call_id="c1", function_name="refund", response_id="r1"),
        )
        await holds.entered.wait()  # the runner's worker is held: c1 waits in its queue
        await call.send(UserStartedSpeakingFrame())
        await call.wait_for(_is(FunctionCallCancelledFrame), count=2)  # QUEUED: both ways
        late = FunctionCallRequestedFrame(call_id="c2", function_name="refund", response_id="r1")
        await call.send(late)  # LATE: flushed after the barge-in by the discarded response
        await call.wait_for(_is(FunctionCallCancelledFrame), count=4)
        await call.end()
    assert ran == []
    assert [f.call_id for f in call.downstream_of(FunctionCallCancelledFrame)] == ["c1", "c2"]
    assert call.downstream_of(FunctionCallResultFrame) == []


async def test_an_end_call_from_an_interrupted_generation_is_not_carried_out() -> None:
    assert not TOOL_CALL_RULES[ToolCallStage.RUNNING].actions_carried_out
    assert not TOOL_CALL_RULES[ToolCallStage.RUNNING].may_push
    entered, release = asyncio.Event(), asyncio.Event()
    pushed: list[bool] = []
    tools = ToolRegistry()

    @tools.tool
    async def end_call(context: ToolContext) -> str:
        """End the call."""
        entered.set()
        await release.wait()
        pushed.append(await context.push_frame(LLMTextFrame(text="one moment")))
        context.end_call()
        return "bye"

    async with LiveCall([Detects(), ToolRunner(tools)]) as call:
        await call.send(
            LLMResponseStartFrame(response_id="r1"),
            FunctionCallRequestedFrame(call_id="c1", function_name="end_call", response_id="r1"),
            LLMResponseEndFrame(response_id="r1"),
        )
        await asyncio.wait_for(entered.wait(), 5)
        await call.send(UserStartedSpeakingFrame())
        await call.wait_for(_is(InterruptionFrame))
        release.set()
        await call.wait_for(_is(FunctionCallResultFrame), count=2)
        await call.end()
    assert pushed == [False]
    assert call.downstream_of(HangUpFrame) == []
    (result,) = call.downstream_of(FunctionCallResultFrame)
    assert result.result == "bye"  # kept: the model hears what the tool did
    assert result.error is not None
    assert "not carried out" in result.error
    assert call.downstream_of(FunctionCallCancelledFrame) == []


# --- the output transport -------------------------------------------------------------------


class Line(OutputTransport):
    """An output transport that logs what it writes and when it clears the far end."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[object] = []
        self.writes: list[bytes] = []

    async def write_audio(self, chunk: bytes) -> None:
        self.writes.append(chunk)

    async def clear_output(self) -> None:
        self.events.append(PlaybackStep.CLEAR_FAR_END)


async def test_the_output_transport_stops_the_line_in_the_rulebook_order() -> None:
    line = Line()
    async with LiveCall([Detects(), line]) as call:
        call.task.on_upstream_exit(
            lambda f: (
                line.events.append(type(f))
                if isinstance(f, SentencePlayedFrame | PlayedUpToFrame | BotStoppedSpeakingFrame)
                else None
            )
        )
        # 0.5 s of audio, in frames of 30 ms: each leaves 10 ms held back for the next chunk.
        sentence = "Your refund of forty euros is on its way to your card."
        await call.send(
            TTSStartedFrame(text=sentence, response_id="r1"),
            *(TTSAudioFrame(audio=bytes(960)) for _ in range(17)),
            TTSStoppedFrame(),
        )
        for _ in range(9):
            await call.advance(0.01)  # the caller has heard 90 ms
        await call.wait_for(_is(BotStartedSpeakingFrame))
        await call.send(UserStartedSpeakingFrame())
        await call.wait_for(_is(BotStoppedSpeakingFrame))
        written = len(line.writes)
        for _ in range(20):
            await call.advance(0.01)
        assert len(line.writes) == written  # stopped: nothing written after the barge-in
        # FORGET_HELD_AUDIO: the next utterance starts with its own audio, nothing older.
        fresh = bytes([1]) * 640
        await call.send(TTSAudioFrame(audio=fresh))
        await call.wait_for(_is(BotStartedSpeakingFrame), count=4)  # down and up, twice
        await call.wait_until(lambda: len(line.writes) > written)
        await call.cancel()
    assert line.writes[written] == fresh
    observed = {
        PlaybackStep.CLEAR_FAR_END: PlaybackStep.CLEAR_FAR_END,
        PlaybackStep.REPORT_SENTENCES: SentencePlayedFrame,
        PlaybackStep.REPORT_STOPPED: PlayedUpToFrame,
    }
    expected = [observed[step] for step in OUTPUT_ON_INTERRUPTION if step in observed]
    assert line.events[:4] == [*expected, BotStoppedSpeakingFrame]
    (cut,) = call.upstream_of(SentencePlayedFrame)
    assert not cut.complete
    assert cut.heard
    assert sentence.startswith(cut.heard)
    assert len(cut.heard) < len(sentence)
    (heard, *_) = call.upstream_of(PlayedUpToFrame)
    assert heard.played_seconds == pytest.approx(0.09, abs=0.011)  # MEASURE_HEARD: not 0.5 s


# --- a generated hang-up ----------------------------------------------------------------------


async def test_a_generated_hang_up_is_dropped_by_a_barge_in_and_an_application_one_is_not() -> None:
    gate = Gate()
    async with LiveCall([Detects(), gate]) as call:
        await call.send(LLMTextFrame(text="Goodbye!"), GenerationHangUpFrame(reason="bye"))
        await gate.entered.wait()
        await call.send(UserStartedSpeakingFrame())
        await call.wait_for(_is(InterruptionFrame))
        await call.send(LLMTextFrame(text="Goodbye for real."), HangUpFrame(reason="app"))
        await call.send(UserStartedSpeakingFrame())
        await call.wait_for(_is(InterruptionFrame), count=2)
        gate.opened.set()
        await call.wait_for(_is(HangUpFrame))
        await call.end()
    assert [type(f) for f in gate.handled] == [HangUpFrame]
    assert [f.reason for f in call.downstream_of(HangUpFrame)] == ["app"]
