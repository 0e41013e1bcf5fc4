"""What ``framekit models serve`` deploys, and how: one typed object, no Ray import.

Why apart from the Ray application: the command line reads and checks these before
it imports Ray (a missing extra or a bad value fails in one line), and tests and
the benchmark build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ScalingOptions", "TierOptions"]


@dataclass(frozen=True, slots=True)
class ScalingOptions:
    """One model's replicas: how many, scaled on what, on which resources.

    Ray Serve adds a replica when the replicas' ongoing requests (queued and running)
    average above ``target_ongoing_requests``, up to ``max_replicas``, and removes one
    below it, down to ``min_replicas``. ``num_cpus`` and ``num_gpus`` are what each
    replica reserves on its node (``num_gpus`` only where the cluster has a GPU).
    ``max_ongoing_requests``: requests one replica takes at once (more wait in the
    proxy, up to ``max_queued_requests``; -1: no bound).

    How fast it reacts: Serve averages the ongoing requests over
    ``look_back_period_s``, and adds a replica once more are wanted for
    ``upscale_delay_s``, removes one once fewer are wanted for ``downscale_delay_s``
    (Ray's defaults: 30 s, 30 s, 600 s; the call nodes' handles report every 10 s).
    A surge of calls waits at least that long for a new replica; shorter delays
    follow the load sooner but start and stop replicas (loading their models) on
    brief peaks.
    """

    min_replicas: int = 1
    max_replicas: int = 2
    target_ongoing_requests: float = 4.0
    num_cpus: float = 0.5
    num_gpus: float = 0.5
    max_ongoing_requests: int = 16
    max_queued_requests: int = -1
    look_back_period_s: float = 30.0
    upscale_delay_s: float = 30.0
    downscale_delay_s: float = 600.0

    def __post_init__(self) -> None:
        if not 0 <= self.min_replicas <= self.max_replicas or self.max_replicas < 1:
            raise ValueError(
                f"need 0 <= min_replicas <= max_replicas >= 1, got "
                f"{self.min_replicas}..{self.max_replicas}"
            )
        if self.target_ongoing_requests <= 0 or self.max_ongoing_requests < 1:
            raise ValueError("target_ongoing_requests and max_ongoing_requests must be > 0")
        if self.num_cpus < 0 or self.num_gpus < 0:
            raise ValueError("num_cpus and num_gpus must be >= 0")
        if self.look_back_period_s <= 0 or min(self.upscale_delay_s, self.downscale_delay_s) < 0:
            raise ValueError("look_back_period_s must be > 0 and the delays >= 0")


@dataclass(frozen=True, slots=True)
class TierOptions:
    """The model tier: its models, the recognizer's batching, the replicas, the HTTP proxy.

    ``stt_model``: ``moonshine``, ``moonshine+whisper`` (Moonshine, then Whisper base
    when it is unsure) or a Whisper model name. ``voice``: a Piper ``.onnx`` file
    (``None``: the packaged en_US voice). ``max_batch_size`` utterances are decoded in
    one run (1: every utterance alone); while utterances arrive at least every
    ``batch_wait_timeout_s``, a lone one waits up to that long for another to share
    its run (:class:`~framekit.models.batching.BatchQueue`'s ``linger``).
    ``voice_max_batch_size``: sentences' steps synthesized in one run by the voice
    (:mod:`framekit.services.piper.batch`); ``None``: ``max_batch_size`` where the
    voice runs on a GPU, 1 on a CPU (there a batch of VITS rows costs as much as the
    rows alone, and waits behind the longest). ``cpu_threads``: onnxruntime /
    CTranslate2 threads per model.
    ``proxy_location``: ``EveryNode`` (Serve's HTTP proxy on every node, each on
    ``port``: one node per host) or ``HeadOnly`` (several nodes on one host, as in tests).
    """

    stt_model: str = "moonshine"
    voice: str | None = None
    max_batch_size: int = 8
    batch_wait_timeout_s: float = 0.02
    voice_max_batch_size: int | None = None
    cpu_threads: int = 1
    stt: ScalingOptions = ScalingOptions()
    tts: ScalingOptions = ScalingOptions()
    host: str = "127.0.0.1"
    port: int = 8000
    proxy_location: str = "EveryNode"

    def __post_init__(self) -> None:
        if self.proxy_location not in ("EveryNode", "HeadOnly"):
            raise ValueError(f"proxy_location: EveryNode or HeadOnly, not {self.proxy_location!r}")
        if self.max_batch_size < 1:
            raise ValueError(f"max_batch_size must be >= 1, got {self.max_batch_size}")
        if self.voice_max_batch_size is not None and self.voice_max_batch_size < 1:
            raise ValueError(f"voice_max_batch_size must be >= 1, got {self.voice_max_batch_size}")
        if self.batch_wait_timeout_s < 0:
            raise ValueError("batch_wait_timeout_s must be >= 0")
        if self.cpu_threads < 1:
            raise ValueError(f"cpu_threads must be >= 1, got {self.cpu_threads}")
