"""``framekit``: list plugins, print the version, and run the commands packages register.

Built-in commands live here; the rest (``demo`` from the contact-center
application) come from the ``framekit.commands`` entry-point group, see
:mod:`framekit.cli.commands`. A command that fails for want of an optional
package ends with one line naming it and the install command (exit status 2),
not a traceback. Logging is set up before any command runs
(:func:`framekit.logs.configure_logging`): no local variables in tracebacks, and
secrets written as ``***``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from framekit import __version__
from framekit.cli.commands import LoadedCommand, discover_commands, missing_package
from framekit.logs import configure_logging
from framekit.plugins import available_plugins

__all__ = ["main"]

_BUILT_IN = frozenset({"plugins"})
_PLUGINS_HELP = "list the processor plugins installed here"


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's default in its help, unless it has none, is a flag, or says it already."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.nargs == 0 or "(default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def _build_parser(commands: list[LoadedCommand]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="framekit", description="Real-time voice AI agents as pipelines of typed frames."
    )
    parser.add_argument("--version", action="version", version=f"framekit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "plugins", help=_PLUGINS_HELP, description=_PLUGINS_HELP, formatter_class=_HelpFormatter
    )
    for command in commands:
        about = command.command.help
        subparser = sub.add_parser(
            command.name, help=about, description=about, formatter_class=_HelpFormatter
        )
        command.command.configure(subparser)
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
    try:
        configure_logging()  # before anything logs: no local variables, secrets as ***
    except ValueError as exc:
        print(f"framekit: {exc}", file=sys.stderr)
        return 2
    commands, problems = discover_commands(_BUILT_IN)
    for problem in problems:
        print(f"framekit: {problem}", file=sys.stderr)
    args = _build_parser(commands).parse_args(argv)
    if args.command == "plugins":
        return _list_plugins()
    command = next(c for c in commands if c.name == args.command)
    try:
        return command.command.run(args)
    except ImportError as exc:
        line = missing_package(exc)
        if line is None:
            raise
        print(f"framekit {command.name}: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
