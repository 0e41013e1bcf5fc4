"""OpenAI (GPT) and OpenAI-compatible servers: Chat Completions as an LLM service.

* :class:`OpenAILLMService`: streamed answers with tools, through the official SDK;
  with ``base_url`` it speaks to a local llama.cpp, vLLM or Ollama server;
* :func:`to_openai`, :func:`to_openai_tools`: an
  :class:`~framekit.conversation.LLMContext` as Chat messages and tool schemas.

Install with ``pip install "framekit[openai]"``.
"""

from framekit.services.openai.adapter import to_openai, to_openai_tools
from framekit.services.openai.llm import DEFAULT_OPENAI_MODEL, OpenAILLMService

__all__ = ["DEFAULT_OPENAI_MODEL", "OpenAILLMService", "to_openai", "to_openai_tools"]
