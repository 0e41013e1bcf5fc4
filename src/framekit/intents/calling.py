"""How the intent engine reaches tools: one callback, and an adapter for the tool registry.

Why a bare callback: the engine must not care whether a tool is a registered
function, an HTTP call or a test double; ``(name, arguments) -> result`` covers
them all. :func:`registry_caller` gives the usual case, the same
:class:`framekit.tools.ToolRegistry` the LLM path uses.

A tool that acts on the live call (pushes a frame, ends or transfers the call,
opens a sensitive entry) needs the :class:`~framekit.tools.ToolContext` the LLM
path gives it. In a pipeline the engine's processor makes one for each tool call
(:data:`ContextMaker`, passed to
:meth:`~framekit.intents.engine.IntentEngine.respond`), and a callback that
takes a keyword argument ``context`` receives it (``None`` outside a pipeline);
:func:`registry_caller`'s does, and hands it to ``registry.execute``. A callback
without that parameter is called as before.

Why the turn's maker travels in a context variable (:func:`turn_contexts`): the
engine's request flow reaches tools from a dozen places; the maker belongs to one
turn of one call, while the engine serves every call, so it cannot be the engine's
attribute, and the call's :class:`~framekit.intents.dialogue.DialogueState` is
copied for trial fills. The variable is set for the length of one
:meth:`~framekit.intents.engine.IntentEngine.respond`, in that call's task only.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeAlias, cast

from framekit.tools.context import ToolContext

__all__ = [
    "ContextMaker",
    "ToolCaller",
    "ToolFailedError",
    "call_tool",
    "registry_caller",
    "takes_context",
    "turn_context",
    "turn_contexts",
]

ToolCaller: TypeAlias = Callable[[str, dict[str, Any]], Any | Awaitable[Any]]
"""Runs a registered tool by name with keyword arguments; may be sync or async.

One that also accepts a keyword argument ``context`` gets each call's
:class:`~framekit.tools.ToolContext` (or ``None`` outside a pipeline).
"""

ContextMaker: TypeAlias = Callable[[str, dict[str, Any]], ToolContext]
"""Makes the :class:`~framekit.tools.ToolContext` of one tool call ``(name, arguments)``."""

_TURN_CONTEXTS: ContextVar[ContextMaker | None] = ContextVar(
    "framekit_intents_turn_contexts", default=None
)


class ToolFailedError(Exception):
    """A tool reported an error instead of a result; the caller hears the intent's failure reply."""


class _TakesContext(Protocol):
    def __call__(
        self, name: str, arguments: dict[str, Any], *, context: ToolContext | None
    ) -> Any: ...


class _Outcome(Protocol):
    @property
    def result(self) -> Any: ...
    @property
    def error(self) -> str | None: ...


class _Executes(Protocol):
    async def execute(
        self, name: str, arguments: dict[str, Any], *, context: ToolContext | None = None
    ) -> _Outcome: ...


def takes_context(tools: ToolCaller) -> bool:
    """Whether the callback ``tools`` accepts a keyword argument ``context``."""
    try:
        parameter = inspect.signature(tools).parameters.get("context")
    except (TypeError, ValueError):  # a builtin or C callable: called the plain way
        return False
    return parameter is not None and parameter.kind in (
        inspect.Parameter.KEYWORD_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )


@contextmanager
def turn_contexts(make: ContextMaker | None) -> Iterator[None]:
    """Tool calls made inside get their contexts from ``make`` (nothing changes for ``None``)."""
    if make is None:
        yield
        return
    token = _TURN_CONTEXTS.set(make)
    try:
        yield
    finally:
        _TURN_CONTEXTS.reset(token)


def turn_context(name: str, arguments: dict[str, Any]) -> ToolContext | None:
    """The context of a tool call made now: from the turn's maker, ``None`` without one."""
    make = _TURN_CONTEXTS.get()
    return make(name, arguments) if make is not None else None


async def call_tool(
    tools: ToolCaller,
    name: str,
    arguments: dict[str, Any],
    context: ToolContext | None,
    *,
    with_context: bool,
) -> Any:
    """``tools(name, arguments)``, with ``context=`` when ``with_context``; awaited if async."""
    if with_context:
        result = cast(_TakesContext, tools)(name, arguments, context=context)
    else:
        result = tools(name, arguments)
    if inspect.isawaitable(result):
        result = await result
    return result


def registry_caller(registry: _Executes) -> ToolCaller:
    """A :data:`ToolCaller` over a :class:`framekit.tools.ToolRegistry`.

    The registry validates and converts the arguments (ISO strings to dates, as
    from an LLM) and bounds each tool with its timeout, and the tool gets the
    call's :class:`~framekit.tools.ToolContext`, so the offline engine and the LLM
    path run the very same tools the same way.
    """

    async def call(
        name: str, arguments: dict[str, Any], *, context: ToolContext | None = None
    ) -> Any:
        outcome = await registry.execute(name, arguments, context=context)
        if outcome.error is not None:
            raise ToolFailedError(outcome.error)
        return outcome.result

    return call
