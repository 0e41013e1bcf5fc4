"""LLM stages: :class:`LLMProcessor` over a provider's :class:`~framekit.llm.events.LLMService`.

The provider modules import their SDKs, so import them directly::

    from framekit.processors.llm.anthropic import AnthropicLLMProcessor
    from framekit.processors.llm.openai import OpenAILLMProcessor

The context aggregators (:mod:`.aggregators`) keep the conversation up to date around
it, and :class:`~framekit.processors.llm.playback.LLMPlaybackTracker` cuts the bot's
turns to what the caller heard.
"""

from framekit.processors.llm.aggregators import (
    LLMAssistantAggregator,
    LLMContextAggregators,
    LLMUserAggregator,
    create_context_aggregators,
)
from framekit.processors.llm.base import LLMProcessor, LLMRun
from framekit.processors.llm.playback import LLMPlaybackTracker

__all__ = [
    "LLMAssistantAggregator",
    "LLMContextAggregators",
    "LLMPlaybackTracker",
    "LLMProcessor",
    "LLMRun",
    "LLMUserAggregator",
    "create_context_aggregators",
]
