"""The application's ``framekit`` subcommands, registered through ``framekit.commands``.

This module stays light (argparse only): ``framekit --help`` loads every
registered command to list it, so models and pipelines are imported only when a
command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from framekit_contact_center.settings import Settings

__all__ = [
    "CALL",
    "DEMO",
    "SERVE",
    "SIMULATE",
    "CallCommand",
    "DemoCommand",
    "ServeCommand",
    "SimulateCommand",
]


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


class ServeCommand:
    """``framekit serve``: Twilio calls, the calls API and the health check on one port."""

    help = "answer Twilio calls with the contact-center bot; serve the calls API and /health"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--host", default="0.0.0.0", help="address to listen on")
        parser.add_argument("--port", type=int, default=8080, help="port to listen on")
        parser.add_argument(
            "--drain-timeout",
            type=float,
            default=30.0,
            metavar="SECONDS",
            help="on SIGINT/SIGTERM, how long running calls may go on before they are cancelled",
        )

    def run(self, args: argparse.Namespace) -> int:
        from framekit_contact_center.settings import SettingsError, load_settings

        try:
            settings = load_settings()
            from framekit_contact_center.server import check_serving

            check_serving(settings)
        except SettingsError as exc:
            print(f"framekit serve: {exc}", file=sys.stderr)
            return 2
        return asyncio.run(_serve(settings, args.host, args.port, args.drain_timeout))


async def _serve(settings: Settings, host: str, port: int, drain_timeout: float) -> int:
    from framekit_contact_center.server import ContactCenterServer, serve

    server = ContactCenterServer(settings)
    print("framekit serve: loading the models...", flush=True)
    await server.preload()
    await serve(server, host, port, drain_timeout=drain_timeout, out=sys.stdout)
    return 0


SERVE = ServeCommand()


class SimulateCommand:
    """``framekit simulate``: scripted calls checked against expectations (regression tests)."""

    help = "run scripted caller scenarios (YAML) against the bot offline and check the calls"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "scenarios",
            nargs="+",
            type=Path,
            metavar="SCENARIO.yaml",
            help="scenario files (docs/simulate.md); all are checked before any runs",
        )
        parser.add_argument(
            "--fast",
            action="store_true",
            help="do not play the bot's answers out in real time (barge-in scenarios still do)",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="print the results as JSON on stdout; the live calls go to stderr",
        )

    def run(self, args: argparse.Namespace) -> int:
        from framekit_contact_center.simulate import simulate

        return simulate(args.scenarios, fast=args.fast, as_json=args.json)


SIMULATE = SimulateCommand()


class CallCommand:
    """``framekit call``: the bot calls a number through Twilio; ``framekit serve`` talks."""

    help = "place an outbound Twilio call that framekit serve answers with the bot"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("number", help="the number to call, in E.164 form (+15551230001)")
        parser.add_argument(
            "--from",
            dest="from_",
            metavar="NUMBER",
            help="caller ID: a number of the Twilio account (default: TWILIO_PHONE_NUMBER)",
        )
        parser.add_argument(
            "--record", action="store_true", help="have Twilio record the whole call"
        )
        parser.add_argument(
            "--no-check",
            dest="check",
            action="store_false",
            help="call even if framekit serve does not answer at WEBHOOK_BASE_URL/health",
        )
        parser.add_argument(
            "--api-url",
            metavar="URL",
            help="Twilio REST API root (default https://api.twilio.com); a test double's URL "
            "to try the command offline",
        )

    def run(self, args: argparse.Namespace) -> int:
        from framekit_contact_center.settings import SettingsError, load_settings

        try:
            settings = load_settings()
        except SettingsError as exc:
            print(f"framekit call: {exc}", file=sys.stderr)
            return 2
        from framekit_contact_center.outbound import run_call

        return run_call(settings, args, sys.stdout, sys.stderr)


CALL = CallCommand()
