"""What the SDK-backed LLM services share: a deadline on every event of a stream.

A provider that stops sending in the middle of an answer usually keeps the socket
open: without a deadline per event the caller would wait in silence until the
HTTP read timeout, far longer than anyone stays on a phone line. Until the first
content (text or a tool call) arrives the deadline is the longer first-token one,
since a model may think before it speaks; after that, every gap is bounded by the
stall deadline.

It also holds what the SDK-backed services share beyond the stream: the mapping
of an SDK's failures to :class:`LLMServiceError` kinds (:func:`service_error`),
closing a client only when the service created it (:class:`OwnedClient`), the
guard around every stream (:func:`guarded_stream`, used by :class:`SDKService`),
and the keyword arguments every SDK service takes (:class:`SDKOptions`).
"""

from __future__ import annotations

import asyncio
import json
from abc import abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Any, Generic, Protocol, TypedDict, TypeVar, Unpack

from framekit.conversation.context import LLMContext
from framekit.llm.events import LLMEvent, LLMService, LLMServiceError, ToolCallEvent

__all__ = [
    "OwnedClient",
    "SDKOptions",
    "SDKService",
    "await_within",
    "guarded_stream",
    "kind_for_status",
    "next_within",
    "parse_tool_arguments",
    "service_error",
    "transport_errors",
]

T = TypeVar("T")


class _Closeable(Protocol):
    async def close(self) -> None: ...


C = TypeVar("C", bound=_Closeable)
S = TypeVar("S", bound=_Closeable)


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


_TRANSPORT_ERRORS = transport_errors()


def kind_for_status(status: int, *, below_400: str) -> str:
    """The error kind of an HTTP status the SDK raised on.

    ``below_400`` is what a non-error status means for that SDK: the Anthropic SDK
    raises its status error for an ``error`` event in the middle of a 200 stream
    (``"stream"``); the OpenAI SDK raises it for error responses, so this keeps "client".
    """
    if status == 429:
        return "rate_limited"
    if status >= 500:
        return "server"
    if status >= 400:
        return "client"
    return below_400


def service_error(
    exc: BaseException,
    provider: str,
    *,
    status_error: type[Exception],
    timeout_error: type[Exception],
    connection_error: type[Exception],
    api_error: type[Exception] | None = None,
    below_400: str = "client",
) -> LLMServiceError:
    """What an SDK (or HTTP library) exception means for the caller.

    The SDKs share a shape (a status error with ``status_code``, a timeout error
    that is a connection error), so one mapping serves both; each passes its own
    classes. ``api_error``, when given, is the SDK's base error, reported by its
    message rather than its ``repr``. The timeout class is tested before the
    connection class because it is a subclass of it.
    """
    if isinstance(exc, LLMServiceError):
        return exc
    if isinstance(exc, status_error):
        status: int = getattr(exc, "status_code")  # noqa: B009 - not on the base type
        kind = kind_for_status(status, below_400=below_400)
        return LLMServiceError(kind, f"{provider}: {exc}", provider=provider, status=status)
    if isinstance(exc, timeout_error):
        return LLMServiceError("timeout", f"{provider}: {exc}", provider=provider)
    if isinstance(exc, connection_error):
        return LLMServiceError("connection", f"{provider}: {exc}", provider=provider)
    if _TRANSPORT_ERRORS and isinstance(exc, _TRANSPORT_ERRORS):
        kind = "timeout" if "Timeout" in type(exc).__name__ else "connection"
        return LLMServiceError(kind, f"{provider}: {exc!r}", provider=provider)
    if api_error is not None and isinstance(exc, api_error):
        return LLMServiceError("stream", f"{provider}: {exc}", provider=provider)
    return LLMServiceError("stream", f"{provider}: {exc!r}", provider=provider)


class OwnedClient(Generic[C]):
    """An SDK client that is closed by :meth:`close` only if the service created it.

    A client passed in is shared (its connection pool serves other services), so
    closing it is its owner's job. After :meth:`close` the service makes a new
    client on next use.
    """

    _client: C | None
    _owns_client: bool

    def _adopt_client(self, client: C | None) -> None:
        self._client = client
        self._owns_client = client is None

    async def close(self) -> None:
        """Close the client if this service created it."""
        if self._client is not None and self._owns_client:
            client, self._client = self._client, None
            await client.close()


