"""Reading a provider's stream with a deadline on every event (stall detection).

A provider that stops sending in the middle of an answer usually keeps the socket
open: without a deadline per event the caller would wait in silence until the
HTTP read timeout, far longer than anyone stays on a phone line. Until the first
content (text or a tool call) arrives the deadline is the longer first-token one,
since a model may think before it speaks; after that, every gap is bounded by the
stall deadline.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable
from typing import TypeVar

from framekit.llm.events import LLMServiceError, ToolCallEvent

__all__ = ["await_within", "next_within", "parse_tool_arguments", "transport_errors"]

T = TypeVar("T")


async def next_within(iterator: AsyncIterator[T], seconds: float | None, provider: str) -> T:
    """The next item of ``iterator`` within ``seconds``, else a ``stall`` error.

    Raises :class:`StopAsyncIteration` at the end of the stream, like ``anext``.
    """
    if seconds is None:
        return await anext(iterator)
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            return await anext(iterator)
    except TimeoutError:
        if deadline.expired():
            raise LLMServiceError(
                "stall", f"{provider}: no data for {seconds:g} s", provider=provider
            ) from None
        raise


async def await_within(awaitable: Awaitable[T], seconds: float | None, provider: str) -> T:
    """``awaitable`` (the request, until the response headers) within ``seconds``."""
    if seconds is None:
        return await awaitable
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            return await awaitable
    except TimeoutError:
        if deadline.expired():
            raise LLMServiceError(
                "stall", f"{provider}: no response within {seconds:g} s", provider=provider
            ) from None
        raise


def parse_tool_arguments(call_id: str, name: str, raw: str) -> ToolCallEvent:
    """A finished tool call; arguments that are not a JSON object become its error."""
    if not raw.strip():
        return ToolCallEvent(call_id, name, {}, raw_arguments=raw)
    try:
        arguments = json.loads(raw)
    except json.JSONDecodeError as exc:
        error = f"the arguments were not valid JSON ({exc.msg}); the tool did not run"
        return ToolCallEvent(call_id, name, error=error, raw_arguments=raw)
    if not isinstance(arguments, dict):
        error = "the arguments were not a JSON object; the tool did not run"
        return ToolCallEvent(call_id, name, error=error, raw_arguments=raw)
    return ToolCallEvent(call_id, name, arguments, raw_arguments=raw)


def transport_errors() -> tuple[type[BaseException], ...]:
    """The HTTP libraries' transport errors (``httpx2`` in new SDKs, ``httpx`` in older).

    The Anthropic SDK lets a reset or timeout in the middle of a stream surface as
    the HTTP library's own error rather than its ``APIConnectionError``.
    """
    found: list[type[BaseException]] = []
    for module_name in ("httpx2", "httpx"):
        try:
            module = __import__(module_name)
        except ImportError:
            continue
        error = getattr(module, "TransportError", None)
        if isinstance(error, type) and issubclass(error, BaseException):
            found.append(error)
    return tuple(found)
