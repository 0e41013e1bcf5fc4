"""``framekit``: list plugins, print the version, and run the commands packages register.

Built-in commands live here; the rest (``demo`` from the contact-center
application) come from the ``framekit.commands`` entry-point group, see
:mod:`framekit.cli.commands`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from framekit import __version__
from framekit.cli.commands import LoadedCommand, discover_commands
from framekit.plugins import available_plugins

__all__ = ["main"]

_BUILT_IN = frozenset({"plugins"})


def _build_parser(commands: list[LoadedCommand]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="framekit", description="Real-time voice AI agents as pipelines of typed frames."
    )
    parser.add_argument("--version", action="version", version=f"framekit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("plugins", help="list the processor plugins installed here")
    for command in commands:
        command.command.configure(sub.add_parser(command.name, help=command.command.help))
    return parser


def _list_plugins() -> int:
    plugins = available_plugins()
    if not plugins:
        print("no framekit plugins installed (entry-point group 'framekit.processors')")
        return 0
    for info in plugins.values():
        print(f"{info.name:20} {info.target}  [{info.distribution or 'unknown'}]")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``framekit`` console script."""
    commands, problems = discover_commands(_BUILT_IN)
    for problem in problems:
        print(f"framekit: {problem}", file=sys.stderr)
    args = _build_parser(commands).parse_args(argv)
    if args.command == "plugins":
        return _list_plugins()
    command = next(c for c in commands if c.name == args.command)
    return command.command.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
