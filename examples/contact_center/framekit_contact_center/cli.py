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
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            metavar="N",
            help="server processes sharing the port (SO_REUSEPORT), each with its own models "
            "(default 1); set REDIS_URL with more than one",
        )
        parser.add_argument("--worker-of-supervisor", action="store_true", help=argparse.SUPPRESS)

    def run(self, args: argparse.Namespace) -> int:
        from framekit_contact_center.settings import SettingsError, load_settings

        problem = _workers_problem(args.workers, args.port)
        if problem:
            print(f"framekit serve: {problem}", file=sys.stderr)
            return 2
        try:
            settings = load_settings()
            from framekit_contact_center.server import check_serving

            check_serving(settings)
        except SettingsError as exc:
            print(f"framekit serve: {exc}", file=sys.stderr)
            return 2
        if args.worker_of_supervisor:
            return asyncio.run(_serve_as_worker(settings, args.host, args.port, args.drain_timeout))
        if args.workers > 1:
            return asyncio.run(_supervise(settings, args))
        return asyncio.run(_serve(settings, args.host, args.port, args.drain_timeout))


def _workers_problem(workers: int, port: int) -> str | None:
    """Why ``--workers`` cannot be honoured here, or None."""
    if workers < 1:
        return f"--workers must be at least 1 (got {workers})"
    if workers == 1:
        return None
    from framekit_contact_center.workers import reuse_port_supported

    if not reuse_port_supported():
        return "--workers needs SO_REUSEPORT, which this platform lacks; run one process per port"
    if port == 0:
        return "--workers needs a fixed --port (with 0 each worker would pick its own)"
    return None


async def _serve(settings: Settings, host: str, port: int, drain_timeout: float) -> int:
    from framekit_contact_center.server import ContactCenterServer, serve

    server = ContactCenterServer(settings)
    print("framekit serve: loading the models...", flush=True)
    await server.preload()
    await serve(server, host, port, drain_timeout=drain_timeout, out=sys.stdout)
    return 0


async def _supervise(settings: Settings, args: argparse.Namespace) -> int:
    from framekit_contact_center.server import prepare_storage
    from framekit_contact_center.workers import Supervisor, worker_argv

    await asyncio.to_thread(prepare_storage, settings)  # not N workers at once
    if not settings.redis_url:
        print(
            f"framekit serve: warning: REDIS_URL is not set, so each of the {args.workers} "
            "workers remembers used stream tokens on its own: a replayed token could open "
            "one stream per worker within its 30 s life. Set REDIS_URL to share them.",
            file=sys.stderr,
            flush=True,
        )
    argv = worker_argv(args.host, args.port, args.drain_timeout)
    return await Supervisor(argv, args.workers, out=sys.stdout).run()


async def _serve_as_worker(settings: Settings, host: str, port: int, drain_timeout: float) -> int:
    """One of ``--workers``: load, then listen with SO_REUSEPORT until told to stop.

    A signal while the models load (or the supervisor's end) stops it before it listens.
    """
    import os
    import signal

    from framekit_contact_center.server import ContactCenterServer, serve
    from framekit_contact_center.workers import watch_supervisor

    pid = os.getpid()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    supervisor = await watch_supervisor(stop)
    try:
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stop.set)
        server = ContactCenterServer(settings)
        print(f"framekit serve: worker {pid} loading the models...", flush=True)
        await server.preload()
        if stop.is_set():
            return 0
        # serve() takes the signals over: a second one skips the drain, as with one process.
        await serve(
            server,
            host,
            port,
            drain_timeout=drain_timeout,
            stop=stop,
            reuse_port=True,
            on_listening=lambda bound, at: print(
                f"framekit serve: worker {pid} listening on http://{bound}:{at}", flush=True
            ),
        )
        return 0
    finally:
        supervisor.close()


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
