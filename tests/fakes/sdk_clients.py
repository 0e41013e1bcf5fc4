"""SDK clients aimed at a fake server, shared by the fake-server tests.

Every client made here is closed after its test (by the autouse fixture in
``conftest.py``), while the test's event loop still runs; a client left open would
warn about an unclosed session when the loop is gone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from framekit.testing.fakes._llm_server import FakeLLMServer

_OPEN_CLIENTS: list[Any] = []


def sdk_client(
    make: Callable[..., Any], server: FakeLLMServer, *, default_key: str, **kwargs: Any
) -> Any:
    """``make(base_url=server.base_url, ...)`` with ``default_key`` and no SDK retries
    unless ``kwargs`` say otherwise; closed after the test."""
    kwargs.setdefault("api_key", default_key)
    kwargs.setdefault("max_retries", 0)
    client = make(base_url=server.base_url, **kwargs)
    _OPEN_CLIENTS.append(client)
    return client


async def close_clients() -> None:
    """Close every client :func:`sdk_client` made."""
    while _OPEN_CLIENTS:
        await _OPEN_CLIENTS.pop().close()
