"""GPT, and any OpenAI-compatible server, through the official ``openai`` SDK.

:class:`OpenAILLMService` streams Chat Completions with tools and
``stream_options={"include_usage": True}`` (the last chunk then carries the token
counts); :class:`~framekit.processors.llm.LLMProcessor` drives it:
``LLMProcessor(OpenAILLMService(model=...))``.

The same client serves a **local model** ("local Llama"): point ``base_url`` at a
llama.cpp server (``http://localhost:8080/v1``), vLLM (``http://localhost:8000/v1``)
or Ollama (``http://localhost:11434/v1``); those servers accept any API key. Set
``include_usage=False`` for a server that rejects ``stream_options``.

Tool call arguments arrive in fragments keyed by the call's ``index``; they are
joined and parsed once the stream has ended. Arguments that are not a JSON object
become a :class:`~framekit.llm.events.ToolCallEvent` with an error, never an
exception. A server that omits a call's ``id`` (some local ones do) gets one made
up, so the result can still be matched to its call.

Install with ``pip install "framekit[openai]"``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncGenerator, Awaitable
from typing import Any, Unpack

import openai

from framekit.conversation.context import LLMContext
from framekit.llm.events import (
    LLMEvent,
    LLMServiceError,
    StreamEnd,
    TextDelta,
    UsageEvent,
)
from framekit.llm.sdk import (
    SDKOptions,
    SDKService,
    next_within,
    parse_tool_arguments,
    service_error,
)
from framekit.services.openai.adapter import to_openai, to_openai_tools

__all__ = ["DEFAULT_OPENAI_MODEL", "OpenAILLMService"]

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
_made_up_ids = itertools.count(1)


class OpenAILLMService(SDKService[openai.AsyncOpenAI]):
    """Streams Chat Completions answers to an :class:`LLMContext`.

    Timeouts and retries as in :class:`~framekit.services.anthropic.AnthropicLLMService`;
    the keyword arguments besides ``model``, ``max_tokens``, ``include_usage`` and
    ``client`` are the :class:`.SDKOptions`.
    ``api_key`` defaults to ``OPENAI_API_KEY``; with a ``base_url`` and no key, a
    placeholder key is sent, as local servers need none.
    """

    provider = "openai"

    def __init__(
        self,
        *,
        model: str = DEFAULT_OPENAI_MODEL,
        max_tokens: int | None = None,
        include_usage: bool = True,
        client: openai.AsyncOpenAI | None = None,
        **options: Unpack[SDKOptions],
    ) -> None:
        super().__init__(model=model, client=client, **options)
        self.max_tokens = max_tokens
        self.include_usage = include_usage

    def _new_client(self) -> openai.AsyncOpenAI:
        api_key = self._api_key
        if api_key is None and self._base_url is not None:
            api_key = os.environ.get("OPENAI_API_KEY", "sk-no-key-required")
        return openai.AsyncOpenAI(
            api_key=api_key,
            base_url=self._base_url,
            max_retries=self._max_retries,
            timeout=self._request_timeout,
        )

    def request(self, context: LLMContext) -> dict[str, Any]:
        """The ``chat.completions.create`` arguments for ``context`` (without ``stream``)."""
        kwargs: dict[str, Any] = {"model": self.model, "messages": to_openai(context)}
        tools = to_openai_tools(context)
        if tools:
            kwargs["tools"] = tools
        if self.include_usage:
            kwargs["stream_options"] = {"include_usage": True}
        if self.max_tokens is not None:
            kwargs["max_tokens"] = self.max_tokens
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        kwargs.update(self.extra)
        return kwargs

    def _open(self, context: LLMContext) -> Awaitable[Any]:
        return self.client.chat.completions.create(stream=True, **self.request(context))

    async def _read(self, stream: Any) -> AsyncGenerator[LLMEvent, None]:
        iterator = stream.__aiter__()
        timeout = self.first_token_timeout
        calls: dict[int, list[str]] = {}
        usage: UsageEvent | None = None
        stop_reason: str | None = None
        while True:
            try:
                chunk = await next_within(iterator, timeout, self.provider)
            except StopAsyncIteration:
                break
            if chunk.usage is not None:
                usage = UsageEvent(
                    chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0
                )
            for choice in chunk.choices:
                delta = choice.delta
                if delta.content or delta.tool_calls:
                    # Content has begun: from now on a silence is a stall.
                    timeout = self.stall_timeout
                if delta.content:
                    yield TextDelta(delta.content)
                for fragment in delta.tool_calls or ():
                    parts = calls.setdefault(fragment.index, ["", ""])
                    if fragment.id:
                        parts[0] = fragment.id
                    function = fragment.function
                    if function is not None:
                        if function.name:
                            parts[1] = function.name
                        if function.arguments:
                            parts.append(function.arguments)
                if choice.finish_reason:
                    stop_reason = choice.finish_reason
        for index in sorted(calls):
            parts = calls[index]
            call_id = parts[0] or f"call_framekit_{next(_made_up_ids)}"
            yield parse_tool_arguments(call_id, parts[1], "".join(parts[2:]))
        if usage is not None:
            yield usage
        yield StreamEnd(stop_reason)

    def _error(self, exc: BaseException) -> LLMServiceError:
        """What an ``openai`` (or HTTP library) exception means for the caller."""
        return service_error(
            exc,
            "openai",
            status_error=openai.APIStatusError,
            timeout_error=openai.APITimeoutError,
            connection_error=openai.APIConnectionError,
        )
