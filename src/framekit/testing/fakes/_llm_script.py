"""What a fake LLM server answers: the turns of a script, shared by the Anthropic and OpenAI fakes.

A script is written once in provider-neutral terms (text, tool calls, HTTP errors) so the same
conversation can drive both fakes; a fallback test can then check that the second provider
continues where the first one failed. Each server turns a step into its own wire format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from framekit.testing.fakes._faults import Fault, MalformedToolArguments

__all__ = [
    "HttpError",
    "Script",
    "ScriptStep",
    "Step",
    "StepFunction",
    "Text",
    "ToolCall",
    "ToolCalls",
    "Turn",
]

_WORDS = re.compile(r"\s*\S+\s*$|\s*\S+")


def split_words(text: str) -> list[str]:
    """Cut text the way a model streams it: one word per delta, each with its leading space."""
    return _WORDS.findall(text) or [text]


def estimate_tokens(text: str) -> int:
    """A rough token count (4 characters a token) so usage numbers grow with the content."""
    return max(1, (len(text) + 3) // 4)


class ScriptStep:
    """Base of every script step, so that a list mixing them (`[HttpError(...), Text(...)]`)
    type-checks as a script."""

    __slots__ = ()


@dataclass(frozen=True)
class Text(ScriptStep):
    """An assistant answer in plain text, streamed one word per delta unless `deltas` is given.

    `truncated` ends the turn as if the model hit its token limit (`max_tokens` / `length`).
    `input_tokens` and `output_tokens` override the rough usage estimate.
    """

    text: str
    deltas: Sequence[str] | None = None
    faults: Sequence[Fault] = ()
    truncated: bool = False
    input_tokens: int | None = None
    output_tokens: int | None = None

    def __post_init__(self) -> None:
        if self.deltas is not None and "".join(self.deltas) != self.text:
            raise ValueError("Text.deltas must join to Text.text")

    def chunks(self) -> list[str]:
        """The text deltas this turn streams, in order."""
        return list(self.deltas) if self.deltas is not None else split_words(self.text)


@dataclass(frozen=True)
class ToolCall:
    """One function call the model asks for.

    `arguments` is a mapping (sent as JSON) or a raw string sent verbatim, which may be invalid
    JSON on purpose. `fragment_size` is how many characters each streamed arguments fragment
    carries: small sizes cut keys, strings and numbers in the middle, as real models do.
    """

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    id: str | None = None
    fragment_size: int = 7

    def arguments_json(self, malformed: MalformedToolArguments | None = None) -> str:
        """The arguments as the JSON text the model streams, broken if `malformed` says so."""
        raw = self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)
        return malformed.corrupt(raw) if malformed is not None else raw

    def fragments(self, malformed: MalformedToolArguments | None = None) -> list[str]:
        """The arguments JSON cut into `fragment_size` pieces."""
        raw = self.arguments_json(malformed)
        size = max(1, self.fragment_size)
        return [raw[i : i + size] for i in range(0, len(raw), size)]


@dataclass(frozen=True)
class ToolCalls(ScriptStep):
    """An assistant turn that calls one or more tools, optionally after a short text preamble."""

    calls: Sequence[ToolCall]
    text: str = ""
    faults: Sequence[Fault] = ()
    input_tokens: int | None = None
    output_tokens: int | None = None

    def __post_init__(self) -> None:
        if not self.calls:
            raise ValueError("ToolCalls needs at least one ToolCall")


@dataclass(frozen=True)
class HttpError(ScriptStep):
    """Answer a request with an HTTP error instead of a turn, in the provider's error format.

    `retry_after` (seconds) is sent as the `retry-after` header, which the SDKs honour when
    they retry. `error_type` overrides the provider's error type for this status. `retryable`
    sends the `x-should-retry` header both SDKs obey (None leaves the choice to the status).
    """

    status: int
    message: str = ""
    retry_after: float | None = None
    error_type: str | None = None
    retryable: bool | None = None

    @classmethod
    def rate_limited(cls, retry_after: float | None = 1.0) -> HttpError:
        """HTTP 429, what a provider answers when the account is over its rate limit."""
        return cls(429, "Rate limit exceeded (fake)", retry_after=retry_after)

    @classmethod
    def server_error(cls) -> HttpError:
        """HTTP 500, an internal error on the provider's side."""
        return cls(500, "Internal server error (fake)")

    @classmethod
    def overloaded(cls, retry_after: float | None = None) -> HttpError:
        """HTTP 529 (Anthropic's "overloaded"); the OpenAI fake answers it the same way."""
        return cls(529, "Overloaded (fake)", retry_after=retry_after)


Turn: TypeAlias = Text | ToolCalls
Step: TypeAlias = Text | ToolCalls | HttpError
StepFunction: TypeAlias = Callable[[dict[str, Any]], Step]
Script: TypeAlias = StepFunction | Sequence[ScriptStep | StepFunction]


def usage_of(turn: Turn, request: Mapping[str, Any]) -> tuple[int, int]:
    """(input, output) token counts: the turn's own numbers, else rough estimates."""
    prompt = json.dumps(request.get("messages", []), sort_keys=True)
    if "system" in request:
        prompt += json.dumps(request["system"])
    output = turn.text
    if isinstance(turn, ToolCalls):
        output += "".join(call.name + call.arguments_json() for call in turn.calls)
    input_tokens = turn.input_tokens if turn.input_tokens is not None else estimate_tokens(prompt)
    output_tokens = (
        turn.output_tokens if turn.output_tokens is not None else estimate_tokens(output)
    )
    return input_tokens, output_tokens


class ScriptCursor:
    """Hands out the script's steps, one per request; a function script answers every request."""

    def __init__(self, script: Script) -> None:
        self._function: StepFunction | None = None
        self._steps: list[ScriptStep | StepFunction] = []
        if callable(script):
            self._function = script
        else:
            self._steps = list(script)
        self._used = 0

    @property
    def used(self) -> int:
        """How many steps have been handed out."""
        return self._used

    def push(self, *steps: ScriptStep | StepFunction) -> None:
        """Append steps to a list script while the server runs."""
        if self._function is not None:
            raise TypeError("cannot push steps onto a function script")
        self._steps.extend(steps)

    def next_step(self, request: dict[str, Any]) -> Step | None:
        """The step that answers `request`, or None when the script has run out."""
        if self._function is not None:
            self._used += 1
            step: object = self._function(request)
        elif self._used >= len(self._steps):
            return None
        else:
            entry = self._steps[self._used]
            self._used += 1
            step = entry(request) if callable(entry) else entry
        if not isinstance(step, Text | ToolCalls | HttpError):
            raise TypeError(f"a script step must be Text, ToolCalls or HttpError, not {step!r}")
        return step
