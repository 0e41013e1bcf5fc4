"""Scenario files: the format parses as documented, and every mistake is named with its line."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("yaml")

from framekit_contact_center.scenario import (
    Expectations,
    Press,
    Say,
    ScenarioError,
    ToolExpectation,
    Wait,
    load_scenario,
    parse_scenario,
)
from framekit_contact_center.simulate import (
    CallSummary,
    ToolUse,
    check_call,
    scenario_settings,
    simulate,
    summarize,
)

from framekit.cli.main import main
from framekit.frames import FunctionCallResultFrame

SCENARIOS = Path(__file__).parents[2] / "examples" / "contact_center" / "scenarios"
FILE = Path("s.yaml")

VALID = """\
name: Everything at once
description: One of each step.
settings:
  transfer_number: "+15550100"
timeout: 90
steps:
  - say: I'm calling about my order.
  - press: "4729#"
  - wait: 1.5
  - say: Sorry, one more thing.
    barge_in: true
  - say: And another.
    barge_in: 0.5
expect:
  tools_called:
    - end_call
    - name: order_status
      arguments: {order_number: 4729}
  tools_not_called: [transfer_to_human]
  outcome: resolved
  ended_by: bot
  bot_says: is shipped
  max_turn_latency: 8
  interrupted: true
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(textwrap.dedent(text), FILE)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_a_valid_file_parses_to_its_steps_and_expectations() -> None:
    scenario = parse_scenario(VALID, FILE)
    assert scenario.name == "Everything at once"
    assert scenario.settings == {"TRANSFER_NUMBER": "+15550100"}
    assert scenario.timeout == 90.0
    assert scenario.steps == (
        Say("I'm calling about my order."),
        Press("4729#"),
        Wait(1.5),
        Say("Sorry, one more thing.", barge_in=1.0),
        Say("And another.", barge_in=0.5),
    )
    assert scenario.has_barge_in
    assert scenario.expect == Expectations(
        tools_called=(
            ToolExpectation("end_call"),
            ToolExpectation("order_status", {"order_number": 4729}),
        ),
        tools_not_called=("transfer_to_human",),
        outcome="resolved",
        ended_by="bot",
        bot_says=("is shipped",),
        max_turn_latency=8.0,
        interrupted=True,
    )
    assert scenario.where("steps[1].press") == "s.yaml:8: steps[1].press"


