"""Render an :class:`~framekit.conversation.LLMContext` in each provider's request format."""

from framekit.llm.adapters.anthropic import AnthropicRequest, to_anthropic
from framekit.llm.adapters.openai import to_openai, to_openai_tools

__all__ = ["AnthropicRequest", "to_anthropic", "to_openai", "to_openai_tools"]
