"""The script API that both fake LLM servers re-export, listed once.

A test imports one module: ``from framekit.testing.fakes.anthropic_server import
FakeAnthropicServer, Text, StallAfter`` (the same names from ``openai_server``). Each
server module star-imports this module and appends its ``__all__`` to its own, as
:mod:`asyncio` gathers its submodules, so a name added here reaches both.
"""

from __future__ import annotations

from framekit.testing.fakes._faults import (
    Fault,
    MalformedToolArguments,
    Pace,
    ResetAfter,
    SlowFirstToken,
    StallAfter,
    StreamErrorAfter,
)
from framekit.testing.fakes._llm_script import (
    HttpError,
    Script,
    ScriptStep,
    Step,
    StepFunction,
    Text,
    ToolCall,
    ToolCalls,
)
from framekit.testing.fakes._llm_server import RecordedRequest

__all__ = [
    "Fault",
    "HttpError",
    "MalformedToolArguments",
    "Pace",
    "RecordedRequest",
    "ResetAfter",
    "Script",
    "ScriptStep",
    "SlowFirstToken",
    "StallAfter",
    "Step",
    "StepFunction",
    "StreamErrorAfter",
    "Text",
    "ToolCall",
    "ToolCalls",
]
