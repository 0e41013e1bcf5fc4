"""``framekit``: run the demo, list plugins, print the version."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from framekit import __version__
from framekit.plugins import available_plugins

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="framekit", description="Real-time voice AI agents as pipelines of typed frames."
    )
    parser.add_argument("--version", action="version", version=f"framekit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run an offline example call and print what happens")
    commands.add_parser("plugins", help="list the processor plugins installed here")
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
    args = _build_parser().parse_args(argv)
    if args.command == "plugins":
        return _list_plugins()
    from framekit.cli.demo import run_demo

    return asyncio.run(run_demo(sys.stdout))


if __name__ == "__main__":
    raise SystemExit(main())
