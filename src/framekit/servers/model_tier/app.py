"""The model tier as Ray Serve deployments: speech recognition batched, the voice streamed.

The one module of framekit that imports Ray. :func:`deploy` connects to a cluster
(or starts a local one), starts Serve's HTTP proxy and runs two applications,
``/stt`` (:class:`Recognition`) and ``/tts`` (:class:`Speech`), which answer the
wire protocol of :mod:`framekit.services.model_tier.protocol`:

* :class:`Recognition` collects utterances from all calls with ``@serve.batch`` (up
  to ``max_batch_size``, without waiting) and hands each batch to the engine's own
  queue (:class:`~framekit.models.batching.BatchQueue`), which decodes what waits
  while the model runs as one batched run (``transcribe_batch``: Moonshine decodes
  the rows together), up to the same ``max_batch_size``. Why both: Ray Serve 2.60
  forms a batch from what arrives within its wait window and queues the batches
  behind each other, so under load it would run many small batches; the engine's
  queue merges everything that waits while the model is busy. The one wait is the
  queue's: while utterances arrive at least every ``batch_wait_timeout_s``, a lone
  one waits up to that long for another to share its run (``linger``; Serve's own
  timer made every request wait, and at a steady load still formed batches of
  one). ``max_batch_size=1`` decodes every utterance alone, never waiting (the
  baseline of ``benchmarks/bench_model_tier.py``).
* :class:`Speech` streams each text's audio as Piper makes it (windows within each
  sentence), so the call node plays the first words of a sentence while the rest is
  synthesized. With ``voice_max_batch_size`` above 1 (by default only on a GPU) the
  steps of the sentences that wait while the voice runs are synthesized as one run
  (:class:`~framekit.services.piper.batch.BatchedPiper`), each window still leaving
  as soon as its run ends.

Each model's replicas are scaled by Ray Serve on their ongoing requests
(``autoscaling_config``); each reserves ``num_cpus``, and ``num_gpus`` when the
cluster has a GPU (Whisper and Piper then run on CUDA; Moonshine stays on the CPU).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, cast

import ray
from ray import serve
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse

from framekit.processors.stt.service import Recognizer
from framekit.processors.stt.transcript import Transcript
from framekit.servers.model_tier.options import ScalingOptions, TierOptions
from framekit.services.engine import RecognizerEngine
from framekit.services.model_tier.protocol import (
    BATCH_HEADER,
    RATE_HEADER,
    REPLICA_HEADER,
    STATS_PATH,
    STT_PATH,
    TTS_PATH,
    RecognitionQuery,
    transcript_to_json,
)

__all__ = ["STT_APP", "TTS_APP", "Recognition", "Speech", "deploy", "shut_down"]

STT_APP = "framekit-stt"
TTS_APP = "framekit-tts"


@dataclass(frozen=True, slots=True)
class _Utterance:
    audio: bytes
    request: RecognitionQuery


@dataclass(frozen=True, slots=True)
class _Decoded:
    transcript: Transcript | None
    error: str | None
    batch_size: int


def _replica() -> str:
    return str(serve.get_replica_context().replica_tag)


def _on_gpu() -> bool:
    return bool(ray.get_gpu_ids())


def _load_recognizer(
    model: str, threads: int, gpu: bool
) -> tuple[Recognizer, list[RecognizerEngine]]:
    """The recognizer ``model`` names, loaded for this replica alone, and its engines."""
    from framekit.services.whisper import WhisperEngine

    device = "cuda" if gpu else "cpu"
    if model not in ("moonshine", "moonshine+whisper"):
        whisper = WhisperEngine.load(model, device, cpu_threads=threads)
        return whisper, [whisper]
    from framekit.services.moonshine import MoonshineEngine

    moonshine = MoonshineEngine.load(cpu_threads=threads)
    if model == "moonshine":
        return moonshine, [moonshine]
    from framekit.processors.stt.second_pass import SecondPassRecognizer

    whisper = WhisperEngine.load(device=device, cpu_threads=threads)
    return SecondPassRecognizer(moonshine, whisper), [moonshine, whisper]


class _Counters:
    """What a replica did since it started, for ``GET .../stats`` and the benchmark."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.cpu_started = time.process_time()
        self.requests = 0
        self.batches: Counter[int] = Counter()

    def as_json(self, **more: Any) -> dict[str, Any]:
        return {
            "replica": _replica(),
            "requests": self.requests,
            "batches": {str(size): n for size, n in sorted(self.batches.items())},
            "cpu_seconds": time.process_time() - self.cpu_started,
            "wall_seconds": time.monotonic() - self.started,
            **more,
        }


