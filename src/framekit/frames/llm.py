"""Frames between the conversation context, the LLM and the tools it calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from framekit.frames.base import ControlFrame, DataFrame, SystemFrame, Uninterruptible
from framekit.frames.text import TextFrame

if TYPE_CHECKING:
    from framekit.conversation.context import LLMContext

__all__ = [
    "FunctionCallCancelledFrame",
    "FunctionCallRequestedFrame",
    "FunctionCallResultFrame",
    "LLMContextFrame",
    "LLMMessagesFrame",
    "LLMResponseEndFrame",
    "LLMResponseStartFrame",
    "LLMTextFrame",
]


@dataclass(slots=True, eq=False)
class LLMMessagesFrame(DataFrame):
    """Run the LLM on these provider-neutral messages (``{"role": ..., "content": ...}``)."""

    messages: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class LLMContextFrame(DataFrame):
    """Run the LLM on this conversation (a :class:`~framekit.conversation.context.LLMContext`).

    The context object itself travels, not a copy: the aggregators that share it
    keep recording into it, and the LLM reads it when its turn comes.
    """

    context: LLMContext | None = None


@dataclass(slots=True, eq=False)
class LLMResponseStartFrame(ControlFrame):
    """The LLM began a response; ``response_id`` ties its text chunks together."""

    response_id: str = ""


@dataclass(slots=True, eq=False)
class LLMTextFrame(TextFrame):
    """A streamed chunk of the LLM's answer, passed on as soon as it arrives."""

    response_id: str = ""


@dataclass(slots=True, eq=False)
class LLMResponseEndFrame(ControlFrame):
    """The LLM finished a response."""

    response_id: str = ""


@dataclass(slots=True, eq=False)
class FunctionCallRequestedFrame(ControlFrame):
    """The model asked for a tool call.

    Interruptible on purpose: a call requested by a generation the caller
    interrupted must never run after the fact.
    """

    call_id: str = ""
    function_name: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    response_id: str = ""


@dataclass(slots=True, eq=False)
class FunctionCallResultFrame(Uninterruptible, DataFrame):
    """A tool ran; its result must reach the context even through an interruption."""

    call_id: str = ""
    function_name: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    error: str | None = None


@dataclass(slots=True, eq=False)
class FunctionCallCancelledFrame(SystemFrame):
    """A requested tool call was discarded before it started (its generation was interrupted)."""

    call_id: str = ""
    function_name: str = ""
