"""How the intent engine reaches tools: one callback, and an adapter for the tool registry.

Why a bare callback: the engine must not care whether a tool is a registered
function, an HTTP call or a test double; ``(name, arguments) -> result`` covers
them all. :func:`registry_caller` gives the usual case, the same
:class:`framekit.tools.ToolRegistry` the LLM path uses, without this package
importing it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeAlias

__all__ = ["ToolCaller", "ToolFailedError", "registry_caller"]

ToolCaller: TypeAlias = Callable[[str, dict[str, Any]], Any | Awaitable[Any]]
"""Runs a registered tool by name with keyword arguments; may be sync or async."""


class ToolFailedError(Exception):
    """A tool reported an error instead of a result; the caller hears the intent's failure reply."""


class _Outcome(Protocol):
    @property
    def result(self) -> Any: ...
    @property
    def error(self) -> str | None: ...


class _Executes(Protocol):
    async def execute(self, name: str, arguments: dict[str, Any]) -> _Outcome: ...


def registry_caller(registry: _Executes) -> ToolCaller:
    """A :data:`ToolCaller` over a :class:`framekit.tools.ToolRegistry`.

    The registry validates and converts the arguments (ISO strings to dates, as
    from an LLM) and bounds each tool with its timeout, so the offline engine and
    the LLM path run the very same tools the same way.
    """

    async def call(name: str, arguments: dict[str, Any]) -> Any:
        outcome = await registry.execute(name, arguments)
        if outcome.error is not None:
            raise ToolFailedError(outcome.error)
        return outcome.result

    return call
