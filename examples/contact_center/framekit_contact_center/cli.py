"""The application's ``framekit`` subcommands, registered through ``framekit.commands``.

This module stays light (argparse only): ``framekit --help`` loads every
registered command to list it, so models and pipelines are imported only when a
command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

__all__ = ["DEMO", "DemoCommand"]


class DemoCommand:
    """``framekit demo``: an offline call to the contact-center bot, printed as it happens."""

    help = "call the contact-center bot offline: live transcript, tools, latency, recording"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--fast",
            action="store_true",
            help="run the call as fast as the machine can instead of in real time",
        )

    def run(self, args: argparse.Namespace) -> int:
        from framekit_contact_center.settings import SettingsError, load_settings

        try:
            settings = load_settings()
        except SettingsError as exc:
            print(f"framekit demo: {exc}", file=sys.stderr)
            return 2
        from framekit_contact_center.demo import run_demo

        return asyncio.run(run_demo(sys.stdout, settings, fast=args.fast))


DEMO = DemoCommand()