async def guarded_stream(
    open_stream: Callable[[], Awaitable[S]],
    read: Callable[[S], AsyncGenerator[LLMEvent, None]],
    *,
    first_token_timeout: float | None,
    provider: str,
    to_error: Callable[[BaseException], LLMServiceError],
) -> AsyncGenerator[LLMEvent, None]:
    """The events ``read`` makes of the SDK stream, every failure as an LLMServiceError.

    The request is opened within ``first_token_timeout``; the SDK stream is closed
    however the reading ends (done, failed, or the caller stopped early), so no
    connection is left half-read. ``open_stream`` is called inside the guard, so an
    SDK that fails while building the request is mapped too.
    """
    try:
        stream = await await_within(open_stream(), first_token_timeout, provider)
    except Exception as exc:
        raise to_error(exc) from exc
    try:
        async with aclosing(read(stream)) as events:
            async for event in events:
                yield event
    except LLMServiceError:
        raise
    except Exception as exc:
        raise to_error(exc) from exc
    finally:
        await stream.close()


class SDKOptions(TypedDict, total=False):
    """The keyword arguments every SDK-backed service takes, with the same defaults.

    ``api_key`` and ``base_url`` (default ``None``: the SDK's own environment
    variable and endpoint), ``temperature`` (``None``: the model's default),
    ``max_retries`` (1: the SDK's own retries, which honour ``retry-after``),
    ``request_timeout`` (30 s, the SDK's HTTP timeout), ``first_token_timeout``
    (10 s) and ``stall_timeout`` (5 s) for :func:`next_within`, and ``extra``
    (request arguments added as they are). A provider's service takes these as
    keyword arguments beside its own (``model``, ``max_tokens``, ``client``...).
    """

    api_key: str | None
    base_url: str | None
    temperature: float | None
    max_retries: int
    request_timeout: float
    first_token_timeout: float | None
    stall_timeout: float | None
    extra: dict[str, Any] | None


class SDKService(OwnedClient[C], LLMService):
    """A service over a provider SDK: the options, the client and the guard, written once.

    A provider says how to make its client (:meth:`_new_client`), how to open the
    request (:meth:`_open`), what its events mean (:meth:`_read`) and what its
    failures mean (:meth:`_error`).
    """

    def __init__(self, *, model: str, client: C | None, **options: Unpack[SDKOptions]) -> None:
        super().__init__(model=model)
        self._api_key = options.get("api_key")
        self._base_url = options.get("base_url")
        self.temperature = options.get("temperature")
        self._max_retries = options.get("max_retries", 1)
        self._request_timeout = options.get("request_timeout", 30.0)
        self.first_token_timeout = options.get("first_token_timeout", 10.0)
        self.stall_timeout = options.get("stall_timeout", 5.0)
        self.extra = dict(options.get("extra") or {})
        self._adopt_client(client)

    @property
    def client(self) -> C:
        """The SDK client, created on first use (and again after :meth:`close`)."""
        if self._client is None:
            self._client = self._new_client()
        return self._client

    @abstractmethod
    def _new_client(self) -> C:
        """A new SDK client from the options (``api_key``, ``base_url``, retries, timeout)."""

    def stream(self, context: LLMContext) -> AsyncGenerator[LLMEvent, None]:
        return guarded_stream(
            lambda: self._open(context),
            self._read,
            first_token_timeout=self.first_token_timeout,
            provider=self.provider,
            to_error=self._error,
        )

    @abstractmethod
    def _open(self, context: LLMContext) -> Awaitable[Any]:
        """The SDK's streaming request for ``context`` (not yet awaited)."""

    @abstractmethod
    def _read(self, stream: Any) -> AsyncGenerator[LLMEvent, None]:
        """The events of one SDK stream (closing it and mapping errors is the guard's)."""

    @abstractmethod
    def _error(self, exc: BaseException) -> LLMServiceError:
        """What one of the SDK's (or the HTTP library's) exceptions means."""
