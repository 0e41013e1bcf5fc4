"""Plugins and commands are discovered through real entry points; the CLI lists and runs them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from framekit.cli import main
from framekit.cli.commands import discover_commands
from framekit.frames import TextFrame
from framekit.plugins import PluginError, available_plugins, load_plugin
from framekit.testing import run_processor


@pytest.fixture
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A distribution on sys.path, as pip would install it, declaring two entry points."""
    (tmp_path / "shout_plugin.py").write_text(
        textwrap.dedent(
            """
            from framekit.frames import TextFrame
            from framekit.processors import FrameProcessor, on_frame

            class Shout(FrameProcessor):
                @on_frame(TextFrame)
                async def _text(self, frame, direction):
                    await self.push_frame(TextFrame(text=frame.text.upper()), direction)

            NOT_A_PROCESSOR = 42
            """
        )
    )
    info = tmp_path / "shout_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shout-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[framekit.processors]\nshout = shout_plugin:Shout\nbroken = shout_plugin:NOT_A_PROCESSOR\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_installed_plugins_are_discovered(installed_plugin: Path) -> None:
    plugins = available_plugins()
    assert plugins["shout"].target == "shout_plugin:Shout"
    assert plugins["shout"].distribution == "shout-plugin"


async def test_a_loaded_plugin_is_a_working_processor(installed_plugin: Path) -> None:
    shout = load_plugin("shout")
    out = await run_processor(shout(), [TextFrame(text="hello")])
    assert [f.text for f in out.downstream_of(TextFrame)] == ["HELLO"]


def test_bad_plugins_fail_with_a_clear_message(installed_plugin: Path) -> None:
    with pytest.raises(PluginError, match="not a FrameProcessor"):
        load_plugin("broken")
    with pytest.raises(PluginError, match="no framekit plugin named 'missing'"):
        load_plugin("missing")


def test_cli_lists_plugins(installed_plugin: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins"]) == 0
    assert "shout_plugin:Shout" in capsys.readouterr().out


@pytest.fixture
def installed_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A distribution declaring a working command, a broken one and one that clashes."""
    (tmp_path / "hello_cmd.py").write_text(
        textwrap.dedent(
            """
            class Hello:
                help = "say hello"

                def configure(self, parser):
                    parser.add_argument("--name", default="world")

                def run(self, args):
                    print(f"hello {args.name}")
                    return 3

            HELLO = Hello()
            NOT_A_COMMAND = object()
            """
        )
    )
    info = tmp_path / "hello_cmd-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hello-cmd\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[framekit.commands]\nhello = hello_cmd:HELLO\nbroken = hello_cmd:NOT_A_COMMAND\n"
        "plugins = hello_cmd:HELLO\nmissing = no_such_module:X\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_installed_commands_run_from_the_cli(
    installed_commands: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hello", "--name", "Ada"]) == 3
    captured = capsys.readouterr()
    assert "hello Ada" in captured.out
    assert "command 'broken' (hello_cmd:NOT_A_COMMAND) has no help" in captured.err
    assert "command 'missing' (no_such_module:X) failed to import" in captured.err
    assert "command 'plugins' (hello_cmd:HELLO) is already taken" in captured.err
    assert main(["plugins"]) == 0  # the built-in command keeps its name


def test_the_contact_center_registers_demo_without_the_library_importing_it() -> None:
    commands, _ = discover_commands()
    demo = next(c for c in commands if c.name == "demo")
    assert demo.target == "framekit_contact_center.cli:DEMO"
    library = Path(__file__).resolve().parents[2] / "src" / "framekit"
    imports = re.compile(r"^\s*(from|import)\s+framekit_contact_center", re.MULTILINE)
    assert not [p for p in library.rglob("*.py") if imports.search(p.read_text())]


RUNNER_SCRIPT = """
import asyncio, sys
from framekit.frames import EndFrame
from framekit.pipeline import Pipeline, PipelineParams, PipelineRunner, PipelineTask
from framekit.processors import FrameProcessor

class Announce(FrameProcessor):
    async def on_start(self, frame):
        print("started", flush=True)
    async def on_end(self, frame: EndFrame):
        print("ended:", frame.reason, flush=True)

async def main():
    task = PipelineTask(Pipeline([Announce()]), params=PipelineParams(idle_timeout=None))
    await PipelineRunner().run(task)
    print("runner returned:", task.end_reason, flush=True)

asyncio.run(main())
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_runner_ends_calls_gracefully_on_a_signal(sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER_SCRIPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"ended: {sig.name}" in out
    assert f"runner returned: {sig.name}" in out
