"""Serving an aiohttp app on a free port of 127.0.0.1: what the HTTP fakes share.

The socket is bound before the site starts, so the port is known at once and no
two fakes race for one. ``shutdown_timeout`` is short because a fake may hold a
stalled stream on purpose; closing must not wait for it.
"""

from __future__ import annotations

import socket
from types import TracebackType
from typing import Self

from aiohttp import web

__all__ = ["LocalHTTPServer"]


class LocalHTTPServer:
    """Runs the routes of a fake: an async context manager, or :meth:`start` and :meth:`close`.

    A subclass lists its endpoints in :meth:`_routes`; ``url`` is valid while it runs.
    """

    _runner: web.AppRunner | None = None
    _port: int = 0

    @property
    def url(self) -> str:
        """The server's root URL, ``http://127.0.0.1:<port>``."""
        if self._runner is None:
            raise RuntimeError("the server is not running; use it with `async with`")
        return f"http://127.0.0.1:{self._port}"

    def _routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    async def start(self) -> None:
        """Start without ``async with`` (pair it with :meth:`close`)."""
        app = web.Application()
        app.add_routes(self._routes())
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        """Stop serving; later requests fail to connect, as when the network is down."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
