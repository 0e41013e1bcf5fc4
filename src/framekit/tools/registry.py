"""Tools as plain typed Python functions: :class:`ToolRegistry` and :class:`Tool`.

::

    tools = ToolRegistry()

    @tools.tool
    async def order_status(order_number: str) -> dict[str, str]:
        \"\"\"Look up where an order is.

        Args:
            order_number: The number on the confirmation email.
        \"\"\"
        return {"status": "shipped"}

    tools.to_anthropic()  # [{"name": "order_status", "description": ..., "input_schema": ...}]

The schema comes from the type hints and the docstring (:mod:`framekit.tools.schema`,
:mod:`framekit.tools.docstrings`), the arguments are checked against the same hints
before the call (:mod:`framekit.tools.validation`), and :meth:`ToolRegistry.execute`
never raises for a tool's failure: a bad argument, an exception or a timeout comes
back as a :class:`ToolOutcome` with ``error`` set, which goes to the model as the
tool's result. The LLM path (:class:`~framekit.tools.runner.ToolRunner`) and the
offline intent engine call tools through the same :meth:`ToolRegistry.execute`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import enum
import inspect
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar, get_type_hints, overload

from loguru import logger

from framekit.clock import Clock, SystemClock
from framekit.models.scheduling import FairExecutor
from framekit.tools.context import ToolContext
from framekit.tools.docstrings import parse_docstring
from framekit.tools.schema import JsonSchema, json_schema, split_annotated
from framekit.tools.validation import ToolArgumentError, coerce

__all__ = ["Tool", "ToolOutcome", "ToolRegistry", "to_jsonable"]

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_TIMEOUT = 10.0
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


_TOOL_THREADS = FairExecutor(16, name="framekit-tools")
"""Where synchronous tools run: bounded, and apart from the event loop's default pool and
the models' threads, so a slow database behind a tool cannot starve a health check or a
decode. A tool past its timeout is abandoned, and its thread is back when it returns."""


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """What one tool call produced: a JSON-ready ``result``, or an ``error`` for the model."""

    result: Any = None
    error: str | None = None
    timed_out: bool = False


@dataclass(frozen=True, slots=True)
class Tool:
    """One registered function and everything derived from it once, at registration."""

    name: str
    description: str
    parameters: JsonSchema
    function: Callable[..., Any]
    timeout: float
    is_async: bool
    context_parameter: str | None = None
    _hints: dict[str, Any] = field(default_factory=dict, repr=False)
    _required: frozenset[str] = field(default_factory=frozenset, repr=False)

    @classmethod
    def from_function(
        cls,
        function: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Tool:
        """Derive a tool from ``function``'s signature, type hints and docstring."""
        tool_name = name or function.__name__
        if not _NAME.match(tool_name):
            raise ValueError(f"tool name {tool_name!r} must match {_NAME.pattern}")
        if not timeout > 0:
            raise ValueError(f"tool {tool_name}: timeout must be positive, got {timeout}")
        doc = parse_docstring(inspect.getdoc(function))
        hints = get_type_hints(function, include_extras=True)
        properties: dict[str, JsonSchema] = {}
        param_hints: dict[str, Any] = {}
        required: list[str] = []
        context_parameter: str | None = None
        for param in inspect.signature(function).parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                raise TypeError(f"tool {tool_name}: *args and **kwargs cannot be described")
            if param.kind is param.POSITIONAL_ONLY:
                raise TypeError(f"tool {tool_name}: positional-only parameter {param.name}")
            hint = hints.get(param.name, Any)
            if split_annotated(hint)[0] is ToolContext:
                context_parameter = param.name
                continue
            schema = dict(json_schema(hint))
            if param.name in doc.params and "description" not in schema:
                schema["description"] = doc.params[param.name]
            if param.default is inspect.Parameter.empty:
                required.append(param.name)
            elif _is_json_scalar(param.default):
                schema["default"] = param.default
            properties[param.name] = schema
            param_hints[param.name] = hint
        parameters: JsonSchema = {"type": "object", "properties": properties}
        if required:
            parameters["required"] = required
        parameters["additionalProperties"] = False
        return cls(
            name=tool_name,
            description=description if description is not None else doc.description,
            parameters=parameters,
            function=function,
            timeout=timeout,
            is_async=inspect.iscoroutinefunction(function),
            context_parameter=context_parameter,
            _hints=param_hints,
            _required=frozenset(required),
        )

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments to call the function with; raises :class:`ToolArgumentError`."""
        if not isinstance(arguments, dict):
            raise ToolArgumentError("(arguments)", f"expected an object, got {type(arguments)}")
        unknown = sorted(set(arguments) - set(self._hints))
        if unknown:
            known = ", ".join(self._hints) or "none"
            raise ToolArgumentError(unknown[0], f"unknown argument (known: {known})")
        missing = sorted(self._required - set(arguments))
        if missing:
            raise ToolArgumentError(missing[0], "is required")
        return {key: coerce(value, self._hints[key], key) for key, value in arguments.items()}

    def schema(self) -> dict[str, Any]:
        """Provider-neutral description: ``{name, description, parameters}``."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}

    def to_anthropic(self) -> dict[str, Any]:
        """Anthropic Messages API tool: ``{name, description, input_schema}``."""
        return {"name": self.name, "description": self.description, "input_schema": self.parameters}

    def to_openai(self) -> dict[str, Any]:
        """OpenAI Chat Completions tool: ``{type: function, function: {...}}``."""
        return {"type": "function", "function": self.schema()}


