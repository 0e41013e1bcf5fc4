"""Running the serve application on a port: listen, then drain on SIGINT/SIGTERM.

Shutdown: on SIGINT or SIGTERM the server first says it is not ready
(``/health/ready`` 503, new call webhooks and streams 503) for ``UNREADY_BEFORE_DRAIN``
seconds while still listening, so that a load balancer or Kubernetes stops sending it
calls before its port closes; then it stops listening, lets the running calls finish
for ``drain_timeout`` seconds, then cancels what is left and writes the last records. A
second signal skips the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from aiohttp import web
from loguru import logger

if TYPE_CHECKING:
    from framekit_contact_center.server import ContactCenterServer

__all__ = ["serve"]

_LINGERING_TIME = 2.0  # seconds to read what is left of a refused request's body


async def serve(
    server: ContactCenterServer,
    host: str,
    port: int,
    *,
    drain_timeout: float = 30.0,
    stop: asyncio.Event | None = None,
    out: TextIO | None = None,
    on_listening: Callable[[str, int], None] | None = None,
    reuse_port: bool = False,
    header_timeout: float = 15.0,
) -> None:
    """Run ``server`` on ``host:port`` until SIGINT/SIGTERM (or ``stop``), then drain.

    ``on_listening(host, port)`` is told the bound address (``port=0`` picks one).
    ``reuse_port`` sets ``SO_REUSEPORT``: several processes listen on one port and the
    kernel spreads new connections over them (``framekit serve --workers``).
    ``header_timeout``: seconds a connection has to send a complete request's headers
    (from its opening, or from the previous answer on a kept-alive connection), else it
    is closed: a client that trickles its headers (slow-loris) holds a socket that
    long at most. It is aiohttp's ``keepalive_timeout``, so it is also how long an idle
    kept-alive connection stays open. A webhook's body has its own bound
    (``TwilioServer.body_timeout``).
    """
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    force = asyncio.Event()

    def on_signal() -> None:
        (force if stop.is_set() else stop).set()

    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:
        loop.add_signal_handler(number, on_signal)
    runner = web.AppRunner(
        server.app,
        handle_signals=False,
        keepalive_timeout=header_timeout,
        lingering_time=_LINGERING_TIME,
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, reuse_port=reuse_port or None)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        if on_listening is not None:
            on_listening(bound_host, bound_port)
        if out is not None:
            out.write(f"framekit serve: listening on http://{bound_host}:{bound_port}\n")
            out.flush()
        await stop.wait()
        server.draining = True
        unready = server.settings.unready_before_drain
        if unready:
            logger.info(f"serve: stopping; not ready for {unready:g} s before the port closes")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(force.wait(), unready)
        await site.stop()  # no new connections; the calls' sockets stay open
        if server.active_calls:
            logger.info(
                f"serve: stopping; waiting up to {drain_timeout:.0f} s for "
                f"{server.active_calls} call(s) to end"
            )
            waits = [
                asyncio.ensure_future(server.wait_until_idle()),
                asyncio.ensure_future(force.wait()),
            ]
            await asyncio.wait(waits, timeout=drain_timeout, return_when=asyncio.FIRST_COMPLETED)
            for waiting in waits:
                waiting.cancel()
    finally:
        for number in signals:
            loop.remove_signal_handler(number)
        await runner.cleanup()  # cancels the calls still running, then writes the records
