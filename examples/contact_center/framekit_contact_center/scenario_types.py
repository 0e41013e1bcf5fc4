"""What a ``framekit simulate`` scenario says: the caller's steps and the call's expectations.

Why apart from the parser (:mod:`~framekit_contact_center.scenario`): the simulator
and the benchmarks read these values; only loading a file needs the YAML checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framekit.storage.outcome import Outcome

__all__ = [
    "OUTCOMES",
    "Expectations",
    "Press",
    "Say",
    "Scenario",
    "ScenarioError",
    "Step",
    "ToolExpectation",
    "Wait",
]

OUTCOMES = tuple(outcome.value for outcome in Outcome)
"""A call record's outcomes (:mod:`framekit.storage.outcome`)."""


@dataclass(frozen=True, slots=True)
class Say:
    """The caller says ``text``; with ``barge_in``, that many seconds into the bot's reply."""

    text: str
    barge_in: float | None = None


@dataclass(frozen=True, slots=True)
class Press:
    """The caller presses ``digits`` on the keypad."""

    digits: str


@dataclass(frozen=True, slots=True)
class Wait:
    """The caller stays quiet for ``seconds``."""

    seconds: float


Step = Say | Press | Wait


@dataclass(frozen=True, slots=True)
class ToolExpectation:
    """A tool call to find: ``name``, with at least these ``arguments`` (a subset)."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Expectations:
    """What the call must show; ``None`` (or empty) checks nothing."""

    tools_called: tuple[ToolExpectation, ...] = ()
    tools_not_called: tuple[str, ...] = ()
    outcome: str | None = None
    ended_by: str | None = None
    bot_says: tuple[str, ...] = ()
    max_turn_latency: float | None = None
    interrupted: bool | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    """One parsed, valid scenario file."""

    name: str
    path: Path
    steps: tuple[Step, ...]
    expect: Expectations
    settings: Mapping[str, str] = field(default_factory=dict)
    """Settings overrides, by variable name (``TRANSFER_NUMBER``)."""
    now: dt.datetime | None = None
    """The moment the call takes place on the shop's clock (``None``: the real time).

    A pinned moment makes "tomorrow at 2" and the seeded shop's free slots the same
    on every day the scenario runs, so its expectations can name exact dates."""
    intent: str | None = None
    """What the caller's first turn asks for (an intent name), for measuring recognition."""
    timeout: float = 300.0
    description: str = ""
    lines: Mapping[str, int] = field(default_factory=dict, repr=False)
    """Field path (``steps[1].press``) -> line in the file, for error messages."""

    @property
    def has_barge_in(self) -> bool:
        """A step speaks over the bot (the bot's audio must then play in real time)."""
        return any(isinstance(s, Say) and s.barge_in is not None for s in self.steps)

    def where(self, path: str) -> str:
        """``FILE:LINE: path`` for a field of this scenario."""
        line = self.lines.get(path)
        return f"{self.path}:{line}: {path}" if line else f"{self.path}: {path}"


class ScenarioError(ValueError):
    """One or more scenario files are invalid; ``problems`` lists one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))
