"""The compose topology of ``deploy/compose/compose.yaml`` as processes on this machine.

``compose.yaml`` is read, not copied: each service's command and environment come
from it, with the compose network's names (``ray-head:6379``, ``node-1:8080``) mapped
to free local ports. The machine's PostgreSQL (a fresh schema) and Redis stand in for
those two containers; the Ray head and worker are two raylets started by ``ray
start`` as the file says, the head's second command is ``framekit models serve``;
the one-shot ``migrate`` service's command runs, then the two call nodes, ``framekit
serve`` with the file's environment, and nginx with the balancer's config of
``deploy/nginx``. Prometheus and Grafana are left out.

What is changed from the file, and why (test-only, in :data:`_LOCAL_RAY` and the
nodes' environment below): each raylet's node address, temporary folder and object
store size (several clusters share this machine), the nodes' data folders (the
image's ``ENV``) and an unused Twilio REST root (callers hang up themselves).
Used by ``tests/deploy/test_compose_processes.py`` and ``benchmarks/bench_cluster.py``.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import yaml
from sqlalchemy.engine import make_url

from deploy.test_manifests import COMPOSE, DEPLOY, interpolate
from model_tier.ray_cluster import RayCluster, free_port

__all__ = ["ACCOUNT", "API_TOKEN", "AUTH_TOKEN", "PUBLIC", "Topology", "compose_topology"]

_BIN = Path(sys.executable).parent
_NGINX = Path("/usr/sbin/nginx")
ACCOUNT = "AC" + "5" * 32
AUTH_TOKEN = "compose-topology-auth-token-0123"
API_TOKEN = "compose-topology-api-token-01234"
PUBLIC = "https://calls.example.test"
_SECRETS = {
    "TWILIO_ACCOUNT_SID": ACCOUNT,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "WEBHOOK_BASE_URL": PUBLIC,
    "API_TOKEN": API_TOKEN,
    "POSTGRES_PASSWORD": "unused-the-machines-postgres",
    "GRAFANA_ADMIN_PASSWORD": "unused-no-grafana",
}
_LOCAL_RAY = ["--node-ip-address=127.0.0.1", "--object-store-memory=80000000"]
# Token authentication off: a loopback-only test cluster, whatever ~/.ray/auth_token holds
# (a local ray.init() elsewhere writes that file, and Ray then turns tokens on by itself).
_QUIET = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_DEDUP_LOGS": "0", "RAY_AUTH_MODE": "disabled"}


@dataclass
class Topology:
    """The running services: where the callers connect and where each node listens."""

    entry: str
    nodes: dict[str, str]
    tier: str
    database_url: str
    cluster: RayCluster


def _compose() -> dict[str, Any]:
    environment = {**_SECRETS, "TWILIO_API_BASE_URL": f"http://127.0.0.1:{free_port()}"}
    services: dict[str, Any] = yaml.safe_load(interpolate(COMPOSE.read_text(), environment))[
        "services"
    ]
    return services


def _local(argv: list[str], addresses: dict[str, str]) -> list[str]:
    """``argv`` with the compose network's ``service:port`` names made local addresses."""
    text = shlex.join(argv)
    for name, address in addresses.items():
        text = text.replace(name, address)
    return shlex.split(text)


def _listen(argv: list[str], port: int) -> list[str]:
    """``argv`` listening on ``127.0.0.1:port`` instead of the container's port."""
    out = [a.replace("0.0.0.0", "127.0.0.1") for a in argv]
    for i, arg in enumerate(out):
        if arg == "--port":
            out[i + 1] = str(port)
        elif arg.startswith("--port="):
            out[i] = f"--port={port}"
    return out


def _commands(shell: list[str]) -> list[list[str]]:
    """A ``sh -c "a && exec b"`` command as its argument lists."""
    assert shell[:2] == ["sh", "-c"], shell
    words = shlex.split(shell[2])
    commands: list[list[str]] = [[]]
    for word in words:
        if word == "&&":
            commands.append([])
        elif word != "exec":
            commands[-1].append(word)
    return commands