@serve.deployment
class Recognition:
    """Speech recognition for every call node: ``POST /stt``, one utterance a request."""

    def __init__(self, options: TierOptions) -> None:
        self.recognizer, self.engines = _load_recognizer(
            options.stt_model, options.cpu_threads, _on_gpu()
        )
        for engine in self.engines:  # the model's batches: what waits while it runs
            engine.batches.max_batch = options.max_batch_size
            engine.batches.linger = options.batch_wait_timeout_s
        batching: Any = self.decode  # serve.batch's wrapper, untyped
        batching.set_max_batch_size(options.max_batch_size)
        batching.set_batch_wait_timeout_s(0.0)  # the engine's queue does the waiting
        self.counters = _Counters()
        self.max_batch_size = options.max_batch_size

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.0, max_concurrent_batches=64)
    async def decode(self, utterances: list[_Utterance]) -> list[_Decoded]:
        """One batch of utterances from any calls, into the engine's batched runs.

        Many batches may be in the engine's queue at once (``max_concurrent_batches``):
        the queue, not Serve's semaphore, decides what runs together.
        """
        size = len(utterances)
        self.counters.batches[size] += 1
        outcomes = await asyncio.gather(
            *(
                self.recognizer.transcribe_async(
                    u.audio,
                    u.request.language,
                    prompt=u.request.prompt,
                    urgent=u.request.urgent,
                    expect=u.request.expect,
                )
                for u in utterances
            ),
            return_exceptions=True,
        )
        return [
            _Decoded(None, repr(o), size)
            if isinstance(o, BaseException)
            else _Decoded(o, None, size)
            for o in outcomes
        ]

    async def __call__(self, request: Request) -> Response:
        replica = {REPLICA_HEADER: _replica()}
        if request.method == "GET" and request.url.path.endswith(STATS_PATH):
            runs = {e.name: [e.batches.runs, e.batches.requests] for e in self.engines}
            stats = self.counters.as_json(max_batch_size=self.max_batch_size, model_runs=runs)
            return JSONResponse(stats, headers=replica)
        if request.method != "POST":
            return PlainTextResponse("POST an utterance", status_code=405, headers=replica)
        audio = await request.body()
        try:
            asked = RecognitionQuery.from_query(request.query_params)
            if len(audio) % 2:
                raise ValueError("PCM16 audio must have an even byte count")
        except ValueError as exc:
            return PlainTextResponse(str(exc), status_code=400, headers=replica)
        self.counters.requests += 1
        decoded = await self.decode(_Utterance(audio, asked))
        headers = {**replica, BATCH_HEADER: str(decoded.batch_size)}
        if decoded.transcript is None:
            return PlainTextResponse(f"decode failed: {decoded.error}", 500, headers=headers)
        return JSONResponse(transcript_to_json(decoded.transcript), headers=headers)


