"""Function calling: tools as typed Python functions, and the processor that runs them.

* :class:`ToolRegistry` / ``@registry.tool``: declare tools; their JSON Schema comes
  from the type hints and docstring; export with ``to_anthropic()`` / ``to_openai()``.
* :class:`ToolRunner`: the pipeline processor that runs the model's tool calls,
  concurrently, once each, with timeouts, and safely through interruptions.
* :class:`ToolContext`: what a tool may know about its call and do to it.

See ``docs/tools.md``.
"""

from framekit.tools.context import ToolContext
from framekit.tools.registry import Tool, ToolOutcome, ToolRegistry, to_jsonable
from framekit.tools.runner import ToolRunner
from framekit.tools.schema import UnsupportedTypeError, json_schema
from framekit.tools.validation import ToolArgumentError

__all__ = [
    "Tool",
    "ToolArgumentError",
    "ToolContext",
    "ToolOutcome",
    "ToolRegistry",
    "ToolRunner",
    "UnsupportedTypeError",
    "json_schema",
    "to_jsonable",
]
