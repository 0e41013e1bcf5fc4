"""CPU of the model tier per recognised utterance: batched against unbatched, in one run.

Starts a two-raylet Ray cluster on this machine (``ray start``, one CPU each, as
``tests/model_tier`` does), then ``framekit models serve`` on it once per mode,
alternating ``--max-batch-size 8`` (batched) and ``--max-batch-size 1`` (every
utterance alone), ``rounds`` times each. In each window, ``callers`` callers each
send a Piper-spoken utterance (1.2-2.6 s of speech) every ``interval`` seconds,
staggered, through the call node's own client
(:class:`~framekit.services.model_tier.RemoteRecognizer`), for ``seconds``.

Measured per window, from ``/proc`` (user + system CPU time of each process):
the recognizer's replica, Serve's HTTP proxy, and every process of the cluster
(GCS, raylets, agents, controller, proxy, replicas: the whole tier), divided by the
utterances recognised; the client-side latency (request to transcript); the batch
sizes the tier reported. Run::

    python benchmarks/bench_model_tier.py [--callers 8] [--interval 2] [--seconds 30]

and note ``uptime`` with the figures: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the Ray cluster helper the tests use

from framekit.audio.resample import resample  # noqa: E402
from framekit.services.model_tier import ModelTierClient, RemoteRecognizer  # noqa: E402
from framekit.services.piper import PiperEngine  # noqa: E402
from model_tier.ray_cluster import RayCluster, model_tier, ray_cluster  # noqa: E402

SENTENCES = (
    "What are your opening hours?",
    "I'd like to check on my order.",
    "Can I book an appointment for tomorrow afternoon?",
    "My order number is four five seven two.",
    "I want to return a jacket I bought last week.",
    "Could you put me through to a person, please?",
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
    cpu: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def spoken(text: str) -> bytes:
    engine = PiperEngine.shared()
    pcm = np.frombuffer(b"".join(engine.synthesize(text, varied=False)), dtype="<i2")
    samples = resample(pcm.astype(np.float32) / 32768, engine.sample_rate, 16000)
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
    if "ProxyActor" in command:
        return "proxy"
    return "other"


async def _caller(
    recognizer: RemoteRecognizer,
    audio: list[bytes],
    start: float,
    interval: float,
    until: float,
    window: Window,
) -> None:
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    turn = 0
    while time.monotonic() < until:
        sent = time.monotonic()
        try:
            transcript = await recognizer.transcribe_async(audio[turn % len(audio)])
        except Exception:
            window.failures += 1
        else:
            window.latencies.append(time.monotonic() - sent)
            window.utterances += bool(transcript.text)
        turn += 1
        await asyncio.sleep(max(0.0, sent + interval - time.monotonic()))


async def _model_runs(url: str) -> tuple[int, int]:
    """The replica's batched model runs and the utterances in them (one replica)."""
    async with aiohttp.ClientSession() as session, session.get(f"{url}/stt/stats") as response:
        stats = await response.json()
    runs = [0, 0]
    for engine_runs, engine_requests in stats["model_runs"].values():
        runs[0] += engine_runs
        runs[1] += engine_requests
    return runs[0], runs[1]


async def _load(url: str, audio: list[bytes], args: argparse.Namespace, window: Window) -> None:
    client = ModelTierClient(url, first_byte_timeout=30.0)
    recognizer = RemoteRecognizer(client)
    try:
        await recognizer.transcribe_async(audio[0])  # warm: first decodes are slow
        recognizer.batch_sizes.clear()
        runs, requests = await _model_runs(url)
        begin = time.monotonic() + 0.1
        until = begin + args.seconds
        stagger = args.interval / args.callers
        await asyncio.gather(
            *(
                _caller(
                    recognizer,
                    audio[i:] + audio[:i],
                    begin + i * stagger,
                    args.interval,
                    until,
                    window,
                )
                for i in range(args.callers)
            )
        )
        window.batch_sizes = recognizer.batch_sizes
        runs_after, requests_after = await _model_runs(url)
        window.model_runs, window.model_requests = runs_after - runs, requests_after - requests
    finally:
        await client.close()


def measure(
    cluster: RayCluster, mode: str, batch: int, audio: list[bytes], args: argparse.Namespace
) -> Window:
    window = Window(mode)
    tier_args = [
        f"--max-batch-size={batch}",
        f"--batch-wait-ms={args.batch_wait_ms}",
        "--stt-replicas=1:1",
        "--tts-replicas=1:1",
        "--cpus-per-replica=0.5",
    ]
    with model_tier(cluster, *tier_args) as tier:
        processes = _tier_processes(cluster)
        kinds = Counter(_kind(command) for command in processes.values())
        if not kinds["stt replica"] or not kinds["proxy"]:
            raise RuntimeError(f"the replica or proxy is not in the cluster's groups: {kinds}")
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


def show(window: Window) -> None:
    n = max(1, window.utterances)
    lat = sorted(window.latencies)
    p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))] if lat else float("nan")
    per = {k: 1000 * v / n for k, v in window.cpu.items()}
    sizes = ", ".join(f"{s}x{c}" for s, c in sorted(window.batch_sizes.items()))
    model = window.model_requests / max(1, window.model_runs)
    print(
        f"{window.mode:<10} utterances {window.utterances:4d} (failed {window.failures}) "
        f"in {window.seconds:5.1f} s | CPU ms/utterance: replica {per.get('stt replica', 0):6.1f}"
        f"  proxy {per.get('proxy', 0):5.1f}  whole tier {per.get('tier', 0):6.1f}"
        f" | latency p50 {1000 * statistics.median(lat) if lat else float('nan'):5.0f}"
        f" p95 {1000 * p95:5.0f} ms | serve batches (size x count) {sizes};"
        f" model runs {window.model_runs}, mean batch {model:.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument(
        "--interval", type=float, default=2.0, help="seconds between a caller's utterances"
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="load per window")
    parser.add_argument("--rounds", type=int, default=2, help="batched/unbatched windows each")
    parser.add_argument("--batch-wait-ms", type=float, default=20.0)
    args = parser.parse_args()
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    audio = [spoken(text) for text in SENTENCES]
    windows: list[Window] = []
    with ray_cluster(nodes=2, cpus_per_node=1) as cluster:
        for _ in range(args.rounds):
            for mode, batch in (("batched", 8), ("unbatched", 1)):
                windows.append(measure(cluster, mode, batch, audio, args))
                show(windows[-1])
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    for mode in ("batched", "unbatched"):
        mine = [w for w in windows if w.mode == mode]
        total = sum(w.utterances for w in mine)
        for kind in ("stt replica", "proxy", "tier"):
            cpu = sum(w.cpu.get(kind, 0.0) for w in mine)
            print(
                f"{mode:<10} {kind:<12} {1000 * cpu / max(1, total):7.1f} ms CPU per utterance"
                f" ({total} utterances)"
            )


if __name__ == "__main__":
    main()
