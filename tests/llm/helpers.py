"""The provider matrix the LLM tests run against (the call: ``framekit.testing.LiveCall``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from framekit.llm.events import LLMService
from framekit.services.anthropic import AnthropicLLMService
from framekit.services.openai import OpenAILLMService
from framekit.testing.fakes._llm_script import Script
from framekit.testing.fakes._llm_server import FakeLLMServer
from framekit.testing.fakes.anthropic_server import FakeAnthropicServer
from framekit.testing.fakes.openai_server import FakeOpenAIServer

__all__ = ["PROVIDERS", "Provider"]


@dataclass(frozen=True)
class Provider:
    """How to start a fake server of one provider and point its real SDK at it."""

    name: str
    server: Callable[[Script], FakeLLMServer]
    service: Callable[..., LLMService]

    def make_service(self, server: FakeLLMServer, **options: Any) -> LLMService:
        options.setdefault("max_retries", 0)
        return self.service(base_url=server.base_url, api_key="test-key", **options)


def _anthropic(base_url: str, api_key: str, **options: Any) -> LLMService:
    return AnthropicLLMService(model="claude-fake", base_url=base_url, api_key=api_key, **options)


def _openai(base_url: str, api_key: str, **options: Any) -> LLMService:
    return OpenAILLMService(model="gpt-fake", base_url=base_url, api_key=api_key, **options)


PROVIDERS = [
    Provider("anthropic", lambda script: FakeAnthropicServer(script), _anthropic),
    Provider("openai", lambda script: FakeOpenAIServer(script), _openai),
]
