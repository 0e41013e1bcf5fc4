"""The conversation side of the LLM layer: provider-neutral context, adapters, events.

* :class:`LLMContext`: system prompt, turns, tool calls with their results, tool
  schemas, a length budget, trimming to what the caller heard;
* :mod:`framekit.llm.sdk`: what the SDK-backed services share (deadlines, error mapping);
* the providers themselves live in their vendor folders (:mod:`framekit.services`);
* :mod:`framekit.llm.events`: what a provider's stream yields
  (:class:`LLMService`), for the processors and for fallback chains;
* :mod:`framekit.processors.llm.aggregators`: the processors that keep the context up to date;
* :class:`FallbackLLMService`: a chain of services (Claude -> GPT -> local -> intent
  engine) that moves on when one fails, without repeating what the caller heard.

See ``docs/llm.md``.
"""

from framekit.conversation import AssistantTurn, LLMContext, ToolCallRecord, UserTurn
from framekit.llm.events import (
    LLMEvent,
    LLMService,
    LLMServiceError,
    StreamEnd,
    TextDelta,
    ToolCallEvent,
    UsageEvent,
)
from framekit.llm.fallback import FallbackLink, FallbackLLMService

__all__ = [
    "AssistantTurn",
    "FallbackLLMService",
    "FallbackLink",
    "LLMContext",
    "LLMEvent",
    "LLMService",
    "LLMServiceError",
    "StreamEnd",
    "TextDelta",
    "ToolCallEvent",
    "ToolCallRecord",
    "UsageEvent",
    "UserTurn",
]
