"""``framekit`` subcommands from installed packages: the ``framekit.commands`` entry points.

Why entry points: the library's command line sits below the applications built
on it, so it cannot import them. An application declares its commands in its
``pyproject.toml``, the same way processor plugins are declared::

    [project.entry-points."framekit.commands"]
    demo = "framekit_contact_center.cli:DEMO"

The entry point names an object with a ``help`` string, ``configure(parser)``
(add its arguments) and ``run(args) -> int``. A command that fails to load is
reported and left out, so one broken package cannot break the whole CLI.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

__all__ = ["COMMAND_GROUP", "CliCommand", "LoadedCommand", "discover_commands"]

COMMAND_GROUP = "framekit.commands"


@runtime_checkable
class CliCommand(Protocol):
    """What a ``framekit.commands`` entry point must load."""

    help: str

    def configure(self, parser: argparse.ArgumentParser) -> None:
        """Add the command's arguments to its subparser."""

    def run(self, args: argparse.Namespace) -> int:
        """Run the command; returns the process exit status."""


@dataclass(frozen=True, slots=True)
class LoadedCommand:
    """A discovered command: its name, where it comes from, and the loaded object."""

    name: str
    target: str
    command: CliCommand


def discover_commands(
    reserved: frozenset[str] = frozenset(),
) -> tuple[list[LoadedCommand], list[str]]:
    """Load every installed command not named in ``reserved``; returns ``(commands, problems)``."""
    commands: list[LoadedCommand] = []
    problems: list[str] = []
    for ep in sorted(entry_points(group=COMMAND_GROUP), key=lambda e: e.name):
        if ep.name in reserved or any(c.name == ep.name for c in commands):
            problems.append(f"command {ep.name!r} ({ep.value}) is already taken; ignored")
            continue
        try:
            loaded = ep.load()
        except Exception as exc:
            problems.append(f"command {ep.name!r} ({ep.value}) failed to import: {exc!r}")
            continue
        if not isinstance(loaded, CliCommand):
            problems.append(
                f"command {ep.name!r} ({ep.value}) has no help, configure(parser) and run(args)"
            )
            continue
        commands.append(LoadedCommand(ep.name, ep.value, loaded))
    return commands, problems
