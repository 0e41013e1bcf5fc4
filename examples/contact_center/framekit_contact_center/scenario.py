"""Scenario files for ``framekit simulate``: what a caller does, and what the call must show.

A scenario is a small YAML file (``docs/simulate.md`` has the full format)::

    name: Order status by keypad
    steps:
      - say: I'm calling about my order.
      - press: "47290936#"
      - say: That's all, thank you, goodbye.
    expect:
      tools_called:
        - name: order_status
          arguments: {order_number: "47290936"}
      outcome: completed
      bot_says: [is shipped]

Why validation is this strict: a regression test whose expectation is misspelled
(``tool_called``, a tool named ``order_stats``) would pass forever while
checking nothing. Every problem of a file is reported at once, each as
``FILE:LINE: FIELD: what is wrong``, and nothing runs until all files are valid.

This module reads and checks the files; the values they become (:class:`Scenario`,
its steps and :class:`Expectations`) are defined in
:mod:`~framekit_contact_center.scenario_types` and importable from here too.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

from framekit_contact_center.scenario_types import (
    OUTCOMES,
    Expectations,
    Press,
    Say,
    Scenario,
    ScenarioError,
    Step,
    ToolExpectation,
    Wait,
)
from framekit_contact_center.settings import Settings
from framekit_contact_center.tools import TOOL_NAMES

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
    "load_scenario",
    "parse_scenario",
]

_KEYS = frozenset("0123456789*#ABCD")
_DEFAULT_BARGE_IN = 1.0  # seconds of the bot's reply before ``barge_in: true`` cuts in
_SETTINGS = {f.name.upper() for f in fields(Settings)}


def load_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file; raises :class:`ScenarioError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read the file: {exc.strerror or exc}"]) from None
    return parse_scenario(text, path)


def parse_scenario(text: str, path: Path) -> Scenario:
    """Validate a scenario's YAML ``text`` (``path`` names it in messages)."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"{where}: not valid YAML: {problem}"]) from None
    lines: dict[str, int] = {}
    if node is not None:
        _note_lines(node, "", lines)
    return _Parser(path, lines).scenario(data)


def _note_lines(node: Any, prefix: str, lines: dict[str, int]) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = f"{prefix}.{key.value}" if prefix else str(key.value)
            lines[name] = key.start_mark.line + 1
            _note_lines(value, name, lines)
    elif isinstance(node, yaml.SequenceNode):
        for n, item in enumerate(node.value):
            name = f"{prefix}[{n}]"
            lines[name] = item.start_mark.line + 1
            _note_lines(item, name, lines)


