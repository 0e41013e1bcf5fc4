"""An :class:`~framekit.conversation.context.LLMContext` as an Anthropic Messages API request.

The Messages API differs from the neutral context in three ways this module handles:

* the system prompt is a separate ``system`` parameter, not a message;
* a tool call is a ``tool_use`` block in the assistant message, and its result a
  ``tool_result`` block at the *start* of the next user message;
* roles must alternate, and the first message must be the user's: consecutive
  messages of one role are merged, and a conversation that begins with the bot (a
  greeting) gets a short user message in front (:data:`CALL_START_TEXT`).

A final assistant message would be read as a *prefill* (the model continues it), so
a context that ends with the bot speaking gets :data:`CONTINUE_TEXT` as a user turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from framekit.conversation.context import AssistantTurn, LLMContext, UserTurn

__all__ = ["CALL_START_TEXT", "CONTINUE_TEXT", "AnthropicRequest", "to_anthropic"]

CALL_START_TEXT = "(The call has started.)"
CONTINUE_TEXT = "(The caller is silent. Continue.)"


@dataclass(frozen=True, slots=True)
class AnthropicRequest:
    """The parts of a ``messages.create`` call that come from the context."""

    system: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]


def to_anthropic(context: LLMContext) -> AnthropicRequest:
    """Render ``context`` (its budgeted :meth:`~LLMContext.window`) for the Messages API."""
    messages: list[dict[str, Any]] = []
    for turn in context.window():
        if isinstance(turn, UserTurn):
            _append(messages, "user", [{"type": "text", "text": turn.text}])
        else:
            _append_assistant(messages, turn)
    if not messages or messages[0]["role"] != "user":
        messages.insert(0, {"role": "user", "content": [{"type": "text", "text": CALL_START_TEXT}]})
    if messages[-1]["role"] == "assistant":
        messages.append({"role": "user", "content": [{"type": "text", "text": CONTINUE_TEXT}]})
    tools = [
        {
            "name": tool["name"],
            "description": tool.get("description", ""),
            "input_schema": tool.get("parameters", {"type": "object", "properties": {}}),
        }
        for tool in context.tools
    ]
    return AnthropicRequest(system=context.system, messages=messages, tools=tools)


def _append_assistant(messages: list[dict[str, Any]], turn: AssistantTurn) -> None:
    blocks: list[dict[str, Any]] = []
    text = turn.text.rstrip()
    if text.strip():
        blocks.append({"type": "text", "text": text})
    calls = turn.answered_calls()
    for call in calls:
        blocks.append(
            {"type": "tool_use", "id": call.call_id, "name": call.name, "input": call.arguments}
        )
    if not blocks:
        return
    _append(messages, "assistant", blocks)
    if calls:
        results = [
            {
                "type": "tool_result",
                "tool_use_id": call.call_id,
                "content": call.result_text(),
                **({"is_error": True} if call.error is not None else {}),
            }
            for call in calls
        ]
        _append(messages, "user", results)


def _append(messages: list[dict[str, Any]], role: str, blocks: list[dict[str, Any]]) -> None:
    """Add a message, merged into the previous one when it has the same role."""
    if messages and messages[-1]["role"] == role:
        messages[-1]["content"].extend(blocks)
    else:
        messages.append({"role": role, "content": blocks})
