"""The provider-neutral context: rendering for each provider, the length budget, trimming."""

from __future__ import annotations

import json

from framekit.conversation.context import LLMContext, ToolCallRecord, ToolCallState, estimate_tokens
from framekit.services.anthropic import to_anthropic
from framekit.services.anthropic.adapter import CALL_START_TEXT, CONTINUE_TEXT
from framekit.services.openai import to_openai, to_openai_tools

TOOL = {"name": "lookup_order", "description": "Find an order.", "parameters": {"type": "object"}}


def _conversation() -> LLMContext:
    context = LLMContext("Be brief.", tools=[TOOL])
    context.add_user("Where is A17?")
    turn = context.add_assistant("Let me check.", response_id="r1")
    turn.tool_calls += [
        ToolCallRecord("c1", "lookup_order", {"order_id": "A17"}, ToolCallState.DONE, "shipped"),
        ToolCallRecord("c2", "lookup_order", {"order_id": "B2"}, ToolCallState.DONE, error="boom"),
        ToolCallRecord("c3", "lookup_order", {"order_id": "C3"}),  # still running
        ToolCallRecord("c4", "lookup_order", {}, ToolCallState.CANCELLED),
    ]
    return context


def test_anthropic_request_has_tool_use_then_tool_results_first_in_the_next_user_message() -> None:
    context = _conversation()
    context.add_user("Thanks.")
    request = to_anthropic(context)

    assert request.system == "Be brief."
    assert [m["role"] for m in request.messages] == ["user", "assistant", "user"]
    assistant = request.messages[1]["content"]
    assert assistant[0] == {"type": "text", "text": "Let me check."}
    assert [(b["type"], b["id"], b["input"]) for b in assistant[1:]] == [
        ("tool_use", "c1", {"order_id": "A17"}),
        ("tool_use", "c2", {"order_id": "B2"}),
    ]
    results = request.messages[2]["content"]
    assert results[0] == {"type": "tool_result", "tool_use_id": "c1", "content": "shipped"}
    assert results[1]["tool_use_id"] == "c2"
    assert results[1]["is_error"] is True
    assert json.loads(results[1]["content"]) == {"error": "boom"}
    assert results[2] == {"type": "text", "text": "Thanks."}  # merged after the results
    assert request.tools == [
        {
            "name": "lookup_order",
            "description": "Find an order.",
            "input_schema": {"type": "object"},
        }
    ]


def test_anthropic_conversation_starting_with_the_bot_and_ending_with_it() -> None:
    context = LLMContext()
    context.add_assistant("Hello, how can I help?")
    messages = to_anthropic(context).messages
    assert messages[0] == {"role": "user", "content": [{"type": "text", "text": CALL_START_TEXT}]}
    assert messages[1]["role"] == "assistant"
    assert messages[-1]["content"] == [{"type": "text", "text": CONTINUE_TEXT}]


def test_anthropic_merges_consecutive_turns_of_one_role() -> None:
    context = LLMContext()
    context.add_user("Hi.")
    context.add_assistant("", response_id="r1")  # interrupted before a word was heard
    context.add_user("Are you there?")
    messages = to_anthropic(context).messages
    assert messages == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Hi."},
                {"type": "text", "text": "Are you there?"},
            ],
        }
    ]


def test_openai_messages_have_system_tool_calls_and_tool_messages() -> None:
    messages = to_openai(_conversation())

    assert messages[0] == {"role": "system", "content": "Be brief."}
    assert messages[1] == {"role": "user", "content": "Where is A17?"}
    assistant = messages[2]
    assert assistant["content"] == "Let me check."
    assert [c["id"] for c in assistant["tool_calls"]] == ["c1", "c2"]
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == {"order_id": "A17"}
    assert messages[3] == {"role": "tool", "tool_call_id": "c1", "content": "shipped"}
    assert messages[4]["tool_call_id"] == "c2"
    assert json.loads(messages[4]["content"]) == {"error": "boom"}
    assert len(messages) == 5
    assert to_openai_tools(_conversation())[0]["function"]["name"] == "lookup_order"


def test_budget_keeps_the_newest_turns_and_never_splits_a_call_from_its_result() -> None:
    context = LLMContext("s" * 40)
    for i in range(10):
        context.add_user(f"question {i} " + "x" * 40)
        turn = context.add_assistant(f"answer {i}", response_id=f"r{i}")
        turn.tool_calls.append(
            ToolCallRecord(f"c{i}", "tool", {"i": i}, ToolCallState.DONE, "y" * 200)
        )
    context.max_tokens = 200
    window = context.window()

    assert window[-1] is context.turns[-1]
    assert 0 < len(window) < len(context.turns)
    assert context.size() <= 200
    # the assistant turns kept carry their call and result together
    anthropic = to_anthropic(context).messages
    uses = [b["id"] for m in anthropic for b in m["content"] if b.get("type") == "tool_use"]
    results = [
        b["tool_use_id"] for m in anthropic for b in m["content"] if b.get("type") == "tool_result"
    ]
    assert uses == results
    assert uses

    context.max_tokens = None
    context.max_turns = 3
    assert context.window() == context.turns[-3:]


def test_budget_keeps_the_newest_turn_even_when_it_alone_is_too_long() -> None:
    context = LLMContext(max_tokens=10)
    context.add_user("short")
    context.add_user("z" * 400)
    assert context.window() == [context.turns[-1]]
    assert estimate_tokens("z" * 400) == 100


def test_trim_response_keeps_what_was_heard_and_the_tool_results() -> None:
    context = _conversation()
    context.trim_response("r1", "Let")
    turn = context.response("r1")
    assert turn is not None
    assert (turn.text, turn.interrupted, turn.heard) == ("Let", True, True)
    assert [c.call_id for c in turn.answered_calls()] == ["c1", "c2"]
    context.trim_response("r1", "")  # already settled: a later report changes nothing
    assert turn.text == "Let"