class ToolRegistry:
    """The tools a conversation may use, by name."""

    def __init__(self, *, default_timeout: float = DEFAULT_TIMEOUT) -> None:
        self.default_timeout = default_timeout
        self._tools: dict[str, Tool] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def get(self, name: str) -> Tool | None:
        """The tool called ``name``, if registered."""
        return self._tools.get(name)

    def add(self, tool: Tool) -> Tool:
        """Register ``tool``; a second tool with the same name is refused."""
        if tool.name in self._tools:
            raise ValueError(f"a tool named {tool.name!r} is already registered")
        self._tools[tool.name] = tool
        return tool

    @overload
    def tool(self, function: F) -> F: ...

    @overload
    def tool(
        self,
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
    ) -> Callable[[F], F]: ...

    def tool(
        self,
        function: F | None = None,
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
    ) -> F | Callable[[F], F]:
        """Register a function as a tool: ``@registry.tool`` or ``@registry.tool(timeout=3)``.

        The function itself is returned unchanged, so it stays callable and testable
        as plain Python.
        """

        def register(fn: F) -> F:
            self.add(
                Tool.from_function(
                    fn,
                    name=name,
                    description=description,
                    timeout=timeout if timeout is not None else self.default_timeout,
                )
            )
            return fn

        return register(function) if function is not None else register

    def schemas(self) -> list[dict[str, Any]]:
        """Every tool, provider-neutral."""
        return [tool.schema() for tool in self]

    def to_anthropic(self) -> list[dict[str, Any]]:
        """Every tool in the Anthropic Messages ``tools`` format."""
        return [tool.to_anthropic() for tool in self]

    def to_openai(self) -> list[dict[str, Any]]:
        """Every tool in the OpenAI Chat Completions ``tools`` format."""
        return [tool.to_openai() for tool in self]

    async def execute(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        context: ToolContext | None = None,
        clock: Clock | None = None,
    ) -> ToolOutcome:
        """Validate, call with the tool's timeout, and report; never raises for the tool.

        Sync functions run in a worker thread so a blocking one cannot stall every
        call in the process; on timeout the thread is abandoned (Python cannot stop
        it) and the outcome says so. Only cancellation of the awaiting task
        propagates.
        """
        tool = self._tools.get(name)
        if tool is None:
            known = ", ".join(self._tools) or "none"
            return ToolOutcome(error=f"unknown tool {name!r} (available: {known})")
        try:
            kwargs = tool.validate(arguments)
        except ToolArgumentError as exc:
            return ToolOutcome(error=f"invalid arguments for {name}: {exc}")
        if tool.context_parameter is not None:
            kwargs[tool.context_parameter] = context or ToolContext(
                call_id="", function_name=name, arguments=dict(arguments)
            )
        try:
            value = await _call_with_timeout(tool, kwargs, clock or _SYSTEM_CLOCK)
        except TimeoutError:
            message = f"{name} did not finish within {tool.timeout:g} s"
            logger.warning(message)
            return ToolOutcome(error=message, timed_out=True)
        except Exception as exc:
            logger.opt(exception=exc).warning(f"tool {name} failed")
            return ToolOutcome(error=f"{name} failed: {type(exc).__name__}: {exc}")
        return ToolOutcome(result=to_jsonable(value))


_SYSTEM_CLOCK = SystemClock()


async def _call_with_timeout(tool: Tool, kwargs: dict[str, Any], clock: Clock) -> Any:
    """Await the tool, cancelling it at ``tool.timeout`` on the call's clock.

    The clock (not :func:`asyncio.timeout`) keeps timeouts testable with a manual
    clock. Our own cancel is told apart from an outside one with ``uncancel``, as
    :func:`asyncio.timeout` does.
    """
    task = asyncio.current_task()
    assert task is not None
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    handle = clock.call_later(tool.timeout, expire) if math.isfinite(tool.timeout) else None
    try:
        if tool.is_async:
            value = await tool.function(**kwargs)
        else:
            value = await _TOOL_THREADS.run(partial(tool.function, **kwargs))
    except asyncio.CancelledError:
        if expired and task.uncancel() == 0:
            raise TimeoutError from None
        raise
    finally:
        if handle is not None:
            handle.cancel()
    if expired:
        task.uncancel()  # the tool swallowed our cancel and returned anyway: keep its value
    return value


def _is_json_scalar(value: Any) -> bool:
    return value is None or type(value) in (str, int, float, bool)


def to_jsonable(value: Any) -> Any:
    """``value`` made of JSON types only, so every provider adapter can serialize it.

    Dataclasses become objects, enums their values, dates ISO strings, tuples and
    sets lists; anything else unknown becomes its ``str``.
    """
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(item) for item in value]
    return str(value)
