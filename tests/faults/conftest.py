"""Real PostgreSQL behind a proxy the test can break (``tcp_proxy.py``), each test in a schema.

The server is ``FRAMEKIT_TEST_DATABASE_URL`` (``.ci/run`` sets it); without it the
tests skip with the reason. Each test gets a fresh schema, migrated, whose URL
points at the proxy (``options=-csearch_path=...``); the schema is dropped and the
proxy closed afterwards, whatever the test did to the network.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

pytest.importorskip(
    "sqlmodel", reason="fault tests need the 'db' extra: pip install 'framekit[db]'"
)
pytest.importorskip("psycopg", reason="fault tests need the 'db' extra: pip install 'framekit[db]'")

import psycopg
from loguru import logger
from sqlalchemy.engine import make_url

from framekit.storage import RecordWriter, migrate

from .tcp_proxy import Mode, TcpProxy

if TYPE_CHECKING:
    from loguru import Message

PG_ENV = "FRAMEKIT_TEST_DATABASE_URL"


@dataclass
class ProxiedDatabase:
    """A migrated schema on the test server, reached directly or through ``proxy``."""

    proxy: TcpProxy
    url: str
    """Through the proxy: what the code under test uses."""
    direct_url: str
    """Around the proxy: what the test reads the results with."""
    schema: str

    def replay_spool(self, spool: Path, expected: int) -> None:
        """The network is back: a new writer replays ``spool``, all ``expected`` records."""
        self.proxy.set_mode(Mode.PASS)
        replay = RecordWriter(self.url, spool_dir=spool).start()
        try:
            assert replay.flush(10)
            assert replay.stats.replayed == expected
        finally:
            replay.close()


def _admin_dsn() -> str:
    return make_url(os.environ[PG_ENV]).set(drivername="postgresql").render_as_string(False)


@pytest.fixture
def database() -> Iterator[ProxiedDatabase]:
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL to break (.ci/run sets it)")
    server = make_url(os.environ[PG_ENV])
    schema = f"framekit_fault_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    direct = server.update_query_dict({"options": f"-csearch_path={schema}"})
    proxy = TcpProxy(server.host or "127.0.0.1", server.port or 5432).start()
    through = direct.set(host="127.0.0.1", port=proxy.port)
    try:
        migrate(direct.render_as_string(hide_password=False))
        yield ProxiedDatabase(
            proxy,
            through.render_as_string(hide_password=False),
            direct.render_as_string(hide_password=False),
            schema,
        )
    finally:
        proxy.set_mode(Mode.PASS)
        proxy.close()
        with psycopg.connect(_admin_dsn(), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Every loguru line (level and message) logged during the test."""
    lines: list[str] = []

    def sink(message: Message) -> None:
        lines.append(f"{message.record['level'].name} {message.record['message']}")

    handler = logger.add(sink, level="DEBUG")
    try:
        yield lines
    finally:
        logger.remove(handler)


_OURS = ("framekit-record-writer", "tcp-proxy")


@pytest.fixture
def no_leftover_threads() -> Iterator[None]:
    """Fails a test that leaves a writer's or proxy's thread running (after 5 s of grace).

    An abandoned write ends when the proxy resets its connection at the fixture's
    teardown, so this is checked after every other fixture has finished.
    """
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while True:
        left = [t for t in threading.enumerate() if t not in before and t.name.startswith(_OURS)]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert left == [], f"threads left running: {[t.name for t in left]}"
