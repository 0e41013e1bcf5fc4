"""PlaceholderLLMService against fake Anthropic and OpenAI servers driven by the real SDKs.

What the fake server received must hold placeholders and none of the caller's card,
email or phone; a tool call the model writes with ``<phone_1>`` must reach the tool
with the real number; a streamed answer with a placeholder cut across deltas must
come out with the real value and no piece of the placeholder.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from framekit.conversation.context import AssistantTurn, LLMContext, ToolCallRecord, ToolCallState
from framekit.frames import LLMResponseEndFrame, LLMTextFrame, TranscriptionFrame
from framekit.health import ProviderHealth
from framekit.llm._placeholder_map import PlaceholderMap, StreamRestorer
from framekit.llm.events import TextDelta, ToolCallEvent
from framekit.llm.fallback import FallbackLLMService
from framekit.llm.placeholders import PLACEHOLDER_INSTRUCTION, PlaceholderLLMService
from framekit.privacy.redact import Redactor
from framekit.processors.llm import LLMProcessor
from framekit.processors.llm.aggregators import create_context_aggregators
from framekit.tasks import live_framekit_tasks
from framekit.testing import LiveCall
from framekit.testing.fakes.anthropic_server import Text, ToolCall, ToolCalls
from framekit.tools import ToolRegistry, ToolRunner

from .helpers import PROVIDERS, Provider

CARD = "4111 1111 1111 1111"
EMAIL = "jane.roe@example.com"
PHONE = "415-555-0134"
SAID = f"My card is {CARD}, my email is {EMAIL} and you can call me at {PHONE}."
LEAKS = ["4111", "1111", "jane.roe", "example.com", "555", "0134"]


def _leaks(body: dict[str, Any]) -> list[str]:
    sent = json.dumps(body)
    return [leak for leak in LEAKS if leak in sent]


def _registry(received: list[str]) -> ToolRegistry:
    tools = ToolRegistry()

    @tools.tool
    async def find_appointment(phone: str) -> dict[str, str]:
        """Find the caller's appointment.

        Args:
            phone: The caller's phone number.
        """
        received.append(phone)
        return {"phone": phone, "appointment": "Friday 10:00", "email": EMAIL}

    return tools


def test_one_value_one_placeholder_however_it_was_said() -> None:
    mapping = PlaceholderMap(Redactor())
    mapping.learn(
        ["My email is jane dot roe at example dot com.", f"Yes, {EMAIL}.", "Call 415 555 0134."]
    )
    assert mapping.replace(f"Yes, {EMAIL}.") == "Yes, <email_1>."
    assert mapping.replace("Call 415 555 0134.") == "Call <phone_1>."
    # In a tool's arguments a program wants the normal form; the caller hears it as said.
    assert mapping.restore_data({"to": "<email_1>", "n": ["<PHONE_1>"]}) == {
        "to": EMAIL,
        "n": ["4155550134"],
    }
    assert mapping.restore("Sent to <email_1>.") == "Sent to jane dot roe at example dot com."
    assert mapping.restore("<phone_2> is unknown") == "<phone_2> is unknown"
    # A known value is replaced where the redactor alone would not see it (a bare number).
    assert mapping.replace_data({"phone": "4155550134", "n": 4155550134}) == {
        "phone": "<phone_1>",
        "n": "<phone_1>",
    }


def test_values_beyond_the_bound_are_masked_not_mapped() -> None:
    mapping = PlaceholderMap(Redactor(), max_values=1)
    assert mapping.replace(f"{EMAIL} or {PHONE}") == "<email_1> or [phone]"
    assert len(mapping) == 1


def test_a_placeholder_cut_at_any_two_points_is_restored_whole() -> None:
    mapping = PlaceholderMap(Redactor())
    mapping.learn([SAID])
    answer = "I will write to <email_1> and call <phone_1>; a < b and <note> stay."
    expected = f"I will write to {EMAIL} and call {PHONE}; a < b and <note> stay."
    for i in range(len(answer) + 1):
        for j in range(i, len(answer) + 1):
            restorer = StreamRestorer(mapping)
            pieces = [restorer.feed(answer[:i]), restorer.feed(answer[i:j])]
            pieces += [restorer.feed(answer[j:]), restorer.finish()]
            assert "".join(pieces) == expected, (i, j)
            assert not any("<email" in piece or "_1>" in piece for piece in pieces)


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
async def test_the_model_gets_placeholders_and_the_tool_and_the_caller_get_the_values(
    provider: Provider,
) -> None:
    def brain(request: dict[str, Any]) -> Text | ToolCalls:
        if "Friday" in json.dumps(request["messages"]):
            deltas = [
                "Found it: Friday",
                " 10:00. I'll confirm to <em",
                "ail_",
                "1> and <",
                "phone_1>.",
            ]
            return Text("".join(deltas), deltas=deltas)
        return ToolCalls(
            [ToolCall("find_appointment", {"phone": "<phone_1>"}, id="call_1", fragment_size=4)],
            text="One moment, <card_1> noted.",
        )

    received: list[str] = []
    tools = _registry(received)
    async with provider.server(brain) as server:
        context = LLMContext("You book appointments.", tools=tools.schemas())
        aggregators = create_context_aggregators(context, aggregation_timeout=0)
        llm = LLMProcessor(PlaceholderLLMService(provider.make_service(server), Redactor()))
        call = LiveCall([aggregators.user, llm, aggregators.assistant, ToolRunner(tools)])
        await call.start()
        await call.send(TranscriptionFrame(text=SAID, user_id="caller"))
        await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame), count=2)
        await call.end()

    assert server.errors == []
    first, second = (request.json for request in server.requests)
    assert (_leaks(first), _leaks(second)) == ([], [])
    for placeholder in ("<card_1>", "<email_1>", "<phone_1>"):
        assert placeholder in json.dumps(first["messages"])
    # The rerun carries the tool's call and result (real values in the context) replaced.
    assert json.dumps(second).count("<phone_1>") >= 3
    assert PLACEHOLDER_INSTRUCTION in json.dumps(second)
    assert received == ["4155550134"]
    spoken = "".join(frame.text for frame in call.downstream_of(LLMTextFrame))
    assert spoken == (
        f"One moment, {CARD} noted.Found it: Friday 10:00. I'll confirm to {EMAIL} and {PHONE}."
    )
    # The conversation the application keeps holds the values, never a placeholder.
    kept = [turn for turn in context.turns if isinstance(turn, AssistantTurn)]
    assert kept[0].tool_calls[0].arguments == {"phone": "4155550134"}
    assert "<" not in kept[1].text
    assert EMAIL in kept[1].text
    assert live_framekit_tasks() == []


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
async def test_a_wrapped_link_of_a_fallback_chain_sends_no_value(provider: Provider) -> None:
    context = LLMContext("Be brief.")
    context.add_user(SAID)
    turn = context.add_assistant("Checking.")
    turn.tool_calls.append(
        ToolCallRecord(
            "call_0",
            "find_appointment",
            {"phone": "4155550134"},
            state=ToolCallState.DONE,
            result={"email": EMAIL, "card_on_file": CARD},
        )
    )
    context.add_user("Please send it to that email.")
    async with provider.server([Text("Sent to <email_1>.")]) as server:
        inner = provider.make_service(server)
        chain = FallbackLLMService(
            [PlaceholderLLMService(inner, Redactor())], health=ProviderHealth()
        )
        events = [event async for event in chain.stream(context)]
        await chain.close()
    [request] = server.requests
    assert _leaks(request.json) == []
    assert "<card_1>" in json.dumps(request.json)
    texts = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert texts == f"Sent to {EMAIL}."
    assert not [e for e in events if isinstance(e, ToolCallEvent)]
    # The caller's context was not touched.
    assert context.turns[0].text == SAID
