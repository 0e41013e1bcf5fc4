"""CPU of the model tier per utterance and per sentence: batched against unbatched, in one run.

Starts a two-raylet Ray cluster on this machine (``ray start``, one CPU each, as
``tests/model_tier`` does), then deploys the tier on it once per mode (as
``framekit models serve`` does, through :func:`~framekit.servers.model_tier.app.deploy`),
alternating batched (``max_batch_size=8``, ``voice_max_batch_size=8``; once for each
``--batch-wait-ms``, the longest a lone utterance waits for another while the queue is
busy) and unbatched (both 1: every utterance decoded alone, every sentence spoken by
the engine's own stream), ``rounds`` times each. In each window, for ``seconds``, staggered:

* ``callers`` callers each send a Piper-spoken utterance (1.2-2.6 s of speech) every
  ``interval`` seconds through :class:`~framekit.services.model_tier.RemoteRecognizer`;
* ``speakers`` bots each ask for a sentence (1.5-3 s of speech) every
  ``speak_interval`` seconds through :class:`~framekit.services.model_tier.RemoteVoice`,
  reading its stream to the end (0: no voice load).

Measured per window, from ``/proc`` (user + system CPU time of each process): the
recognizer's replica per utterance recognised, the voice's replica per sentence
spoken, Serve's HTTP proxy and every process of the cluster (GCS, raylets, agents,
controller, proxy, replicas: the whole tier) per request; the client-side latency
(request to transcript; request to a sentence's first audio); the batch sizes the
tier reported. Run::

    python benchmarks/bench_model_tier.py [--callers 8] [--speakers 4] [--seconds 30] \
        [--batch-wait-ms 20 300]

and note ``uptime`` with the figures: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the Ray cluster helper the tests use

from framekit.audio.resample import resample  # noqa: E402
from framekit.services.model_tier import (  # noqa: E402
    ModelTierClient,
    RemoteRecognizer,
    RemoteVoice,
)
from framekit.services.piper import PiperEngine  # noqa: E402
from model_tier.ray_cluster import RayCluster, free_port, model_tier_with, ray_cluster  # noqa: E402

SENTENCES = (
    "What are your opening hours?",
    "I'd like to check on my order.",
    "Can I book an appointment for tomorrow afternoon?",
    "My order number is four five seven two.",
    "I want to return a jacket I bought last week.",
    "Could you put me through to a person, please?",
)
ANSWERS = (
    "Our return policy is thirty days from delivery.",
    "Your order shipped yesterday by courier.",
    "We are open from nine to five, Monday to Friday.",
    "I can book that appointment for tomorrow afternoon.",
    "Let me put you through to a person right away.",
    "Is there anything else I can help you with today?",
)


@dataclass
class Window:
    """One mode's measurement window."""

    mode: str
    utterances: int = 0
    failures: int = 0
    latencies: list[float] = field(default_factory=list)
    batch_sizes: Counter[int] = field(default_factory=Counter)
    model_runs: int = 0
    model_requests: int = 0
    sentences: int = 0
    speech_failures: int = 0
    audio_seconds: float = 0.0
    first_audio: list[float] = field(default_factory=list)
    voice_runs: dict[str, tuple[int, int]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def spoken(text: str) -> bytes:
    engine = PiperEngine.shared()
    pcm = np.frombuffer(b"".join(engine.synthesize(text, varied=False)), dtype="<i2")
    samples = resample(pcm.astype(np.float32) / np.float32(32768), engine.sample_rate, 16000)
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tier_processes(cluster: RayCluster) -> dict[int, str]:
    """Every process of the cluster's nodes, by pid: its command.

    The node processes are in the process groups of the ``ray start`` that made them;
    the raylets start their workers (replicas, proxy, controller) in groups of their
    own, so those are found as the node processes' descendants.
    """
    groups = {node.pid for node in cluster.nodes}
    parent: dict[int, int] = {}
    group: dict[int, int] = {}
    command: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            raw = (entry / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            continue
        pid = int(entry.name)
        parent[pid], group[pid] = int(fields[1]), int(fields[2])
        command[pid] = raw.replace(b"\0", b" ").decode(errors="replace")

    def in_cluster(pid: int) -> bool:
        while pid > 1:
            if group.get(pid) in groups:
                return True
            pid = parent.get(pid, 0)
        return False

    return {pid: command[pid] for pid in command if in_cluster(pid)}


def _snapshot(processes: dict[int, str]) -> dict[int, float]:
    taken: dict[int, float] = {}
    for pid in processes:
        try:
            taken[pid] = _cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return taken


def _kind(command: str) -> str:
    if "ServeReplica:framekit-stt" in command:
        return "stt replica"
    if "ServeReplica:framekit-tts" in command:
        return "tts replica"
    if "ProxyActor" in command:
        return "proxy"
    return "other"


async def _paced(
    send: Callable[[int], Awaitable[None]], start: float, interval: float, until: float
) -> None:
    """Call ``send(turn)`` every ``interval`` s from ``start`` until ``until``.

    One that takes longer than ``interval`` is followed by the next at once; ``send``
    counts its own outcome (a failure included) in the window.
    """
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    turn = 0
    while time.monotonic() < until:
        sent = time.monotonic()
        await send(turn)
        turn += 1
        await asyncio.sleep(max(0.0, sent + interval - time.monotonic()))


def _caller(
    recognizer: RemoteRecognizer, audio: list[bytes], window: Window
) -> Callable[[int], Awaitable[None]]:
    """A caller's turn: one utterance recognised, its latency and outcome counted."""

    async def send(turn: int) -> None:
        sent = time.monotonic()
        try:
            transcript = await recognizer.transcribe_async(audio[turn % len(audio)])
        except Exception:
            window.failures += 1
        else:
            window.latencies.append(time.monotonic() - sent)
            window.utterances += bool(transcript.text)

    return send


def _speaker(
    voice: RemoteVoice, texts: tuple[str, ...], window: Window
) -> Callable[[int], Awaitable[None]]:
    """A bot's turn: one sentence asked for and its audio read to the end."""

    async def send(turn: int) -> None:
        sent = time.monotonic()
        audio = 0
        try:
            async for chunk, _ in voice.synthesize(texts[turn % len(texts)]):
                if not audio:
                    window.first_audio.append(time.monotonic() - sent)
                audio += len(chunk)
        except Exception:
            window.speech_failures += 1
        else:
            window.sentences += 1
            window.audio_seconds += audio / 2 / 22050

    return send


async def _stats(url: str, path: str) -> dict[str, list[int]]:
    """The replica's model runs, ``name: [runs, requests]`` (one replica per model)."""
    async with aiohttp.ClientSession() as session, session.get(f"{url}{path}") as response:
        runs: dict[str, list[int]] = (await response.json())["model_runs"]
    return runs


async def _model_runs(url: str) -> tuple[int, int]:
    """The recognizer's batched model runs and the utterances in them."""
    runs = await _stats(url, "/stt/stats")
    return sum(r[0] for r in runs.values()), sum(r[1] for r in runs.values())


async def _load(url: str, audio: list[bytes], args: argparse.Namespace, window: Window) -> None:
    client = ModelTierClient(url, first_byte_timeout=30.0)
    recognizer = RemoteRecognizer(client)
    voice = RemoteVoice(client)
    try:
        await recognizer.transcribe_async(audio[0])  # warm: first decodes are slow
        async for _ in voice.synthesize(ANSWERS[0]):
            pass
        recognizer.batch_sizes.clear()
        runs, requests = await _model_runs(url)
        voice_before = await _stats(url, "/tts/stats")
        begin = time.monotonic() + 0.1
        until = begin + args.seconds
        stagger = args.interval / max(1, args.callers)
        speak_stagger = args.speak_interval / max(1, args.speakers)
        await asyncio.gather(
            *(
                _paced(
                    _caller(recognizer, audio[i:] + audio[:i], window),
                    begin + i * stagger,
                    args.interval,
                    until,
                )
                for i in range(args.callers)
            ),
            *(
                _paced(
                    _speaker(voice, ANSWERS[i:] + ANSWERS[:i], window),
                    begin + i * speak_stagger,
                    args.speak_interval,
                    until,
                )
                for i in range(args.speakers)
            ),
        )
        window.batch_sizes = recognizer.batch_sizes
        runs_after, requests_after = await _model_runs(url)
        window.model_runs, window.model_requests = runs_after - runs, requests_after - requests
        voice_after = await _stats(url, "/tts/stats")
        window.voice_runs = {
            step: (n[0] - voice_before[step][0], n[1] - voice_before[step][1])
            for step, n in voice_after.items()
        }
    finally:
        await client.close()


def measure(
    cluster: RayCluster,
    mode: str,
    batch: int,
    wait_ms: float,
    audio: list[bytes],
    args: argparse.Namespace,
) -> Window:
    window = Window(mode)
    port = free_port()
    one = "ScalingOptions(min_replicas=1, max_replicas=1, num_cpus=0.5)"
    options = (
        f"TierOptions(max_batch_size={batch}, voice_max_batch_size={batch},"
        f" batch_wait_timeout_s={wait_ms / 1000}, stt={one}, tts={one},"
        f" port={port}, proxy_location='HeadOnly')"
    )
    with model_tier_with(cluster, options, port) as tier:
        processes = _tier_processes(cluster)
        kinds = Counter(_kind(command) for command in processes.values())
        if not kinds["stt replica"] or not kinds["tts replica"] or not kinds["proxy"]:
            raise RuntimeError(f"a replica or the proxy is not in the cluster's groups: {kinds}")
        before = _snapshot(processes)
        started = time.monotonic()
        asyncio.run(_load(tier.url, audio, args, window))
        window.seconds = time.monotonic() - started
        after = _snapshot(processes)
    for pid, cpu in after.items():
        kind = _kind(processes[pid])
        used = cpu - before.get(pid, cpu)
        window.cpu[kind] = window.cpu.get(kind, 0.0) + used
        window.cpu["tier"] = window.cpu.get("tier", 0.0) + used
    return window


def _p(values: list[float], q: float) -> float:
    ranked = sorted(values)
    return 1000 * ranked[min(len(ranked) - 1, round(q * (len(ranked) - 1)))] if ranked else 0.0


def _per(seconds: float, count: int) -> str:
    """Milliseconds of CPU per item (``n/a`` when none: an idle replica's CPU is no rate)."""
    return f"{1000 * seconds / count:6.1f}" if count else "   n/a"


def show(window: Window) -> None:
    requests = window.utterances + window.sentences
    cpu = window.cpu
    stt, tts = (
        _per(cpu.get(f"{k} replica", 0), n)
        for k, n in (("stt", window.utterances), ("tts", window.sentences))
    )
    sizes = ", ".join(f"{s}x{c}" for s, c in sorted(window.batch_sizes.items()))
    model = window.model_requests / max(1, window.model_runs)
    voice = ", ".join(
        f"{step} {req / max(1, runs):.2f}" for step, (runs, req) in window.voice_runs.items()
    )
    print(
        f"{window.mode:<16} {window.seconds:5.1f} s | STT: {window.utterances} utterances"
        f" (failed {window.failures}), replica {stt} ms CPU"
        f" each, latency p50 {_p(window.latencies, 0.5):5.0f} p95"
        f" {_p(window.latencies, 0.95):5.0f} ms, serve batches {sizes}, model runs"
        f" {window.model_runs} (mean {model:.2f})"
        f" | TTS: {window.sentences} sentences ({window.audio_seconds:.0f} s of audio, failed"
        f" {window.speech_failures}), replica {tts} ms"
        f" CPU each, first audio p50 {_p(window.first_audio, 0.5):4.0f} p95"
        f" {_p(window.first_audio, 0.95):4.0f} ms, mean rows per run: {voice or 'no batching'}"
        f" | proxy {_per(cpu.get('proxy', 0), requests)}, whole tier"
        f" {_per(cpu.get('tier', 0), requests)} ms CPU per request",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument(
        "--interval", type=float, default=2.0, help="seconds between a caller's utterances"
    )
    parser.add_argument("--speakers", type=int, default=4, help="bots asking for sentences")
    parser.add_argument(
        "--speak-interval", type=float, default=4.0, help="seconds between a bot's sentences"
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="load per window")
    parser.add_argument("--rounds", type=int, default=2, help="batched/unbatched windows each")
    parser.add_argument(
        "--batch-wait-ms",
        type=float,
        nargs="+",
        default=[20.0],
        help="a batched window for each (the modes alternate in every round)",
    )
    args = parser.parse_args()
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    audio = [spoken(text) for text in SENTENCES]
    windows: list[Window] = []
    modes = [(f"batched {wait:g} ms", 8, wait) for wait in args.batch_wait_ms]
    modes.append(("unbatched", 1, 0.0))
    with ray_cluster(nodes=2, cpus_per_node=1) as cluster:
        for _ in range(args.rounds):
            for mode, batch, wait in modes:
                windows.append(measure(cluster, mode, batch, wait, audio, args))
                show(windows[-1])
                print(Path("/proc/loadavg").read_text().strip(), flush=True)
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    for mode, _, _ in modes:
        mine = [w for w in windows if w.mode == mode]
        counts = {
            "stt replica": sum(w.utterances for w in mine),
            "tts replica": sum(w.sentences for w in mine),
        }
        counts["proxy"] = counts["tier"] = counts["stt replica"] + counts["tts replica"]
        unit = {"stt replica": "utterance", "tts replica": "sentence"}
        for kind, count in counts.items():
            cpu = sum(w.cpu.get(kind, 0.0) for w in mine)
            print(
                f"{mode:<16} {kind:<12} {_per(cpu, count)} ms CPU per"
                f" {unit.get(kind, 'request')} ({count})"
            )


if __name__ == "__main__":
    main()