def _stop(process: subprocess.Popen[bytes], grace: float = 40.0) -> None:
    """SIGTERM the process group ``process`` leads (as an orchestrator stops a container)."""
    for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def _process(
    argv: list[str], log: Path, env: dict[str, str], grace: float = 40.0
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        _stop(process, grace)


def _wait_for(what: str, ready: Any, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 240
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start:\n{log.read_text()[-4000:]}")
        time.sleep(0.3)


def _answers(url: str) -> bool:
    """Whether ``url`` answers 200 (a readiness probe)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def _database(server: str) -> Iterator[str]:
    """A fresh schema on the PostgreSQL at ``server``, standing in for the container."""
    schema = f"framekit_compose_{uuid.uuid4().hex[:12]}"
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _ray_cluster(
    services: dict[str, Any], stack: ExitStack, folder: Path
) -> tuple[RayCluster, list[str], dict[str, str]]:
    """The head's and the worker's ``ray start`` as the file says, on local ports."""
    head_start, tier = _commands(services["ray-head"]["command"])
    gcs, serve = free_port(), free_port()
    addresses = {"ray-head:6379": f"127.0.0.1:{gcs}", "ray-head:8000": f"127.0.0.1:{serve}"}
    cluster = RayCluster(addresses["ray-head:6379"], folder)
    stack.callback(cluster.stop)
    env = {**os.environ, **_QUIET}
    head = [
        *_listen(head_start, gcs),
        *_LOCAL_RAY,
        f"--temp-dir={folder}",
        f"--ray-client-server-port={free_port()}",
    ]
    assert head[:3] == ["ray", "start", "--head"]
    started = subprocess.Popen(
        [str(_BIN / "ray"), *head[1:]],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=folder,
    )
    cluster.nodes.append(started)
    output, _ = started.communicate(timeout=180)
    assert started.returncode == 0, output.decode()[-3000:]
    worker = _local(services["ray-worker"]["command"], addresses)
    assert worker[:3] == ["ray", "start", "--block"]
    log = folder / "ray-worker.log"
    with log.open("wb") as out:
        cluster.nodes.append(
            subprocess.Popen(
                [str(_BIN / "ray"), *worker[1:], *_LOCAL_RAY],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=folder,
            )
        )
    return cluster, _listen(_local(tier, addresses), serve), addresses


def _balancer_config(nodes: dict[str, str], port: int) -> str:
    """The balancer's server config (the file compose mounts), on local addresses."""
    text = (DEPLOY / "nginx" / "framekit.conf").read_text()
    text = re.sub(r"listen\s+8080;", f"listen 127.0.0.1:{port};", text)
    for name, base in nodes.items():
        text = re.sub(rf"\b{name}:8080\b", base.removeprefix("http://"), text)
    return text


def _nginx_main(folder: Path, server: str) -> str:
    """A main nginx.conf around ``server`` (the image's conf.d file) for a non-root run."""
    return (
        f"daemon off;\npid {folder}/nginx.pid;\nerror_log {folder}/nginx-error.log;\n"
        "events {}\nhttp {\n"
        f"  access_log off;\n  client_body_temp_path {folder}/nginx-body;\n"
        f"  proxy_temp_path {folder}/nginx-proxy;\n{server}\n}}\n"
    )


@contextmanager
def compose_topology(
    folder: Path,
    postgres: str,
    redis: str,
    node_env: Mapping[str, str] | None = None,
    while_loading: Callable[[], object] = lambda: None,
) -> Iterator[Topology]:
    """The compose services as processes until exit; logs in ``folder``.

    ``postgres``: a PostgreSQL server's URL (a fresh schema is made and dropped);
    ``redis``: a Redis URL; ``node_env``: settings the nodes get on top of the file's;
    ``while_loading`` runs while the nodes load their models.
    """
    services = _compose()
    with ExitStack() as stack:
        database = stack.enter_context(_database(postgres))
        ray_folder = Path(f"/tmp/fkcompose-{uuid.uuid4().hex[:8]}")  # short: Ray's sockets
        ray_folder.mkdir()
        cluster, tier_argv, addresses = _ray_cluster(services, stack, ray_folder)
        env = {**os.environ, **_QUIET}
        tier_log = folder / "models-serve.log"
        tier = stack.enter_context(_process(tier_argv, tier_log, env, grace=10))
        _wait_for(
            "framekit models serve", lambda: b"tier ready" in tier_log.read_bytes(), tier, tier_log
        )
        migrate = services["migrate"]["command"]  # the schema once, as compose runs it first
        subprocess.run(
            [str(_BIN / migrate[0]), *migrate[1:]],
            env={**env, "DATABASE_URL": database},
            check=True,
            timeout=120,
        )
        nodes: dict[str, str] = {}
        started = []
        for name in ("node-1", "node-2"):
            service = services[name]
            port = free_port()
            data = folder / name
            data.mkdir()
            local_env = {
                **env,
                # an empty value is null in YAML: compose then passes the shell's, here none
                **{k: str(v) for k, v in service["environment"].items() if v is not None},
                "DATABASE_URL": database,
                "REDIS_URL": redis,
                "BUSINESS_DB_PATH": str(data / "business.db"),
                "RECORDINGS_DIR": str(data / "recordings"),
                "SPOOL_DIR": str(data / "spool"),
                **(node_env or {}),
            }
            local_env = {k: _local([v], addresses)[0] if v else v for k, v in local_env.items()}
            argv = _listen(service["command"], port)
            log = folder / f"{name}.log"
            command = [str(_BIN / argv[0]), *argv[1:]]
            process = stack.enter_context(_process(command, log, local_env))
            started.append((name, process, log, f"http://127.0.0.1:{port}"))
            nodes[name] = f"http://127.0.0.1:{port}"
        while_loading()
        for name, process, log, base in started:
            _wait_for(name, lambda base=base: _answers(f"{base}/health/ready"), process, log)
        port = free_port()
        conf = folder / "nginx.conf"
        conf.write_text(_nginx_main(folder, _balancer_config(nodes, port)))
        log = folder / "nginx.log"
        process = stack.enter_context(_process([str(_NGINX), "-c", str(conf)], log, env))
        entry = f"http://127.0.0.1:{port}"
        _wait_for("nginx", lambda: _answers(f"{entry}/health/ready"), process, log)
        yield Topology(entry, nodes, f"http://{addresses['ray-head:8000']}", database, cluster)
