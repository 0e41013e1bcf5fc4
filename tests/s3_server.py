"""A real S3 endpoint for tests: moto's server on 127.0.0.1, with dummy credentials.

boto3 speaks HTTP to it exactly as to AWS, MinIO or R2 (``endpoint_url``), so the
tests exercise the wire protocol, not a patched client.
"""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

__all__ = ["fetch", "free_port", "s3_client", "s3_endpoint"]


def free_port() -> int:
    """A local TCP port nothing listens on (the socket is closed again)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fetch(url: str) -> bytes:
    """GET ``url`` (a presigned link) the way a browser would: no credentials."""
    with urllib.request.urlopen(url, timeout=10) as response:
        body: bytes = response.read()
        return body


def s3_client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A moto S3 server on a free local port; boto3's credential chain finds dummy keys."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # moto keeps its buckets in process-wide state that every server in the process
    # shares: start each test from an empty store, whatever ran before it.
    _reset(endpoint)
    try:
        yield endpoint
    finally:
        _reset(endpoint)
        server.stop()


def _reset(endpoint: str) -> None:
    """Empty moto's store through its own API (``POST /moto-api/reset``)."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
