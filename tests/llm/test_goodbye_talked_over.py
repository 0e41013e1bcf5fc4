"""The caller's words over the model's goodbye, on the LLM path (fake servers, real SDKs).

The model says goodbye and calls ``end_call``; the caller talks over the goodbye. A
farewell ("Goodbye.") ends the call with a short goodbye and no second ``end_call``;
anything else reopens the call and the model answers it. The rule is the one the intent
engine applies (:class:`framekit.interruptions.TalkedOverGoodbye`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from framekit.conversation.context import LLMContext
from framekit.frames import (
    HangUpFrame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    TranscriptionFrame,
)
from framekit.interruptions import FAREWELL_REPLY, GoodbyeTalkedOverFrame
from framekit.processors.llm import LLMProcessor
from framekit.processors.llm.aggregators import create_context_aggregators
from framekit.testing import LiveCall
from framekit.testing.fakes.anthropic_server import Text, ToolCall, ToolCalls
from framekit.tools import ToolContext, ToolRegistry, ToolRunner

from .helpers import PROVIDERS, Provider

GOODBYE = "Thanks for calling, goodbye!"


def _last_user_words(request: dict[str, Any]) -> str:
    """The caller's last words in a recorded request, or "" if a tool result came after."""
    for message in reversed(request["messages"]):
        if message["role"] == "tool":
            return ""
        if message["role"] == "user":
            content = message["content"]
            if isinstance(content, str):
                return content
            last = content[-1]  # Anthropic: tool results and the next words share a message
            return "" if last.get("type") == "tool_result" else json.dumps(last)
    return ""


def _model(request: dict[str, Any]) -> Text | ToolCalls:
    """A model that says goodbye and hangs up whenever the caller closes the call."""
    said = _last_user_words(request).lower()
    if "that is all" in said or "goodbye" in said:
        return ToolCalls([ToolCall("end_call", {})], text=GOODBYE)
    if not said:  # the run after end_call's result
        return Text("Bye.")
    return Text("Sure, what else can I do for you?")


async def _goodbye_talked_over(provider: Provider, then: str) -> tuple[LiveCall, list[str], int]:
    """The caller closes the call, talks over the model's goodbye, then says ``then``.

    Returns the call, the end_call runs and how many requests the model had.
    """
    tools = ToolRegistry()
    ran: list[str] = []

    @tools.tool
    def end_call(context: ToolContext) -> str:
        """End the call after saying goodbye."""
        ran.append(context.call_id)
        context.end_call("caller said goodbye")
        return "call ended"

    async with provider.server(_model) as server:
        aggregators = create_context_aggregators(
            LLMContext("Be brief.", tools=tools.schemas()), aggregation_timeout=0
        )
        llm = LLMProcessor(provider.make_service(server))
        call = LiveCall([aggregators.user, llm, aggregators.assistant, ToolRunner(tools)])
        await call.start()
        await call.send(TranscriptionFrame(text="That is all."))
        await call.wait_for(lambda f: isinstance(f, HangUpFrame))
        await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame), count=2)
        await call.send(InterruptionFrame())
        await call.wait_for(lambda f: isinstance(f, GoodbyeTalkedOverFrame))
        await call.send(TranscriptionFrame(text=then))
        await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame), count=3)
        await call.end()
    assert server.errors == []
    return call, ran, len(server.requests)


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
async def test_a_farewell_over_the_models_goodbye_ends_the_call_with_one_end_call(
    provider: Provider,
) -> None:
    call, ran, requests = await _goodbye_talked_over(provider, "Goodbye.")
    assert len(ran) == 1  # the model was not asked again, so it did not call end_call again
    assert requests == 2  # the goodbye with end_call, and the run after its result
    texts = [f.text for f in call.downstream_of(LLMTextFrame)]
    assert texts[-1] == FAREWELL_REPLY
    hang_ups = call.downstream_of(HangUpFrame)
    assert len(hang_ups) == 2  # the model's, talked over, then the farewell's
    assert call.downstream.index(hang_ups[-1]) > call.downstream.index(
        call.downstream_of(LLMTextFrame)[-1]
    )


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
async def test_other_words_over_the_models_goodbye_reopen_the_call(provider: Provider) -> None:
    call, ran, requests = await _goodbye_talked_over(provider, "wait, one more thing")
    assert len(ran) == 1
    assert requests == 3  # the model answers the caller
    texts = [f.text for f in call.downstream_of(LLMTextFrame)]
    assert "".join(texts).endswith("Sure, what else can I do for you?")
    assert FAREWELL_REPLY not in texts
    assert len(call.downstream_of(HangUpFrame)) == 1  # only the one talked over
