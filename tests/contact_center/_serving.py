"""Run a serve app on a free loopback port for a test, and stop it (drained) afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from framekit_contact_center.server import ContactCenterServer
from framekit_contact_center.serving import serve

__all__ = ["listening"]


@asynccontextmanager
async def listening(
    server: ContactCenterServer, *, drain_timeout: float = 5.0, **options: Any
) -> AsyncIterator[tuple[str, int, asyncio.Event, asyncio.Task[None]]]:
    """``serve(server)`` on 127.0.0.1, port 0: yields ``(host, port, stop, serving)``.

    Setting ``stop`` starts the drain; on exit it is set and ``serving`` awaited, so
    the server's last records are written when the block ends.
    """
    stop = asyncio.Event()
    bound: asyncio.Future[tuple[str, int]] = asyncio.get_running_loop().create_future()
    serving = asyncio.ensure_future(
        serve(
            server,
            "127.0.0.1",
            0,
            drain_timeout=drain_timeout,
            stop=stop,
            on_listening=lambda host, port: bound.set_result((host, port)),
            **options,
        )
    )
    host, port = await asyncio.wait_for(bound, 10)
    try:
        yield host, port, stop, serving
    finally:
        stop.set()
        await asyncio.wait_for(serving, 30)
