"""A TCP proxy whose network can fail on command: pass, refuse, or black-hole.

Put it between a client and a real server (PostgreSQL here) and switch its mode
from any thread while the client runs:

``pass``
    bytes flow both ways;
``refuse``
    a new connection is reset as soon as it arrives (a server that is down);
    connections already open keep flowing (:meth:`TcpProxy.reset_all` cuts them);
``blackhole``
    connections stay open and every byte, both ways, is read and dropped: nothing
    is refused, nothing closed, nothing answered. New connections are accepted
    and treated the same way.

What a black-hole here is not: the proxy's own kernel still acknowledges the
client's packets, as a load balancer or a NAT box in front of a dead host would.
So the client's socket timeouts that count unacknowledged data
(``tcp_user_timeout``) do not fire, and only an application deadline ends the
wait, which is what the tests need to prove. A connection that lost bytes to the
black hole is out of step with its server for good: when the mode goes back to
``pass`` it is reset (as the client's own timeouts would end it on a real
network), and new connections flow again.

The proxy runs an asyncio loop on a thread of its own, so synchronous tests and
tests with their own event loop drive it alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Mode", "TcpProxy"]

_CHUNK = 65536


class Mode(StrEnum):
    """What the network does (see the module docstring)."""

    PASS = "pass"
    REFUSE = "refuse"
    BLACKHOLE = "blackhole"


@dataclass(eq=False)
class _Link:
    """One client connection and, unless it was black-holed from the start, its upstream."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    poisoned: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def reset(self) -> None:
        for writer in (self.client, self.upstream):
            if writer is not None:
                _reset(writer)
        for task in self.tasks:
            task.cancel()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset, not a polite FIN: what a dead network path looks like."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class TcpProxy:
    """Listens on ``127.0.0.1:<port>`` and forwards to ``target_host:target_port``."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0
        self.accepted = 0
        """Connections the proxy accepted (refused ones included)."""
        self.dropped_bytes = 0
        """Bytes swallowed by the black hole."""
        self._mode = Mode.PASS
        self._links: set[_Link] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def open_connections(self) -> int:
        return len(self._links)

    def start(self) -> TcpProxy:
        started: Future[None] = Future()
        self._thread = threading.Thread(
            target=self._run, args=(started,), name="tcp-proxy", daemon=True
        )
        self._thread.start()
        started.result(timeout=10)
        return self

    def set_mode(self, mode: Mode) -> None:
        """Switch the network's behaviour now (returns once the proxy has switched)."""
        self._call(self._switch, Mode(mode))

    def reset_all(self) -> None:
        """Reset every open connection (a server that went away)."""
        self._call(self._reset_all)

    def close(self) -> None:
        """Stop listening, reset every connection and end the proxy's thread."""
        if self._loop is None or self._thread is None:
            return
        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the proxy's thread ------------------------------------------------------------

    def _call(self, fn: Any, *args: Any) -> None:
        assert self._loop is not None, "the proxy has not started"
        done: Future[None] = Future()

        def run() -> None:
            try:
                fn(*args)
                done.set_result(None)
            except BaseException as exc:
                done.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        done.result(timeout=10)

    def _run(self, started: Future[None]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._accept, "127.0.0.1", 0)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            started.set_result(None)
            loop.run_forever()
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc)
        finally:
            loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        self._reset_all()
        tasks = [task for link in self._links for task in link.tasks]
        if tasks:
            await asyncio.wait(tasks, timeout=5)

    def _switch(self, mode: Mode) -> None:
        self._mode = mode
        if mode is Mode.PASS:
            for link in [link for link in self._links if link.poisoned]:
                self._drop(link)

    def _reset_all(self) -> None:
        for link in list(self._links):
            self._drop(link)

    def _drop(self, link: _Link) -> None:
        link.reset()
        self._links.discard(link)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self._mode is Mode.REFUSE:
            _reset(writer)
            return
        link = _Link(writer)
        self._links.add(link)
        if self._mode is Mode.BLACKHOLE:
            link.poisoned = True
            link.tasks.append(asyncio.current_task())  # type: ignore[arg-type]
            await self._swallow(reader, link)
            return
        try:
            up_reader, link.upstream = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            self._drop(link)
            return
        there = asyncio.ensure_future(self._pump(reader, link.upstream, link))
        back = asyncio.ensure_future(self._pump(up_reader, writer, link))
        link.tasks += [there, back]
        _, pending = await asyncio.wait([there, back], return_when=asyncio.FIRST_COMPLETED)
        if link in self._links:  # one side closed: close the other politely
            self._links.discard(link)
            for task in pending:
                task.cancel()
            writer.close()
            link.upstream.close()

    async def _swallow(self, reader: asyncio.StreamReader, link: _Link) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while chunk := await reader.read(_CHUNK):
                self.dropped_bytes += len(chunk)
        self._links.discard(link)

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Link
    ) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while chunk := await reader.read(_CHUNK):
                if self._mode is Mode.BLACKHOLE:
                    self.dropped_bytes += len(chunk)
                    link.poisoned = True
                    continue
                writer.write(chunk)
                await writer.drain()
            if self._mode is Mode.BLACKHOLE:  # the close is swallowed too
                link.poisoned = True
                await asyncio.get_running_loop().create_future()  # until reset
