"""LLM stages: :class:`LLMProcessor` over a provider's :class:`~framekit.llm.events.LLMService`.

The provider modules import their SDKs, so import them directly::

    from framekit.processors.llm.anthropic import AnthropicLLMProcessor
    from framekit.processors.llm.openai import OpenAILLMProcessor
"""

from framekit.processors.llm.base import LLMProcessor, LLMRun

__all__ = ["LLMProcessor", "LLMRun"]
