"""What an LLM provider's stream yields, provider-neutral: :data:`LLMEvent`, and the
:class:`LLMService` interface every provider implements.

Why an interface below the processor: the processor (frames, metrics, interruption)
and a fallback chain (move to the next provider when one fails) both need to *drive*
a provider's stream. Each provider therefore exposes one async generator,
:meth:`LLMService.stream`, that turns its wire protocol into these few events and
its failures into :class:`LLMServiceError`. Nothing here knows about frames.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

from framekit.conversation.context import LLMContext

__all__ = [
    "LLMEvent",
    "LLMService",
    "LLMServiceError",
    "StreamEnd",
    "TextDelta",
    "ToolCallEvent",
    "UsageEvent",
]


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the answer's text, as soon as the provider sent it."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallEvent:
    """A tool call whose arguments are complete.

    ``error`` is set (and ``arguments`` empty) when the streamed arguments were not
    a JSON object: the call cannot run, and the model is told so as its result.
    """

    call_id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    raw_arguments: str = ""


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """Token counts the provider reported for this response."""

    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """The provider finished the response (``stop_reason`` in its own words)."""

    stop_reason: str | None = None


LLMEvent = TextDelta | ToolCallEvent | UsageEvent | StreamEnd


class LLMServiceError(Exception):
    """A provider failed: what kind of failure, so a caller can decide to try another.

    ``kind`` is one of ``"rate_limited"``, ``"server"``, ``"client"`` (a 4xx other
    than 429: retrying will not help), ``"connection"``, ``"timeout"``, ``"stall"``
    (no event within the per-chunk timeout) or ``"stream"`` (an error event inside
    the stream). ``status`` is the HTTP status when there was one.
    """

    def __init__(
        self, kind: str, message: str, *, provider: str = "", status: int | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.provider = provider
        self.status = status

    @property
    def retryable(self) -> bool:
        """Whether the same request may work later (everything but a client error)."""
        return self.kind != "client"


class LLMService(ABC):
    """One provider and model, streaming answers to an :class:`LLMContext`."""

    provider: str = "llm"
    """Short provider name for logs and errors (``"anthropic"``, ``"openai"``)."""

    def __init__(self, *, model: str) -> None:
        self.model = model

    @abstractmethod
    def stream(self, context: LLMContext) -> AsyncGenerator[LLMEvent, None]:
        """Answer ``context``: text deltas as they come, then tool calls, usage, the end.

        An async generator. Raises :class:`LLMServiceError` on every provider
        failure. Closing it early (``aclose``, or cancelling the task iterating it)
        closes the HTTP stream before it returns.
        """

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release the client's connections (the end of the call, or of the process)."""