class _Parser:
    """Collects every problem of one file, each with its field's path and line."""

    def __init__(self, path: Path, lines: dict[str, int]) -> None:
        self.path = path
        self.lines = lines
        self.problems: list[str] = []

    def fail(self, where: str, problem: str) -> None:
        line, path = self.lines.get(where), where
        while line is None and path:  # a missing field: the line of the nearest parent
            path = path[: max(path.rfind("."), path.rfind("["), 0)]
            line = self.lines.get(path)
        place = f"{self.path}:{line}" if line else str(self.path)
        self.problems.append(f"{place}: {where}: {problem}" if where else f"{place}: {problem}")

    def scenario(self, data: Any) -> Scenario:
        if not isinstance(data, dict):
            self.fail("", "a scenario is a mapping with 'name', 'steps' and 'expect'")
            raise ScenarioError(self.problems)
        self.known(
            data,
            "",
            ("name", "description", "settings", "now", "intent", "steps", "expect", "timeout"),
        )
        name = self.text(data, "name", required=True)
        now = self.moment(data.get("now"))
        intent = self.text(data, "intent")
        description = self.text(data, "description") or ""
        timeout = self.number(data, "timeout", "timeout")
        settings = self.settings(data.get("settings"))
        steps = self.steps(data.get("steps"))
        expect = self.expectations(data.get("expect"))
        if self.problems:
            raise ScenarioError(self.problems)
        return Scenario(
            name=name or "",
            path=self.path,
            steps=steps,
            expect=expect,
            settings=settings,
            now=now,
            intent=intent,
            timeout=300.0 if timeout is None else timeout,
            description=description,
            lines=self.lines,
        )

    # --- sections ------------------------------------------------------------------------

    def settings(self, data: Any) -> dict[str, str]:
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.fail("settings", "must be a mapping of setting names to values")
            return {}
        values = {}
        for key, value in data.items():
            where = f"settings.{key}"
            variable = str(key).upper()
            if variable not in _SETTINGS:
                self.fail(where, f"unknown setting{_suggest(variable, _SETTINGS)}")
            elif isinstance(value, bool) or not isinstance(value, str | int | float):
                self.fail(where, "must be a string or a number")
            else:
                values[variable] = str(value)
        return values

    def steps(self, data: Any) -> tuple[Step, ...]:
        if not isinstance(data, list) or not data:
            self.fail("steps", "must be a non-empty list of steps (say, press or wait)")
            return ()
        steps: list[Step] = []
        for n, item in enumerate(data):
            step = self.step(item, f"steps[{n}]", first=n == 0)
            if step is not None:
                steps.append(step)
        return tuple(steps)

    def step(self, data: Any, where: str, *, first: bool) -> Step | None:
        if not isinstance(data, dict):
            self.fail(where, "must be a mapping like {say: ...}, {press: ...} or {wait: ...}")
            return None
        actions = [key for key in ("say", "press", "wait") if key in data]
        self.known(data, where, ("say", "press", "wait", "barge_in"))
        if len(actions) != 1:
            got = f" (got {', '.join(actions)})" if actions else ""
            self.fail(where, f"needs exactly one of say, press, wait{got}")
            return None
        action = actions[0]
        if "barge_in" in data and action != "say":
            self.fail(f"{where}.barge_in", "only a 'say' step can barge in")
        if action == "say":
            text = self.text(data, "say", where=where, required=True)
            barge_in = self.barge_in(data.get("barge_in"), f"{where}.barge_in", first=first)
            return Say(text, barge_in) if text else None
        if action == "press":
            return self.press(data["press"], f"{where}.press")
        seconds = self.number(data, "wait", f"{where}.wait", limit=600.0)
        return Wait(seconds) if seconds is not None else None

    def barge_in(self, value: Any, where: str, *, first: bool) -> float | None:
        if value is None or value is False:
            return None
        if first:
            self.fail(where, "the first step has no bot reply to barge into")
            return None
        if value is True:
            return _DEFAULT_BARGE_IN
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 60:
            return float(value)
        self.fail(where, f"must be true or seconds into the bot's reply (0 to 60), got {value!r}")
        return None

    def press(self, value: Any, where: str) -> Press | None:
        if not isinstance(value, str):
            self.fail(where, f'must be keys in quotes, like "4729#" (got {value!r})')
            return None
        bad = sorted({key for key in value if key not in _KEYS})
        if not value or bad:
            self.fail(where, f"keys are 0-9, *, # and A-D (got {value!r})")
            return None
        return Press(value)

    def expectations(self, data: Any) -> Expectations:
        if not isinstance(data, dict) or not data:
            self.fail("expect", "must be a mapping of expectations (see docs/simulate.md)")
            return Expectations()
        known = (
            "tools_called",
            "tools_not_called",
            "outcome",
            "ended_by",
            "bot_says",
            "max_turn_latency",
            "interrupted",
        )
        self.known(data, "expect", known)
        outcome = self.choice(data, "outcome", OUTCOMES)
        ended_by = self.choice(data, "ended_by", ("bot", "caller"))
        interrupted = data.get("interrupted")
        if interrupted is not None and not isinstance(interrupted, bool):
            self.fail("expect.interrupted", f"must be true or false, got {interrupted!r}")
            interrupted = None
        return Expectations(
            tools_called=self.tools_called(data.get("tools_called")),
            tools_not_called=tuple(
                self.tool_name(name, f"expect.tools_not_called[{n}]")
                for n, name in enumerate(self.list_of(data, "tools_not_called"))
            ),
            outcome=outcome,
            ended_by=ended_by,
            bot_says=tuple(
                str(phrase)
                for n, phrase in enumerate(self.list_of(data, "bot_says"))
                if self.phrase(phrase, f"expect.bot_says[{n}]")
            ),
            max_turn_latency=self.number(data, "max_turn_latency", "expect.max_turn_latency"),
            interrupted=interrupted,
        )

    def tools_called(self, data: Any) -> tuple[ToolExpectation, ...]:
        expected: list[ToolExpectation] = []
        for n, item in enumerate(self.list_of({"tools_called": data}, "tools_called")):
            where = f"expect.tools_called[{n}]"
            if isinstance(item, str):
                expected.append(ToolExpectation(self.tool_name(item, where)))
                continue
            if not isinstance(item, dict) or "name" not in item:
                self.fail(where, "must be a tool name or {name: ..., arguments: {...}}")
                continue
            self.known(item, where, ("name", "arguments"))
            arguments = item.get("arguments") or {}
            if not isinstance(arguments, dict):
                self.fail(f"{where}.arguments", "must be a mapping of argument names to values")
                arguments = {}
            name = self.tool_name(item["name"], f"{where}.name")
            expected.append(ToolExpectation(name, {str(k): v for k, v in arguments.items()}))
        return tuple(expected)

    # --- values --------------------------------------------------------------------------

    def moment(self, value: Any) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time(9))
        try:
            return dt.datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(
                "now", f"must be a date or a date and time, like 2026-12-09T09:30 ({value!r})"
            )
            return None

    def known(self, data: dict[Any, Any], where: str, allowed: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                path = f"{where}.{key}" if where else str(key)
                self.fail(path, f"unknown field{_suggest(str(key), allowed)}")

    def text(
        self, data: dict[Any, Any], key: str, *, where: str = "", required: bool = False
    ) -> str | None:
        path = f"{where}.{key}" if where else key
        value = data.get(key)
        if value is None:
            if required:
                self.fail(path, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"must be non-empty text, got {value!r}")
            return None
        return value.strip()

    def number(
        self, data: dict[Any, Any], key: str, where: str, limit: float = 3600.0
    ) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= limit:
            self.fail(
                where, f"must be a number of seconds above 0, at most {limit:g} (got {value!r})"
            )
            return None
        return float(value)

    def choice(self, data: dict[Any, Any], key: str, choices: tuple[str, ...]) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if value not in choices:
            self.fail(f"expect.{key}", f"must be one of {', '.join(choices)} (got {value!r})")
            return None
        return str(value)

    def list_of(self, data: dict[Any, Any], key: str) -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            self.fail(f"expect.{key}", f"must be a list, got {value!r}")
            return []
        return value

    def tool_name(self, value: Any, where: str) -> str:
        if value not in TOOL_NAMES:
            self.fail(where, f"unknown tool {value!r}{_suggest(str(value), TOOL_NAMES)}")
        return str(value)

    def phrase(self, value: Any, where: str) -> bool:
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"must be non-empty text, got {value!r}")
            return False
        return True


def _suggest(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, sorted(choices), n=1)
    if match:
        return f" (did you mean {match[0]!r}?)"
    return f" (expected one of: {', '.join(sorted(choices))})"
