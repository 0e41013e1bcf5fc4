"""An :class:`~framekit.conversation.context.LLMContext` as OpenAI Chat Completions messages.

The system prompt is the first message; a tool call is an entry of the assistant
message's ``tool_calls`` (arguments as a JSON string), and each result a
``role: "tool"`` message naming the call's id. The same format serves every
OpenAI-compatible server (llama.cpp, vLLM, Ollama).
"""

from __future__ import annotations

import json
from typing import Any

from framekit.conversation.context import LLMContext, UserTurn

__all__ = ["to_openai", "to_openai_tools"]


def to_openai(context: LLMContext) -> list[dict[str, Any]]:
    """Render ``context`` (its budgeted :meth:`~LLMContext.window`) as Chat messages."""
    messages: list[dict[str, Any]] = []
    if context.system:
        messages.append({"role": "system", "content": context.system})
    for turn in context.window():
        if isinstance(turn, UserTurn):
            messages.append({"role": "user", "content": turn.text})
            continue
        calls = turn.answered_calls()
        text = turn.text.strip()
        message: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            message["tool_calls"] = [
                {
                    "id": call.call_id,
                    "type": "function",
                    "function": {
                        "name": call.name,
                        "arguments": json.dumps(call.arguments, default=str),
                    },
                }
                for call in calls
            ]
        messages.append(message)
        for call in calls:
            messages.append(
                {"role": "tool", "tool_call_id": call.call_id, "content": call.result_text()}
            )
    return messages


def to_openai_tools(context: LLMContext) -> list[dict[str, Any]]:
    """The context's tool schemas in the Chat Completions ``tools`` format."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool["name"],
                "description": tool.get("description", ""),
                "parameters": tool.get("parameters", {"type": "object", "properties": {}}),
            },
        }
        for tool in context.tools
    ]