def test_the_shipped_example_scenarios_are_valid() -> None:
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert len(files) >= 6
    for path in files:
        scenario = load_scenario(path)
        assert scenario.steps, path
        assert scenario.expect != Expectations(), path
        scenario_settings(scenario, environ={}, env_file=None)
    kinds = {type(s) for path in files for s in load_scenario(path).steps}
    assert kinds >= {Say, Press}
    assert any(load_scenario(p).has_barge_in for p in files)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: [unclosed\n", "s.yaml:2: not valid YAML: "),
        ("- just a list\n", "s.yaml: a scenario is a mapping with 'name', 'steps' and 'expect'"),
        (
            "steps: [{say: hi}]\nexpect: {outcome: resolved}\n",
            "s.yaml: name: is required",
        ),
        (
            "name: n\nsteps: [{say: hi}]\nexpects: {outcome: resolved}\n",
            "s.yaml:3: expects: unknown field (did you mean 'expect'?)",
        ),
        (
            "name: n\nsteps: []\nexpect: {outcome: resolved}\n",
            "s.yaml:2: steps: must be a non-empty",
        ),
        (
            "name: n\nsteps:\n  - say: hi\n    press: '1'\nexpect: {outcome: resolved}\n",
            "s.yaml:3: steps[0]: needs exactly one of say, press, wait (got say, press)",
        ),
        (
            "name: n\nsteps:\n  - say: hi\n  - press: 4729\nexpect: {outcome: resolved}\n",
            's.yaml:4: steps[1].press: must be keys in quotes, like "4729#" (got 4729)',
        ),
        (
            "name: n\nsteps:\n  - press: '12x'\nexpect: {outcome: resolved}\n",
            "s.yaml:3: steps[0].press: keys are 0-9, *, # and A-D (got '12x')",
        ),
        (
            "name: n\nsteps:\n  - say: hi\n    barge_in: true\nexpect: {outcome: resolved}\n",
            "s.yaml:4: steps[0].barge_in: the first step has no bot reply to barge into",
        ),
        (
            "name: n\nsteps:\n  - say: hi\n  - press: '1'\n    barge_in: 1\n"
            "expect: {outcome: resolved}\n",
            "s.yaml:5: steps[1].barge_in: only a 'say' step can barge in",
        ),
        (
            "name: n\nsteps:\n  - say: hi\n  - say: again\n    barge_in: soon\n"
            "expect: {outcome: resolved}\n",
            "steps[1].barge_in: must be true or seconds into the bot's reply (0 to 60), got 'soon'",
        ),
        (
            "name: n\nsteps:\n  - wait: -1\nexpect: {outcome: resolved}\n",
            "s.yaml:3: steps[0].wait: must be a number of seconds above 0, at most 600 (got -1)",
        ),
        (
            "name: n\nsteps:\n  - shout: hi\nexpect: {outcome: resolved}\n",
            "s.yaml:3: steps[0]: needs exactly one of say, press, wait",
        ),
        ("name: n\nsteps: [{say: hi}]\n", "s.yaml: expect: must be a mapping of expectations"),
        (
            "name: n\nsteps: [{say: hi}]\nexpect:\n  tools_called:\n    - order_stats\n",
            "s.yaml:5: expect.tools_called[0]: unknown tool 'order_stats' "
            "(did you mean 'order_status'?)",
        ),
        (
            "name: n\nsteps: [{say: hi}]\nexpect:\n  tools_called:\n    - name: end_call\n"
            "      args: {}\n",
            "s.yaml:6: expect.tools_called[0].args: unknown field (did you mean 'arguments'?)",
        ),
        (
            "name: n\nsteps: [{say: hi}]\nexpect:\n  outcome: done\n",
            "s.yaml:4: expect.outcome: must be one of resolved, transferred, unresolved, "
            "abandoned, failed (got 'done')",
        ),
        (
            "name: n\nsteps: [{say: hi}]\nexpect:\n  interrupted: maybe\n",
            "s.yaml:4: expect.interrupted: must be true or false, got 'maybe'",
        ),
        (
            "name: n\nsettings:\n  TRANSFER_NUMBR: '+15550100'\nsteps: [{say: hi}]\n"
            "expect: {outcome: resolved}\n",
            "s.yaml:3: settings.TRANSFER_NUMBR: unknown setting (did you mean 'TRANSFER_NUMBER'?)",
        ),
    ],
)
def test_each_mistake_is_named_with_its_line(text: str, expected: str) -> None:
    problems = _problems(text)
    assert any(expected in problem for problem in problems), problems


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    problems = _problems(
        """\
        name: ""
        steps:
          - say: hi
          - press: 12
        expect:
          outcome: finished
          tools_not_called: [hang_up]
        """
    )
    assert [p.split(": ")[0] for p in problems] == ["s.yaml:1", "s.yaml:4", "s.yaml:6", "s.yaml:7"]


def test_a_bad_setting_value_names_the_scenario_line() -> None:
    scenario = parse_scenario(
        "name: n\nsettings:\n  transfer_number: '555'\nsteps: [{say: hi}]\n"
        "expect: {outcome: transferred}\n",
        FILE,
    )
    with pytest.raises(ScenarioError) as caught:
        scenario_settings(scenario, environ={}, env_file=None)
    [problem] = caught.value.problems
    assert problem.startswith("s.yaml:3: settings.transfer_number: must be a phone number")


def test_invalid_files_exit_2_before_any_call_runs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: n\nsteps: [{say: hi}]\nexpect: {outcome: done}\n")
    good = tmp_path / "good.yaml"
    good.write_text("name: n\nsteps: [{say: hi}]\nexpect: {outcome: resolved}\n")
    out, err = io.StringIO(), io.StringIO()
    status = simulate([good, bad, tmp_path / "missing.yaml"], out=out, err=err, environ={})
    assert status == 2
    assert out.getvalue() == ""  # nothing ran
    lines = err.getvalue().splitlines()
    assert lines[0] == "framekit simulate: 2 problem(s):"
    assert lines[1].startswith(f"  {bad}:3: expect.outcome: must be one of")
    assert lines[2].startswith(f"  {tmp_path / 'missing.yaml'}: cannot read the file")


