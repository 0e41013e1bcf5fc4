"""A real Ray cluster on this machine: a head and more raylets, each its own node.

``ray start`` as an operator runs it, each node in a process group of its own, so
stopping ends exactly the processes the cluster started (never ``ray stop``, which
would end every Ray process of the user on the machine), and its temporary folder
goes with it. The model tier's command runs against it like against any cluster.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ModelTier",
    "RayCluster",
    "ReplicaKiller",
    "ReplicaWatcher",
    "free_port",
    "model_tier",
    "model_tier_with",
    "ray_cluster",
    "ray_script",
    "serve_requests",
]

_BIN = Path(sys.executable).parent
# Token authentication off: a loopback-only test cluster, whatever ~/.ray/auth_token holds
# (Ray turns tokens on by itself once a local ray.init() has written that file).
_QUIET = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_DEDUP_LOGS": "0", "RAY_AUTH_MODE": "disabled"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop_group(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM the process group ``process`` leads, then SIGKILL what is left."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


@dataclass
class RayCluster:
    """A running cluster: its address and the ``ray start`` of each node."""

    address: str
    temp_dir: Path
    nodes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def stop(self) -> None:
        for node in reversed(self.nodes):
            _stop_group(node)
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def _ray_start(args: Sequence[str], temp_dir: Path, tries: int = 1) -> subprocess.Popen[bytes]:
    """``ray start *args``, its processes in a group of their own; ``tries`` times at most.

    Why a second try for a worker raylet: on the shared cores at load 15-20 its
    registration with the head timed out after 30 s ("the GCS has become overloaded")
    in 2 of 4 cluster starts; a failed try's processes are ended before the next.
    """
    for attempt in range(1, tries + 1):
        process = subprocess.Popen(
            [str(_BIN / "ray"), "start", "--disable-usage-stats", *args],
            env={**os.environ, **_QUIET},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: what stop() ends
            cwd=temp_dir,
        )
        output, _ = process.communicate(timeout=120)
        if not process.returncode:
            return process
        _stop_group(process)
        if attempt == tries:
            raise RuntimeError(f"ray start {' '.join(args)} failed:\n{output.decode()[-3000:]}")
    raise AssertionError("unreachable")


@contextmanager
def ray_cluster(nodes: int = 2, cpus_per_node: int = 1) -> Iterator[RayCluster]:
    """A head and ``nodes - 1`` worker raylets on this machine, stopped on exit."""
    temp_dir = Path(tempfile.mkdtemp(prefix="fkray-", dir="/tmp"))
    port = free_port()
    cluster = RayCluster(f"127.0.0.1:{port}", temp_dir)
    try:
        common = [f"--num-cpus={cpus_per_node}", "--num-gpus=0", "--object-store-memory=80000000"]
        cluster.nodes.append(
            _ray_start(
                [
                    "--head",
                    f"--port={port}",
                    "--node-ip-address=127.0.0.1",
                    "--include-dashboard=false",
                    f"--ray-client-server-port={free_port()}",
                    f"--temp-dir={temp_dir}",
                    *common,
                ],
                temp_dir,
            )
        )
        for _ in range(nodes - 1):
            cluster.nodes.append(
                _ray_start(
                    [f"--address={cluster.address}", "--node-ip-address=127.0.0.1", *common],
                    temp_dir,
                    tries=2,
                )
            )
        yield cluster
    finally:
        cluster.stop()


def ray_script(cluster: RayCluster, code: str, timeout: float = 60) -> str:
    """Run ``code`` as a Ray driver of ``cluster`` in its own process; returns its stdout.

    The test process itself never imports Ray: it stands for a call node.
    """
    prelude = f"import ray\nray.init(address={cluster.address!r}, logging_level='ERROR')\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        env={**os.environ, **_QUIET},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"ray script failed:\n{done.stderr[-3000:]}")
    return done.stdout


_PROXY_LINE = re.compile(r" -- [A-Z]+ (\S+) (\d{3}) ")


def serve_requests(cluster: RayCluster) -> list[tuple[str, int]]:
    """``(route, status)`` of each request Serve's HTTP proxies answered so far, from
    their logs (a request a killed replica held shows as its ``500``)."""
    logs = cluster.temp_dir / "session_latest" / "logs" / "serve"
    answered: list[tuple[str, int]] = []
    for log in sorted(logs.glob("proxy_*.log")):
        for match in _PROXY_LINE.finditer(log.read_text(errors="replace")):
            answered.append((match[1], int(match[2])))
    return answered


class ReplicaKiller:
    """A Ray driver, connected in advance, that kills a replica the moment it is told.

    Connecting a driver takes seconds; a test that must kill a replica while requests
    are in flight starts this first, then calls :meth:`kill`.
    """

    def __init__(self, cluster: RayCluster, app: str, deployment: str) -> None:
        code = (
            f"import ray, sys\nray.init(address={cluster.address!r}, logging_level='ERROR')\n"
            "names = sorted(a['name'] for a in ray.util.list_named_actors(all_namespaces=True)"
            f" if a['name'].startswith('SERVE_REPLICA::{app}#{deployment}#'))\n"
            "actor = ray.get_actor(names[0], namespace='serve')\n"
            "print('ready', flush=True)\n"
            "sys.stdin.readline()\n"
            "ray.kill(actor, no_restart=True)\n"
            "print(names[0], flush=True)\n"
        )
        self._process = subprocess.Popen(
            [sys.executable, "-c", code],
            env={**os.environ, **_QUIET},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        if self._process.stdout.readline().strip() != "ready":
            raise RuntimeError("the replica killer could not connect to the cluster")

    def kill(self) -> str:
        """Kill the first replica (by name); returns its actor name."""
        name, _ = self._process.communicate("kill\n", timeout=60)
        if self._process.returncode:
            raise RuntimeError("the replica killer failed")
        return name.strip()


class ReplicaWatcher:
    """A Ray driver that samples a deployment's replicas by state every 0.5 s.

    ``samples`` holds ``(time.time(), {"RUNNING": n, "STARTING": m, ...})`` as Serve's
    controller reports them (``serve.status()``), read by a thread of this process.
    """

    def __init__(self, cluster: RayCluster, app: str, deployment: str) -> None:
        code = (
            "import ray, json, time\nfrom ray import serve\n"
            f"ray.init(address={cluster.address!r}, logging_level='ERROR')\n"
            "while True:\n"
            f"    got = serve.status().applications[{app!r}].deployments[{deployment!r}]\n"
            "    states = {getattr(k, 'value', str(k)): n for k, n in got.replica_states.items()}\n"
            "    print(json.dumps([time.time(), states]), flush=True)\n"
            "    time.sleep(0.5)\n"
        )
        self.samples: list[tuple[float, dict[str, int]]] = []
        self._process = subprocess.Popen(
            [sys.executable, "-c", code],
            env={**os.environ, **_QUIET},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            at, states = json.loads(line)
            self.samples.append((at, states))

    def wait_for(self, running: int, within: float, since: float = 0.0) -> float:
        """The time (``time.time()``) of the first sample from ``since`` on at which
        ``running`` replicas run."""
        return self.wait_until(lambda states: states.get("RUNNING", 0) == running, within, since)

    def wait_until(
        self, condition: Callable[[dict[str, int]], bool], within: float, since: float = 0.0
    ) -> float:
        """The time of the first sample from ``since`` on whose states meet ``condition``."""
        deadline = time.monotonic() + within
        seen = 0
        while time.monotonic() < deadline:
            for at, states in self.samples[seen:]:
                if at >= since and condition(states):
                    return at
            seen = len(self.samples)
            if self._process.poll() is not None:
                raise RuntimeError("the replica watcher exited")
            time.sleep(0.2)
        last = self.samples[-1][1] if self.samples else None
        raise AssertionError(f"no sample as wanted within {within} s (last: {last})")

    def stop(self) -> None:
        self._process.kill()
        self._process.wait()


@dataclass
class ModelTier:
    """``framekit models serve`` running against a cluster: its URL and its process."""

    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Stop the command as an operator would (SIGTERM): it removes the tier from Serve."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                _stop_group(self.process)


@contextmanager
def model_tier(cluster: RayCluster, *args: str, ready_timeout: float = 180) -> Iterator[ModelTier]:
    """``framekit models serve --address ... *args`` until it says it is ready; stopped on exit."""
    port = free_port()
    command = [
        str(_BIN / "framekit"),
        "models",
        "serve",
        f"--address={cluster.address}",
        f"--port={port}",
        "--proxy-location=HeadOnly",
        *args,
    ]
    with _tier_process(cluster, command, port, ready_timeout) as tier:
        yield tier


_DEPLOY = """
import signal, sys, threading
from framekit.servers.model_tier.app import deploy, shut_down
from framekit.servers.model_tier.options import ScalingOptions, TierOptions
deploy(eval(sys.argv[1]), sys.argv[2])
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
print("model tier ready", flush=True)
stop.wait()
shut_down()
"""


@contextmanager
def model_tier_with(
    cluster: RayCluster, options: str, port: int, ready_timeout: float = 180
) -> Iterator[ModelTier]:
    """The tier deployed by :func:`~framekit.servers.model_tier.app.deploy` itself.

    ``options``: a ``TierOptions(...)`` expression (with ``port``), for settings the
    command line does not offer (the autoscaler's delays). A driver of its own, like
    ``framekit models serve``; stopped on exit.
    """
    command = [sys.executable, "-c", _DEPLOY, options, cluster.address]
    with _tier_process(cluster, command, port, ready_timeout) as tier:
        yield tier


@contextmanager
def _tier_process(
    cluster: RayCluster, command: list[str], port: int, ready_timeout: float
) -> Iterator[ModelTier]:
    log = cluster.temp_dir / f"models-serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env={**os.environ, **_QUIET},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    tier = ModelTier(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + ready_timeout
        while b"model tier ready" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text()[-4000:]
                raise RuntimeError(f"the model tier did not start:\n{tail}")
            time.sleep(0.2)
        yield tier
    finally:
        tier.stop()
