"""One process's way to the model tier: its address, connection pool, deadlines and retry.

Why shared: every call of a ``framekit serve`` process asks the same tier, so one
:class:`aiohttp.ClientSession` (one pool of keep-alive connections) serves them all,
made on first use inside the server's event loop and closed with the server.

Why retry once: Ray Serve's proxy sends each request to a replica; a replica that
dies mid-request (a killed process, a lost node) fails that request only, and the
proxy routes the next one to a live replica. One retry hides a lost replica from
the caller (one delayed answer); a second failure means the tier is down, and the
caller's fallback (a local model, a spoken apology) takes over at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Final

from framekit.services.model_tier.protocol import ModelTierError

try:
    import aiohttp
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("the model tier's clients need aiohttp: pip install 'framekit[http]'") from (
        exc
    )

__all__ = ["ModelTierClient"]

_RETRYABLE_STATUS: Final = frozenset({500, 502, 503, 504})


class ModelTierClient:
    """The model tier at ``url`` (``http://host:8000``), as one process's calls reach it.

    ``connect_timeout``: seconds to open a connection (a stopped tier refuses at once;
    an unreachable host waits this long). ``first_byte_timeout``: seconds from a
    request to its answer's first byte. ``attempts``: tries per request (2: one retry).
    """

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = 1.0,
        first_byte_timeout: float = 5.0,
        attempts: int = 2,
    ) -> None:
        if attempts < 1:
            raise ValueError(f"attempts must be >= 1, got {attempts}")
        self.url = url.rstrip("/")
        self.attempts = attempts
        self._timeout = aiohttp.ClientTimeout(
            total=None,
            connect=connect_timeout,
            sock_connect=connect_timeout,
            sock_read=first_byte_timeout,
        )
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.retries = 0
        """Requests that failed once and were sent again (the process's count)."""

    def __repr__(self) -> str:
        return f"ModelTierClient({self.url!r})"

    def _pool(self) -> aiohttp.ClientSession:
        """The pool of the running event loop (a pool serves the loop it was made in)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._loop = loop
        return self._session

    async def close(self) -> None:
        """Close the connection pool (the process is stopping)."""
        session, self._session = self._session, None
        if session is not None and self._loop is asyncio.get_running_loop():
            await session.close()

    @asynccontextmanager
    async def post(
        self,
        path: str,
        *,
        data: bytes | None = None,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """The tier's answer to ``POST {url}{path}``, its status checked, retried once.

        Retried: a refused or broken connection, a deadline passed before the answer's
        head, a 5xx status. Not retried: a 4xx (the request is wrong, a retry would be
        too). Raises :class:`ModelTierError` naming every attempt's failure. What fails
        after the head (a body that breaks off) is the caller's to handle.
        """
        failures: list[str] = []
        for attempt in range(self.attempts):
            if attempt:
                self.retries += 1
            try:
                response = await self._pool().post(
                    self.url + path, data=data, json=json, params=params
                )
            except (aiohttp.ClientError, TimeoutError) as exc:
                failures.append(_reason(exc))
                continue
            try:
                if response.status in _RETRYABLE_STATUS:
                    failures.append(await _status(response))
                    continue
                if response.status >= 400:
                    raise ModelTierError(f"{self.url}{path}: {await _status(response)}")
                yield response
                return
            finally:
                response.release()  # back to the pool when read to its end, else dropped
        raise ModelTierError(f"{self.url}{path} failed {len(failures)}x: " + "; ".join(failures))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    return f"{type(exc).__name__}: {exc}"


async def _status(response: aiohttp.ClientResponse) -> str:
    try:
        body = (await response.content.read(200)).decode(errors="replace").strip()
    except (aiohttp.ClientError, TimeoutError):
        body = ""
    return f"{response.status} {response.reason}" + (f": {body}" if body else "")