def test_the_command_is_registered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: n\nsteps: [{say: hi}]\nexpect: {ended_by: nobody}\n")
    assert main(["simulate", "--fast", str(bad)]) == 2
    assert "expect.ended_by: must be one of bot, caller" in capsys.readouterr().err


# --- checks against a call, without models ------------------------------------------------


def _call(**overrides: Any) -> Any:
    """What ``check_call`` reads of an offline ``CallResult``."""
    tools = [
        FunctionCallResultFrame(
            call_id="1",
            function_name="order_status",
            arguments={"order_number": "4729"},
            result={"status": "shipped"},
        ),
        FunctionCallResultFrame(call_id="2", function_name="end_call", arguments={}, result={}),
    ]
    console = SimpleNamespace(
        tools=tools,
        replies=["Order 4 7 2 9 is  Shipped.", "Goodbye!"],
        interruptions=0,
        ended_by_bot="hang_up",
    )
    task = SimpleNamespace(
        end_reason="caller hung up", metrics=SimpleNamespace(turn_latencies=[1.2, 2.5])
    )
    call = SimpleNamespace(
        console=console,
        task=task,
        caller=SimpleNamespace(unanswered=0),
        outcome="resolved",
        wall=10.0,
    )
    for key, value in overrides.items():
        setattr(call, key, value)
    return call


def _verdicts(expect: Expectations, call: Any) -> dict[str, tuple[bool, str]]:
    """The checks of a spoken call, read through its summary as ``framekit simulate`` does."""
    return {c.label: (c.passed, c.detail) for c in check_call(expect, summarize(call))}


def test_a_text_conversation_is_not_held_to_audio_expectations() -> None:
    expect = Expectations(
        tools_called=(ToolExpectation("order_status"),), max_turn_latency=1.0, interrupted=True
    )
    summary = CallSummary(tools=[ToolUse("order_status", {"order_number": "4729"}, {})])
    labels = [c.label for c in check_call(expect, summary)]
    assert labels == [
        "the call ended before the timeout",
        "the bot answered every caller turn",
        "tool called: order_status()",
    ]  # no audio: latency and barge-in are not measured, so not claimed either


def test_expectations_that_hold_pass() -> None:
    expect = Expectations(
        tools_called=(ToolExpectation("order_status", {"order_number": 4729}),),
        tools_not_called=("transfer_to_human",),
        outcome="resolved",
        ended_by="bot",
        bot_says=("IS SHIPPED", "goodbye"),
        max_turn_latency=3.0,
        interrupted=False,
    )
    verdicts = _verdicts(expect, _call())
    assert all(passed for passed, _ in verdicts.values()), verdicts
    assert len(verdicts) == 2 + 8  # the two built-in checks, then one per expected thing


def test_expectations_that_do_not_hold_fail_and_say_what_happened() -> None:
    expect = Expectations(
        tools_called=(
            ToolExpectation("order_status", {"order_number": "1111"}),
            ToolExpectation("faq_answer"),
        ),
        tools_not_called=("end_call",),
        outcome="transferred",
        ended_by="caller",
        bot_says=("is delivered",),
        max_turn_latency=2.0,
        interrupted=True,
    )
    call = _call()
    call.caller.unanswered = 1
    call.task.end_reason = "the call took too long"
    verdicts = _verdicts(expect, call)
    assert not any(passed for passed, _ in verdicts.values()), verdicts
    calls = "tools called: order_status(order_number='4729'), end_call()"
    assert verdicts["tool called: order_status(order_number='1111')"][1] == calls
    assert verdicts["tool not called: end_call"][1] == "end_call()"
    assert verdicts["outcome: transferred"][1] == "resolved"
    assert verdicts["ended by: caller"][1] == "bot"
    assert verdicts["bot says: 'is delivered'"][1] == "not in any of the bot's 2 replies"
    assert verdicts["every turn's latency at most 2 s"][1] == "max 2.50 s over 2 turns"
    assert verdicts["the caller interrupted the bot"][1] == "0 interruption(s)"
    assert verdicts["the bot answered every caller turn"][1] == "1 turn(s) unanswered"
    assert verdicts["the call ended before the timeout"][1] == "cancelled after 10 s"
