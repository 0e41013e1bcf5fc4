"""The offline engine's tools get the ToolContext the LLM path gives: push frames, end the call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from framekit.frames import (
    Frame,
    FunctionCallResultFrame,
    GenerationHangUpFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
)
from framekit.intents import IntentClassifier, IntentEngine, registry_caller
from framekit.intents.processor import IntentEngineProcessor
from framekit.processors.base import FrameDirection
from framekit.testing import run_processor
from framekit.tools import ToolContext, ToolRegistry

NOW = dt.datetime(2026, 11, 25, 15, 0)


def _maker(made: list[ToolContext], pushed: list[Frame]) -> Any:
    async def push(frame: Frame, direction: FrameDirection) -> None:
        pushed.append(frame)

    def make(name: str, arguments: dict[str, Any]) -> ToolContext:
        context = ToolContext.bound(
            f"turn-{len(made)}", name, arguments, push=push, interrupted=lambda: False
        )
        made.append(context)
        return context

    return make


async def test_a_callback_that_takes_a_context_gets_the_turns(
    classifier: IntentClassifier,
) -> None:
    received: list[ToolContext | None] = []

    async def tools(
        name: str, arguments: dict[str, Any], *, context: ToolContext | None = None
    ) -> dict[str, Any]:
        received.append(context)
        if context is not None:
            await context.push_frame(TTSSpeakFrame("One moment."))
        return {"status": "shipped"}

    engine = IntentEngine(tools, classifier=classifier, clock=lambda: NOW)
    made: list[ToolContext] = []
    pushed: list[Frame] = []
    reply = await engine.respond(
        engine.new_state(), "where is order 4271", tool_contexts=_maker(made, pushed)
    )
    assert [c.function_name for c in made] == ["order_status"]
    assert made[0].arguments == {"order_number": "4271"}
    assert received == made  # the very context the maker made, not a copy
    assert reply.tool_calls[0].context is made[0]
    assert [type(f) for f in pushed] == [TTSSpeakFrame]
    # Outside a pipeline (no maker) the same callback gets None, and is still called.
    await engine.respond(engine.new_state(), "where is order 4271")
    assert received[-1] is None
    assert len(received) == 2


async def test_a_bare_callback_is_called_as_before_when_a_maker_is_given(
    classifier: IntentClassifier,
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def tools(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        calls.append((name, arguments))
        return {"status": "shipped"}

    engine = IntentEngine(tools, classifier=classifier, clock=lambda: NOW)
    made: list[ToolContext] = []
    reply = await engine.respond(
        engine.new_state(), "where is order 4271", tool_contexts=_maker(made, [])
    )
    assert calls == [("order_status", {"order_number": "4271"})]
    assert made == []  # no context made for a callback that cannot take one
    assert reply.text.startswith("Order 4 2 7 1 is shipped.")


def _registry(seen: list[ToolContext]) -> ToolRegistry:
    registry = ToolRegistry()

    @registry.tool
    async def end_call(context: ToolContext) -> dict[str, Any]:
        """Hang up."""
        seen.append(context)
        await context.push_frame(TTSSpeakFrame("noted"), FrameDirection.UPSTREAM)
        context.end_call("the tool says so")
        return {"ended": True}

    return registry


async def test_in_a_pipeline_a_tool_pushes_frames_and_its_hang_up_follows_the_reply(
    classifier: IntentClassifier,
) -> None:
    seen: list[ToolContext] = []
    engine = IntentEngine(registry_caller(_registry(seen)), classifier=classifier)
    capture = await run_processor(
        IntentEngineProcessor(engine), [TranscriptionFrame(text="that's all, thanks, bye")]
    )
    [context] = seen
    assert context.function_name == "end_call"
    assert [f.text for f in capture.upstream_of(TTSSpeakFrame)] == ["noted"]
    [result] = capture.downstream_of(FunctionCallResultFrame)
    assert result.call_id == context.call_id
    assert result.result == {"ended": True}
    order = [f for f in capture.downstream if isinstance(f, LLMTextFrame | GenerationHangUpFrame)]
    # the tool's own hang-up, once (not the processor's as well), after the goodbye
    assert [type(f) for f in order] == [LLMTextFrame, GenerationHangUpFrame]
    assert isinstance(order[1], GenerationHangUpFrame)
    assert order[1].reason == "the tool says so"


def test_a_context_made_before_an_interruption_carries_out_nothing() -> None:
    epochs = [0]

    async def push(frame: Frame, direction: FrameDirection) -> None:
        raise AssertionError("nothing may be pushed")

    context = ToolContext.bound("c1", "end_call", {}, push=push, interrupted=lambda: epochs[0] != 0)
    context.end_call()
    assert context.due_actions()[0] == [context.actions[0]]
    epochs[0] += 1  # the caller interrupted
    actions, note = context.due_actions()
    assert actions == []
    assert note is not None
    assert "GenerationHangUpFrame" in note
