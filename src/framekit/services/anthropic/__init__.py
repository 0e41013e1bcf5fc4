"""Anthropic (Claude): the Messages API as an :class:`~framekit.llm.events.LLMService`.

* :class:`AnthropicLLMService`: streamed answers with tools, through the official SDK;
* :func:`to_anthropic`: an :class:`~framekit.conversation.LLMContext` as a Messages request.

Install with ``pip install "framekit[anthropic]"``.
"""

from framekit.services.anthropic.adapter import AnthropicRequest, to_anthropic
from framekit.services.anthropic.llm import DEFAULT_ANTHROPIC_MODEL, AnthropicLLMService

__all__ = ["DEFAULT_ANTHROPIC_MODEL", "AnthropicLLMService", "AnthropicRequest", "to_anthropic"]
