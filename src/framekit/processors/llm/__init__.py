"""LLM stages: :class:`LLMProcessor` over a provider's :class:`~framekit.llm.events.LLMService`.

Providers are services in their vendor's folder (they import their SDKs, so
import them directly) and this one stage drives any of them::

    from framekit.processors.llm import LLMProcessor
    from framekit.services.anthropic import AnthropicLLMService

    llm = LLMProcessor(AnthropicLLMService(model="claude-haiku-4-5"))

The context aggregators (:mod:`.aggregators`) keep the conversation up to date around
it, and cut the bot's turns to what the caller heard.
"""

from framekit.processors.llm.aggregators import (
    LLMAssistantAggregator,
    LLMContextAggregators,
    LLMUserAggregator,
    create_context_aggregators,
)
from framekit.processors.llm.base import LLMProcessor, LLMRun

__all__ = [
    "LLMAssistantAggregator",
    "LLMContextAggregators",
    "LLMProcessor",
    "LLMRun",
    "LLMUserAggregator",
    "create_context_aggregators",
]