@serve.deployment
class Speech:
    """The voice for every call node: ``POST /tts`` streams one text's audio."""

    def __init__(self, options: TierOptions) -> None:
        from framekit.services.piper import PiperEngine
        from framekit.services.piper.batch import CPU_RUN_BUDGET, BatchedPiper

        gpu = _on_gpu()
        self.engine = PiperEngine.load(
            options.voice, use_cuda=gpu, workers=1, threads=options.cpu_threads
        )
        self.max_batch_size = options.voice_max_batch_size or (options.max_batch_size if gpu else 1)
        self.batched = (
            BatchedPiper(
                self.engine,
                max_batch=self.max_batch_size,
                max_cost=None if gpu else CPU_RUN_BUDGET,
            )
            if self.max_batch_size > 1 and self.engine.streaming
            else None
        )
        self.counters = _Counters()

    async def __call__(self, request: Request) -> Response:
        replica = {REPLICA_HEADER: _replica()}
        if request.method == "GET" and request.url.path.endswith(STATS_PATH):
            runs: dict[str, list[int]] = {}
            if (batched := self.batched) is not None:
                runs["prior"] = [batched.priors.runs, batched.priors.requests]
                runs["windows"] = [batched.windows.runs, batched.windows.requests]
            stats = self.counters.as_json(max_batch_size=self.max_batch_size, model_runs=runs)
            return JSONResponse(stats, headers=replica)
        if request.method != "POST":
            return PlainTextResponse("POST a text", status_code=405, headers=replica)
        try:
            body = await request.json()
        except ValueError:
            body = None
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return PlainTextResponse('want JSON {"text": "..."}', status_code=400, headers=replica)
        self.counters.requests += 1
        headers = {**replica, RATE_HEADER: str(self.engine.sample_rate)}
        return StreamingResponse(
            self._speak(text), media_type="application/octet-stream", headers=headers
        )

    async def _speak(self, text: str) -> AsyncGenerator[bytes, None]:
        if self.batched is not None:
            chunks = self.batched.synthesize(text)
        else:
            chunks = self.engine.synthesize_async(text)
        async with aclosing(chunks):  # a caller gone: its steps not yet run are dropped
            async for pcm in chunks:
                yield pcm


def _deployment_options(scaling: ScalingOptions, gpu: bool) -> dict[str, Any]:
    actor: dict[str, Any] = {"num_cpus": scaling.num_cpus}
    if gpu and scaling.num_gpus:
        actor["num_gpus"] = scaling.num_gpus
    return {
        "ray_actor_options": actor,
        "max_ongoing_requests": scaling.max_ongoing_requests,
        "max_queued_requests": scaling.max_queued_requests,
        "autoscaling_config": {
            "min_replicas": scaling.min_replicas,
            "initial_replicas": max(1, scaling.min_replicas),
            "max_replicas": scaling.max_replicas,
            "target_ongoing_requests": scaling.target_ongoing_requests,
            "look_back_period_s": scaling.look_back_period_s,
            "upscale_delay_s": scaling.upscale_delay_s,
            "downscale_delay_s": scaling.downscale_delay_s,
        },
    }


def deploy(options: TierOptions, address: str | None = None) -> None:
    """Run the model tier on the Ray cluster at ``address`` (``None``: start a local one).

    Returns once both applications are ready (their models loaded); they keep running
    in the cluster until :func:`shut_down`.
    """
    if not ray.is_initialized():
        # "local": a new one-node cluster of its own, never one found on the machine
        ray.init(address=address or "local", logging_level=logging.WARNING, log_to_driver=False)
    gpu = ray.cluster_resources().get("GPU", 0) > 0  # type: ignore[no-untyped-call]
    serve.start(
        proxy_location=options.proxy_location,
        http_options={"host": options.host, "port": options.port},
    )
    stt = cast(Any, Recognition).options(**_deployment_options(options.stt, gpu)).bind(options)
    tts = cast(Any, Speech).options(**_deployment_options(options.tts, gpu)).bind(options)
    serve.run(stt, name=STT_APP, route_prefix=STT_PATH)
    serve.run(tts, name=TTS_APP, route_prefix=TTS_PATH)


def shut_down() -> None:
    """Delete the tier's applications and Serve's proxy from the cluster, then disconnect."""
    serve.shutdown()  # type: ignore[no-untyped-call]
    ray.shutdown()
