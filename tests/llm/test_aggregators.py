"""The context aggregators in a call: user turns, the tool loop against the fake servers
with the real SDKs, and no rerun after a barge-in."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from framekit.conversation.context import AssistantTurn, LLMContext, UserTurn
from framekit.frames import (
    FunctionCallResultFrame,
    InterruptionFrame,
    LLMContextFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.llm import LLMProcessor
from framekit.processors.llm.aggregators import create_context_aggregators
from framekit.tasks import live_framekit_tasks
from framekit.testing import Advance, LiveCall, run_processor
from framekit.testing.fakes.anthropic_server import (
    MalformedToolArguments,
    Text,
    ToolCall,
    ToolCalls,
)
from framekit.tools import ToolRegistry, ToolRunner

from .helpers import PROVIDERS, Provider


def _transcript(text: str) -> TranscriptionFrame:
    return TranscriptionFrame(text=text, user_id="caller")


async def test_user_turn_joins_final_transcriptions_and_runs_the_llm_once() -> None:
    aggregators = create_context_aggregators(LLMContext("sys"), aggregation_timeout=0.3)
    out = await run_processor(
        aggregators.user,
        [
            UserStartedSpeakingFrame(),
            _transcript("Where is"),
            Advance(1.0),  # still speaking: no turn yet
            _transcript("my order?"),
            UserStoppedSpeakingFrame(),
            Advance(0.2),  # inside the window
            _transcript("A17."),
            Advance(0.29),
            UserStartedSpeakingFrame(),  # speaks again within the window: the turn stays open
            Advance(1.0),
            UserStoppedSpeakingFrame(),
            Advance(0.31),
        ],
    )
    runs = out.downstream_of(LLMContextFrame)
    assert len(runs) == 1
    assert runs[0].context is aggregators.context
    assert aggregators.context.turns == [UserTurn("Where is my order? A17.")]
    assert len(out.downstream_of(TranscriptionFrame)) == 3


async def test_a_transcription_after_the_window_is_a_new_turn() -> None:
    aggregators = create_context_aggregators(aggregation_timeout=0.3)
    out = await run_processor(
        aggregators.user,
        [_transcript("Hello."), Advance(0.5), _transcript("Anyone?"), Advance(0.5)],
    )
    assert len(out.downstream_of(LLMContextFrame)) == 2
    assert [t.text for t in aggregators.context.turns if isinstance(t, UserTurn)] == [
        "Hello.",
        "Anyone?",
    ]


def _tool_results_in(provider: Provider, body: dict[str, Any]) -> list[tuple[str, str]]:
    """(call id, content) of every tool result in a recorded request body."""
    if provider.name == "anthropic":
        return [
            (block["tool_use_id"], block["content"])
            for message in body["messages"]
            if message["role"] == "user" and isinstance(message["content"], list)
            for block in message["content"]
            if block.get("type") == "tool_result"
        ]
    return [(m["tool_call_id"], m["content"]) for m in body["messages"] if m["role"] == "tool"]


def _registry() -> ToolRegistry:
    tools = ToolRegistry()

    @tools.tool
    async def lookup_order(order_id: str) -> dict[str, str]:
        """Look up an order.

        Args:
            order_id: The order number.
        """
        return {"order_id": order_id, "status": "shipped"}

    return tools


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
async def test_tool_results_run_the_llm_again_with_the_results_in_the_request(
    provider: Provider,
) -> None:
    def brain(request: dict[str, Any]) -> Text | ToolCalls:
        if "shipped" in json.dumps(request["messages"]):
            return Text("Both orders have shipped.")
        return ToolCalls(
            [
                ToolCall("lookup_order", {"order_id": "A17"}, id="call_a"),
                ToolCall("lookup_order", {"order_id": "B2"}, id="call_b"),
            ],
            text="Let me check.",
        )

    tools = _registry()
    async with provider.server(brain) as server:
        aggregators = create_context_aggregators(
            LLMContext("Be brief.", tools=tools.schemas()), aggregation_timeout=0
        )
        llm = LLMProcessor(provider.make_service(server))
        call = LiveCall([aggregators.user, llm, aggregators.assistant, ToolRunner(tools)])
        await call.start()
        await call.send(_transcript("Where are A17 and B2?"))
        await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame), count=2)
        await call.end()

    assert len(server.requests) == 2  # one rerun for both results
    assert server.errors == []
    results = _tool_results_in(provider, server.requests[1].json)
    assert [call_id for call_id, _ in results] == ["call_a", "call_b"]
    assert json.loads(results[0][1]) == {"order_id": "A17", "status": "shipped"}
    assert "".join(f.text for f in call.downstream_of(LLMTextFrame)).endswith(
        "Both orders have shipped."
    )
    first, second = [t for t in aggregators.context.turns if isinstance(t, AssistantTurn)]
    assert first.text == "Let me check."
    assert [(c.call_id, c.result) for c in first.tool_calls] == [
        ("call_a", {"order_id": "A17", "status": "shipped"}),
        ("call_b", {"order_id": "B2", "status": "shipped"}),
    ]
    assert second.text == "Both orders have shipped."
    assert second.tool_calls == []
    assert live_framekit_tasks() == []


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
async def test_malformed_arguments_reach_the_model_as_an_error_result(provider: Provider) -> None:
    script = [
        ToolCalls(
            [ToolCall("lookup_order", {"order_id": "A17"}, id="call_x")],
            faults=[MalformedToolArguments()],
        ),
        Text("Sorry, which order?"),
    ]
    tools = _registry()
    async with provider.server(script) as server:
        aggregators = create_context_aggregators(
            LLMContext(tools=tools.schemas()), aggregation_timeout=0
        )
        llm = LLMProcessor(provider.make_service(server))
        runner = ToolRunner(tools)
        call = LiveCall([aggregators.user, llm, aggregators.assistant, runner])
        await call.start()
        await call.send(_transcript("Where is A17?"))
        await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame), count=2)
        await call.end()

    ((call_id, content),) = _tool_results_in(provider, server.requests[1].json)
    assert call_id == "call_x"
    assert "not valid JSON" in json.loads(content)["error"]
    assert server.errors == []


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
async def test_no_rerun_for_a_response_the_caller_interrupted(provider: Provider) -> None:
    script = [ToolCalls([ToolCall("lookup_order", {"order_id": "A17"}, id="call_1")])]
    async with provider.server(script) as server:
        aggregators = create_context_aggregators(aggregation_timeout=0)
        llm = LLMProcessor(provider.make_service(server))
        # No ToolRunner: the call stays pending until the test answers it.
        call = LiveCall([aggregators.user, llm, aggregators.assistant])
        await call.start()
        await call.send(_transcript("Where is A17?"))
        await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame))
        await call.send(InterruptionFrame())
        await call.send(
            FunctionCallResultFrame(call_id="call_1", function_name="lookup_order", result="ok")
        )
        await call.end()

    assert len(server.requests) == 1
    record = aggregators.context.tool_call("call_1")
    assert record is not None
    assert record.result == "ok"  # the result is kept for the next turn


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
async def test_a_tool_that_started_before_a_barge_in_lands_in_the_next_request(
    provider: Provider,
) -> None:
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

    script = [
        ToolCalls([ToolCall("cancel_order", {"order_id": "A17"}, id="call_c")], text="Okay."),
        Text("Done, A17 is cancelled."),
    ]
    async with provider.server(script) as server:
        aggregators = create_context_aggregators(
            LLMContext(tools=tools.schemas()), aggregation_timeout=0
        )
        llm = LLMProcessor(provider.make_service(server))
        call = LiveCall([aggregators.user, llm, aggregators.assistant, ToolRunner(tools)])
        await call.start()
        await call.send(_transcript("Cancel A17."))
        await asyncio.wait_for(started.wait(), 5)
        await call.send(InterruptionFrame())  # the caller talks while the tool runs
        release.set()
        await call.wait_for(lambda f: isinstance(f, FunctionCallResultFrame))
        assert len(server.requests) == 1  # no rerun for the interrupted response
        await call.send(_transcript("Hello?"))
        await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame), count=2)
        await call.end()

    assert _tool_results_in(provider, server.requests[1].json) == [("call_c", "A17 cancelled")]
    assert "Hello?" in json.dumps(server.requests[1].json["messages"])
    assert server.errors == []
    assert live_framekit_tasks() == []
