"""The three interruption rules of function calling (Pipecat #4997, #5779, #3548).

(a) a request that had not started when the caller interrupted never runs, and is
    reported cancelled; (b) a tool that had started finishes and its result is kept;
(c) an end-call from a discarded generation never hangs up a live caller.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from framekit.frames import (
    Frame,
    FunctionCallCancelledFrame,
    FunctionCallResultFrame,
    GenerationHangUpFrame,
    GenerationTransferCallFrame,
    HangUpFrame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    TransferCallFrame,
    TTSAudioFrame,
    TTSSpeakFrame,
)
from framekit.interruptions import drop_interruptible
from framekit.tasks import live_framekit_tasks
from framekit.testing import LiveCall
from framekit.tools import ToolContext, ToolRegistry, ToolRunner
from tools.helpers import Blocker, request, response, text


def _is(frame_type: type[Frame], call_id: str | None = None) -> Callable[[Frame], bool]:
    def match(frame: Frame) -> bool:
        return isinstance(frame, frame_type) and (
            call_id is None or getattr(frame, "call_id", None) == call_id
        )

    return match


def _texts(frames: list[Frame]) -> list[str]:
    return [f.text for f in frames if isinstance(f, LLMTextFrame)]


async def test_unstarted_request_is_dropped_and_a_started_one_finishes() -> None:
    tools = ToolRegistry()
    ran: list[str] = []
    c1_entered = asyncio.Event()
    c1_release = asyncio.Event()

    @tools.tool
    async def lookup(order: str, context: ToolContext) -> str:
        ran.append(context.call_id)
        if context.call_id == "c1":
            c1_entered.set()
            await c1_release.wait()
        return f"order {order} shipped"

    runner = ToolRunner(tools)
    blocker = Blocker(hold="Let me check both orders.")
    call = LiveCall([runner, blocker])
    # Queued before the start, the task feeds these in one go: the worker starts c1,
    # then is held by the slow output on the text, with c2 and the end queued behind.
    await call.send(
        *response(
            "r1",
            request("c1", "lookup", order="A"),
            text("Let me check both orders."),
            request("c2", "lookup", order="B"),
        )
    )
    await call.start()
    await blocker.entered.wait()
    await c1_entered.wait()
    assert runner.queued == 2
    assert runner.running == 1

    await call.send(InterruptionFrame())
    await call.wait_for(_is(InterruptionFrame))
    # (a) c2 never started: reported cancelled both ways, while c1 still runs.
    assert [f.call_id for f in call.upstream_of(FunctionCallCancelledFrame)] == ["c2"]
    assert [f.call_id for f in call.downstream_of(FunctionCallCancelledFrame)] == ["c2"]
    assert runner.running == 1

    # (b) c1 had started: the interruption did not cancel it, and its result is kept.
    c1_release.set()
    await call.wait_for(_is(FunctionCallResultFrame, "c1"))
    await call.send(*response("r2", text("Anything else?", "r2")))
    await call.end()
    assert ran == ["c1"]
    for results in (
        call.upstream_of(FunctionCallResultFrame),
        call.downstream_of(FunctionCallResultFrame),
    ):
        assert [(f.call_id, f.result, f.error) for f in results] == [
            ("c1", "order A shipped", None)
        ]
    assert _texts(call.downstream) == ["Anything else?"]
    assert live_framekit_tasks() == []


async def test_end_call_from_an_interrupted_generation_never_hangs_up_a_live_caller() -> None:
    """Pipecat #4997, step by step.

    1. The caller pauses mid-thought; a generation starts on the fragment.
    2. The model reads it as a sign-off and asks for ``end_call``.
    3. The caller keeps talking: interruption; the generation's speech is dropped.
    4. The end-call from that generation must not run, and the call must go on.
    """
    tools = ToolRegistry()
    hang_ups: list[str] = []

    @tools.tool
    def end_call(context: ToolContext) -> str:
        """End the call after saying goodbye."""
        hang_ups.append(context.call_id)
        context.end_call("caller said goodbye")
        return "call ended"

    runner = ToolRunner(tools)
    output = Blocker(hold="Thank you for that, goodbye!")
    call = LiveCall([runner, output])
    await call.send(
        *response("r1", text("Thank you for that, goodbye!"), request("c1", "end_call"))
    )
    await call.start()
    await output.entered.wait()
    assert runner.queued == 2  # the end_call request and the response end

    await call.send(InterruptionFrame())  # the caller keeps talking
    await call.wait_for(_is(InterruptionFrame))
    await call.send(*response("r2", text("Sorry, go on: I'm listening.", "r2")))
    await call.wait_for(_is(LLMResponseEndFrame))
    await call.end()

    assert hang_ups == [], "the end-call tool never ran"
    assert not [f for f in call.downstream if isinstance(f, HangUpFrame)]
    assert [f.call_id for f in call.upstream_of(FunctionCallCancelledFrame)] == ["c1"]
    assert call.upstream_of(FunctionCallResultFrame) == []
    assert _texts(call.downstream) == ["Sorry, go on: I'm listening."]
    assert call.task.end_reason == "completed"


async def test_a_late_request_from_an_interrupted_response_is_cancelled_on_arrival() -> None:
    tools = ToolRegistry()
    ran: list[str] = []

    @tools.tool
    def end_call(context: ToolContext) -> None:
        ran.append(context.call_id)
        context.end_call()

    call = LiveCall([ToolRunner(tools)])
    await call.start()
    await call.send(*response("r1", text("Thanks"))[:2])  # the response has started
    await call.wait_for(_is(LLMTextFrame))
    await call.send(InterruptionFrame())
    await call.wait_for(_is(InterruptionFrame))
    # An LLM that flushes the interrupted response's tool call after the interruption:
    await call.send(request("c1", "end_call", "r1"), LLMResponseEndFrame(response_id="r1"))
    await call.wait_for(_is(FunctionCallCancelledFrame, "c1"))
    # The next response's call runs normally.
    await call.send(*response("r2", text("Goodbye!", "r2"), request("c2", "end_call", "r2")))
    await call.end()
    assert ran == ["c2"]
    assert [f.call_id for f in call.upstream_of(FunctionCallCancelledFrame)] == ["c1"]
    assert [f.call_id for f in call.upstream_of(FunctionCallResultFrame)] == ["c2"]
    assert len([f for f in call.downstream if isinstance(f, HangUpFrame)]) == 1


async def test_a_running_end_call_interrupted_keeps_its_result_but_does_not_hang_up() -> None:
    tools = ToolRegistry()
    entered = asyncio.Event()
    proceed = asyncio.Event()
    seen: list[bool] = []

    @tools.tool
    async def end_call(context: ToolContext) -> str:
        context.end_call()
        entered.set()
        await proceed.wait()
        seen.append(context.interrupted)
        seen.append(await context.push_frame(TTSSpeakFrame(text="Bye now.")))
        return "ending the call"

    call = LiveCall([ToolRunner(tools)])
    await call.start()
    await call.send(*response("r1", text("Goodbye!"), request("c1", "end_call")))
    await entered.wait()
    await call.send(InterruptionFrame())
    await call.wait_for(_is(InterruptionFrame))
    proceed.set()
    await call.wait_for(_is(FunctionCallResultFrame, "c1"))
    await call.end()

    assert seen == [True, False], "the tool sees the interruption; its pushes are refused"
    [result] = call.upstream_of(FunctionCallResultFrame)
    assert result.result == "ending the call"
    assert result.error is not None
    assert "not carried out (GenerationHangUpFrame)" in result.error
    assert not [f for f in call.downstream if isinstance(f, HangUpFrame | TTSSpeakFrame)]
    assert call.upstream_of(FunctionCallCancelledFrame) == []


async def test_an_end_call_hangs_up_after_the_goodbye_of_its_response() -> None:
    tools = ToolRegistry()
    done = asyncio.Event()

    @tools.tool
    async def end_call(context: ToolContext) -> str:
        context.end_call("resolved")
        done.set()
        return "ok"

    runner = ToolRunner(tools)
    output = Blocker(hold="Goodbye!")
    call = LiveCall([runner, output])
    # The model asks for the tool before it says goodbye.
    await call.send(*response("r1", request("c1", "end_call"), text("Goodbye!")))
    await call.start()
    await output.entered.wait()
    await done.wait()
    await call.advance(0)  # let the finished tool deliver, if it (wrongly) would
    assert not [f for f in call.downstream if isinstance(f, HangUpFrame | FunctionCallResultFrame)]
    output.release.set()
    await call.wait_for(_is(HangUpFrame))
    await call.end()

    order = [
        type(f)
        for f in call.downstream
        if isinstance(f, LLMTextFrame | LLMResponseEndFrame | FunctionCallResultFrame | HangUpFrame)
    ]
    assert order == [
        LLMTextFrame,
        LLMResponseEndFrame,
        FunctionCallResultFrame,
        GenerationHangUpFrame,
    ]
    [hang_up] = [f for f in call.downstream if isinstance(f, HangUpFrame)]
    assert hang_up.reason == "resolved"
    assert [f.error for f in call.upstream_of(FunctionCallResultFrame)] == [None]


def test_a_generation_hang_up_goes_with_the_speech_in_front_of_it() -> None:
    """If the caller barges in while the goodbye is queued for playback, the hang-up
    the model asked for is dropped with it; an application's own hang-up is not."""
    queue: deque[tuple[Frame, None]] = deque(
        (frame, None)
        for frame in [
            TTSAudioFrame(audio=bytes(320)),
            GenerationHangUpFrame(),
            GenerationTransferCallFrame(target="+3225550000"),
            HangUpFrame(reason="operator"),
        ]
    )
    assert drop_interruptible(queue) == 3
    assert [type(frame) for frame, _ in queue] == [HangUpFrame]
    assert isinstance(GenerationHangUpFrame(), HangUpFrame)
    assert isinstance(GenerationTransferCallFrame(), TransferCallFrame)
