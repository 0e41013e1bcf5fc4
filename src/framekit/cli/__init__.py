"""The ``framekit`` command line."""

from framekit.cli.main import main

__all__ = ["main"]
