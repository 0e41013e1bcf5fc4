"""Two call nodes behind nginx, on a private Redis and a PostgreSQL schema of their own.

* nginx runs ``deploy/nginx/framekit.conf`` itself: only its upstream servers and
  its ``listen`` are rewritten to this machine's ports, and an access log names the
  node of each request (``$upstream_addr``);
* each node is ``tests/cluster/node.py`` (``framekit serve``'s application and drain)
  in a process of its own, so that it can be killed;
* Redis is a ``redis-server`` of the test's own on a free port, without persistence:
  restarting it loses every key, like a Redis without a disk (the machine's shared
  Redis is never touched);
* PostgreSQL is ``FRAMEKIT_TEST_DATABASE_URL``, in a fresh schema, migrated once
  before the nodes start (as a deployment's migration job would).
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
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from framekit.storage import migrate

REPO = Path(__file__).resolve().parents[2]
NGINX_CONF = REPO / "deploy" / "nginx" / "framekit.conf"
NGINX_FAIL_TIMEOUT = 5.0
"""How long nginx passes over a node after one failure (``fail_timeout`` in NGINX_CONF)."""
DATABASE_ENV = "FRAMEKIT_TEST_DATABASE_URL"
ACCOUNT = "AC" + "5" * 32
AUTH_TOKEN = "cluster-auth-token-0123456789abcdef"
API_TOKEN = "cluster-api-token-0123456789abcdef"
PUBLIC = "https://calls.example.test"
HEARTBEAT = 1.0
"""NODE_HEARTBEAT of the nodes: a dead node's calls close 6-7 s after its last beat."""
UNREADY = 2.0
"""UNREADY_BEFORE_DRAIN of the nodes."""
_READY_WITHIN = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get_json(url: str, token: str | None = None) -> tuple[int, dict[str, Any]]:
    """``GET url``: status and JSON body (a refused connection is status 0)."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except (urllib.error.URLError, ConnectionError):
        return 0, {}


def voice_webhook(base_url: str, call_sid: str) -> tuple[int, str]:
    """Post the voice webhook for ``call_sid`` to ``base_url``, signed as Twilio signs it
    for ``PUBLIC``: status and TwiML (a refused connection is status 0)."""
    from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

    form = {"CallSid": call_sid, "AccountSid": ACCOUNT, "From": "+15551230000"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + "/twilio/voice", form)
    request = urllib.request.Request(
        base_url + "/twilio/voice",
        data=urllib.parse.urlencode(form).encode(),
        headers={"X-Twilio-Signature": signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (urllib.error.URLError, ConnectionError):
        return 0, ""


def metrics(url: str) -> dict[str, float]:
    """The unlabelled samples of a ``/metrics`` page, by name."""
    with urllib.request.urlopen(url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    samples = (line.split(" ") for line in text.splitlines() if line and line[0] != "#")
    return {parts[0]: float(parts[1]) for parts in samples if len(parts) == 2}


@dataclass
class Node:
    name: str
    port: int
    process: subprocess.Popen[bytes] | None = None
    owner: str = ""
    """Its calls' owner (``/health/live``'s ``process``), new at each start."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    directory: Path
    database_url: str
    admin_dsn: str
    schema: str
    node_env: dict[str, str] = field(default_factory=dict)
    """More environment for every node (e.g. ``TONE_SECONDS``)."""
    redis_port: int = field(default_factory=free_port)
    lb_port: int = field(default_factory=free_port)
    nodes: dict[str, Node] = field(default_factory=dict)
    _redis: subprocess.Popen[bytes] | None = None
    _nginx: subprocess.Popen[bytes] | None = None

    @property
    def lb_url(self) -> str:
        return f"http://127.0.0.1:{self.lb_port}"

    # --- Redis -------------------------------------------------------------------------

    def start_redis(self) -> None:
        self._redis = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=(self.directory / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while not _accepts(self.redis_port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop_redis(self) -> None:
        assert self._redis is not None
        self._redis.terminate()
        self._redis.wait(10)
        self._redis = None

    # --- nodes -------------------------------------------------------------------------

    def environment(self, node: Node) -> dict[str, str]:
        home = self.directory / node.name
        home.mkdir(exist_ok=True)
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS")},
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_PHONE_NUMBER": "+15550000000",
            "WEBHOOK_BASE_URL": PUBLIC,
            "API_TOKEN": API_TOKEN,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "NODE_PREFIX": "cluster:",
            "NODE_HEARTBEAT": str(HEARTBEAT),
            "UNREADY_BEFORE_DRAIN": str(UNREADY),
            "BUSINESS_DB_PATH": str(home / "shop.db"),
            "RECORDINGS_DIR": str(home / "recordings"),
            "SPOOL_DIR": str(home / "spool"),
            "ANALYTICS": "off",
            "MAX_CALLS": "8",
            **self.node_env,
        }

    def start_node(self, name: str) -> Node:
        node = self.nodes.setdefault(name, Node(name, free_port()))
        node.process = subprocess.Popen(
            [sys.executable, str(REPO / "tests" / "cluster" / "node.py"), str(node.port)],
            env=self.environment(node),
            stdout=(self.directory / f"{name}.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        return node

    def wait_ready(self, node: Node) -> None:
        deadline = time.monotonic() + _READY_WITHIN
        while True:
            assert node.process is not None
            assert node.process.poll() is None, self.log(node)
            status, body = get_json(node.url + "/health/ready")
            if status == 200:
                node.owner = body["process"]
                return
            assert time.monotonic() < deadline, f"node {node.name} not ready: {self.log(node)}"
            time.sleep(0.1)

    def log(self, node: Node) -> str:
        return (self.directory / f"{node.name}.log").read_text(errors="replace")[-3000:]

    def node_of_owner(self, owner: str) -> str:
        [name] = [node.name for node in self.nodes.values() if node.owner == owner]
        return name

    def node_of_port(self, port: int) -> str:
        [name] = [node.name for node in self.nodes.values() if node.port == port]
        return name

    def stop_nodes(self) -> None:
        for node in self.nodes.values():
            if node.process is not None and node.process.poll() is None:
                node.process.send_signal(signal.SIGTERM)
                node.process.send_signal(signal.SIGTERM)  # the second skips the drain
        for node in self.nodes.values():
            if node.process is not None:
                try:
                    node.process.wait(20)
                except subprocess.TimeoutExpired:
                    node.process.kill()
                    node.process.wait()

    # --- nginx -------------------------------------------------------------------------

    def start_nginx(self) -> None:
        here = self.directory / "nginx"
        here.mkdir()
        here.chmod(0o777)  # its workers may run as nobody
        servers = "".join(
            f"    server 127.0.0.1:{node.port} max_fails=1 fail_timeout=5s;\n"
            for node in self.nodes.values()
        )
        site = re.sub(r"(?m)^    server node-\d:8080 .*\n", "", NGINX_CONF.read_text())
        site = site.replace("    least_conn;\n", "    least_conn;\n" + servers)
        site = site.replace("listen 8080;", f"listen 127.0.0.1:{self.lb_port};")
        (here / "framekit.conf").write_text(site)
        (here / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {here}/nginx.pid;\n"
            f"error_log {here}/error.log info;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            "  log_format nodes '$msec $request_method $uri $status $upstream_addr';\n"
            f"  access_log {here}/access.log nodes;\n"
            f"  client_body_temp_path {here}/body;\n  proxy_temp_path {here}/proxy;\n"
            f"  include {here}/framekit.conf;\n}}\n"
        )
        check = subprocess.run(
            ["nginx", "-t", "-p", str(here), "-c", str(here / "nginx.conf")],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
        self._nginx = subprocess.Popen(
            ["nginx", "-p", str(here), "-c", str(here / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(here / "stderr.log").open("ab"),
        )
        deadline = time.monotonic() + 10
        while not _accepts(self.lb_port):
            assert time.monotonic() < deadline, (here / "error.log").read_text()
            time.sleep(0.05)

    def access_log(self) -> list[list[str]]:
        """nginx's access log: ``[msec, method, uri, status, upstream_addr]`` per request."""
        text = (self.directory / "nginx" / "access.log").read_text()
        return [line.split(" ", 4) for line in text.splitlines()]

    def stop_nginx(self) -> None:
        if self._nginx is not None:
            self._nginx.send_signal(signal.SIGQUIT)  # graceful: closes the kept connections
            try:
                self._nginx.wait(10)
            except subprocess.TimeoutExpired:
                self._nginx.kill()
                self._nginx.wait()

    # --- PostgreSQL --------------------------------------------------------------------

    def calls(self, call_sids: list[str]) -> dict[str, dict[str, Any]]:
        """The call rows of ``call_sids`` (by CallSid), read directly from PostgreSQL."""
        with psycopg.connect(self.admin_dsn, autocommit=True) as connection:
            rows = connection.execute(
                "SELECT external_id, owner, ended_at, outcome, end_reason"
                f' FROM "{self.schema}".calls WHERE external_id = ANY(%s)',
                (call_sids,),
            ).fetchall()
        return {
            sid: {"owner": owner, "ended_at": ended, "outcome": outcome, "end_reason": reason}
            for sid, owner, ended, outcome, reason in rows
        }

    def open_calls(self) -> dict[str, int]:
        """The calls not yet closed, counted by owner (a node's ``owner``)."""
        with psycopg.connect(self.admin_dsn, autocommit=True) as connection:
            rows = connection.execute(
                f'SELECT owner, count(*) FROM "{self.schema}".calls'
                " WHERE ended_at IS NULL GROUP BY owner"
            ).fetchall()
        return {owner: count for owner, count in rows}

    def drop(self) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def make_cluster(directory: Path, database_url: str) -> Cluster:
    """A migrated schema on ``database_url``'s server; nothing started yet."""
    server = make_url(database_url)
    admin = server.set(drivername="postgresql").render_as_string(False)
    schema = f"framekit_cluster_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    url = server.update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    migrate(rendered)
    return Cluster(directory, rendered, admin, schema)


@contextmanager
def running_cluster(
    directory: Path, database_url: str, node_env: dict[str, str] | None = None
) -> Iterator[Cluster]:
    """Redis, call nodes ``a`` and ``b`` (ready) and nginx in front; all stopped on exit."""
    running = make_cluster(directory, database_url)
    running.node_env = dict(node_env or {})
    try:
        running.start_redis()
        nodes = [running.start_node("a"), running.start_node("b")]
        for node in nodes:  # both load at once
            running.wait_ready(node)
        running.start_nginx()
        yield running
    finally:
        running.stop_nginx()
        running.stop_nodes()
        if running._redis is not None:
            running.stop_redis()
        running.drop()


def shared_database() -> str:
    """The PostgreSQL every node shares; skips the calling test where a cluster cannot run."""
    url = os.environ.get(DATABASE_ENV)
    if not url:
        pytest.skip(f"{DATABASE_ENV} is not set: the nodes share a PostgreSQL")
    for tool in ("nginx", "redis-server"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (scripts/test installs it)")
    return url
