"""Claude through the official ``anthropic`` SDK: Messages API, streamed, with tools.

:class:`AnthropicLLMService` turns the raw Messages stream into
:mod:`framekit.llm.events`; :class:`~framekit.processors.llm.LLMProcessor` drives it:
``LLMProcessor(AnthropicLLMService(api_key=..., model=...))``.

The raw event stream is read rather than the SDK's ``messages.stream`` helper
because the helper raises in the middle of the stream when a tool's arguments are
not valid JSON; here such a call becomes a :class:`ToolCallEvent` with an error,
which the model is told about on the next run. Failures are mapped to
:class:`~framekit.llm.events.LLMServiceError`, including the HTTP library's own
transport errors, which the SDK does not wrap when they happen mid-stream.

Install with ``pip install "framekit[anthropic]"``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable
from typing import Any, Unpack

import anthropic

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
from framekit.services.anthropic.adapter import to_anthropic

__all__ = ["DEFAULT_ANTHROPIC_MODEL", "AnthropicLLMService"]

DEFAULT_ANTHROPIC_MODEL = "claude-haiku-4-5"


class AnthropicLLMService(SDKService[anthropic.AsyncAnthropic]):
    """Streams Claude's answers to an :class:`LLMContext`.

    The keyword arguments besides ``model``, ``max_tokens`` and ``client`` (a
    shared ``anthropic.AsyncAnthropic``) are the :class:`.SDKOptions`.
    ``first_token_timeout`` bounds the wait for the response headers, and then for
    each event until the first content (text or a tool call); ``stall_timeout``
    bounds every gap after that. Either one running out is a ``stall`` error. ``max_retries`` is the
    SDK's own retry count (it honours ``retry-after``): keep it low on a phone
    call, where a fallback provider answers sooner than a backoff does.
    """

    provider = "anthropic"

    def __init__(
        self,
        *,
        model: str = DEFAULT_ANTHROPIC_MODEL,
        max_tokens: int = 1024,
        client: anthropic.AsyncAnthropic | None = None,
        **options: Unpack[SDKOptions],
    ) -> None:
        super().__init__(model=model, client=client, **options)
        self.max_tokens = max_tokens

    def _new_client(self) -> anthropic.AsyncAnthropic:
        return anthropic.AsyncAnthropic(
            api_key=self._api_key,
            base_url=self._base_url,
            max_retries=self._max_retries,
            timeout=self._request_timeout,
        )

    def request(self, context: LLMContext) -> dict[str, Any]:
        """The ``messages.create`` arguments for ``context`` (without ``stream``)."""
        rendered = to_anthropic(context)
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": rendered.messages,
        }
        if rendered.system:
            kwargs["system"] = rendered.system
        if rendered.tools:
            kwargs["tools"] = rendered.tools
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        kwargs.update(self.extra)
        return kwargs

    def _open(self, context: LLMContext) -> Awaitable[Any]:
        return self.client.messages.create(stream=True, **self.request(context))

    async def _read(self, stream: Any) -> AsyncGenerator[LLMEvent, None]:
        iterator = stream.__aiter__()
        timeout = self.first_token_timeout
        tools: dict[int, list[str]] = {}
        input_tokens = output_tokens = 0
        stop_reason: str | None = None
        while True:
            try:
                event = await next_within(iterator, timeout, self.provider)
            except StopAsyncIteration:
                break
            kind = event.type
            if kind == "content_block_delta":
                # Content has begun: from now on a silence is a stall.
                timeout = self.stall_timeout
                delta = event.delta
                if delta.type == "text_delta":
                    if delta.text:
                        yield TextDelta(delta.text)
                elif delta.type == "input_json_delta":
                    parts = tools.get(event.index)
                    if parts is not None:
                        parts.append(delta.partial_json)
            elif kind == "content_block_start":
                block = event.content_block
                if block.type == "tool_use":
                    tools[event.index] = [block.id, block.name]
            elif kind == "content_block_stop":
                parts = tools.pop(event.index, None)
                if parts is not None:
                    yield parse_tool_arguments(parts[0], parts[1], "".join(parts[2:]))
            elif kind == "message_start":
                input_tokens = event.message.usage.input_tokens or 0
            elif kind == "message_delta":
                stop_reason = event.delta.stop_reason
                output_tokens = event.usage.output_tokens or output_tokens
        yield UsageEvent(input_tokens, output_tokens)
        yield StreamEnd(stop_reason)

    def _error(self, exc: BaseException) -> LLMServiceError:
        """What an ``anthropic`` (or HTTP library) exception means for the caller."""
        return service_error(
            exc,
            "anthropic",
            status_error=anthropic.APIStatusError,
            timeout_error=anthropic.APITimeoutError,
            connection_error=anthropic.APIConnectionError,
            api_error=anthropic.APIError,
            below_400="stream",
        )
