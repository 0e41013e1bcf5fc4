"""What ``GET /health`` reports about the database and Redis, checked in the background.

Why not on each request: a database that stops answering held every ``/health``
for as long as its driver waited (34 s measured), and a load balancer polling it
ten times a second filled the event loop's default thread pool with stuck pings,
the pool that the calls' tools and models use too: a live call got no answer at
all. So :class:`HealthChecks` checks on its own schedule, and ``/health`` only
reads the last result:

* every ``interval`` seconds (2) one round checks the database (``SELECT 1`` on a
  fresh connection, in a daemon thread of its own, never the default pool) and
  Redis (a ``PING``, when the token store is Redis);
* each check waits at most ``deadline`` seconds (1); past it the state is
  ``unreachable: no answer within 1 s``;
* never more than one database check in flight: a check still stuck past its
  deadline is waited on by the next round instead of being joined by another
  thread. (A fresh PostgreSQL connection gives up by itself within its connect
  timeout, :mod:`framekit.storage.database`; a daemon thread never holds up exit.)

The first round runs while the app starts, so the first ``/health`` already tells
the truth; after that a state is at most ``interval + deadline`` seconds old
(``checked_ago_s`` in the answer says how old).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web
from loguru import logger
from sqlalchemy import Engine, text

from framekit.servers.twilio.token_store import TokenStoreUnavailable
from framekit.storage import make_engine

if TYPE_CHECKING:
    from framekit.servers.twilio.redis_token_store import RedisTokenStore

__all__ = ["HealthChecks"]


class HealthChecks:
    """The database's (and Redis's) state, refreshed every ``interval`` seconds.

    ``tokens`` is the Redis token store, or None without ``REDIS_URL`` (then no
    ``redis`` state). :meth:`attach` runs the checks for the life of an app.
    """

    def __init__(
        self,
        database_url: str,
        tokens: RedisTokenStore | None = None,
        *,
        interval: float = 2.0,
        deadline: float = 1.0,
    ) -> None:
        if interval <= 0 or deadline <= 0:
            raise ValueError("interval and deadline must be > 0")
        self.interval = interval
        self.deadline = deadline
        self._engine: Engine = make_engine(database_url)
        self._tokens = tokens
        self._states: dict[str, str] = {"database": "not checked yet"}
        if tokens is not None:
            self._states["redis"] = "not checked yet"
        self._checked_at: float | None = None
        self._probe: asyncio.Future[None] | None = None
        self._runner: asyncio.Task[None] | None = None

    @property
    def states(self) -> dict[str, str]:
        """``{"database": "ok" | "unreachable: ...", "redis": ...}`` as last checked."""
        return dict(self._states)

    @property
    def healthy(self) -> bool:
        return all(state == "ok" for state in self._states.values())

    @property
    def checked_ago(self) -> float | None:
        """Seconds since the last round ended (None before the first)."""
        return None if self._checked_at is None else time.monotonic() - self._checked_at

    def attach(self, app: web.Application) -> None:
        """Check once as ``app`` starts, then every ``interval`` until it cleans up."""
        app.on_startup.append(self._start)
        app.on_cleanup.append(self._stop)

    async def check(self) -> None:
        """One round: the database and Redis side by side, each within ``deadline``."""
        database, redis = await asyncio.gather(self._database(), self._redis())
        self._states["database"] = database
        if redis is not None:
            self._states["redis"] = redis
        self._checked_at = time.monotonic()

    async def _start(self, app: web.Application) -> None:
        await self.check()
        self._runner = asyncio.create_task(self._run(), name="health-checks")

    async def _stop(self, app: web.Application) -> None:
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None
        self._engine.dispose()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception as exc:  # pragma: no cover - the checks catch their own
                logger.opt(exception=exc).error("health checks failed")

    async def _database(self) -> str:
        probe = self._probe
        if probe is None or probe.done():
            probe = self._probe = _in_daemon_thread(self._ping)
        try:
            await asyncio.wait_for(asyncio.shield(probe), self.deadline)
        except TimeoutError:
            return f"unreachable: no answer within {self.deadline:g} s"
        except Exception as exc:
            return f"unreachable: {type(exc).__name__}"
        return "ok"

    async def _redis(self) -> str | None:
        if self._tokens is None:
            return None
        # Without Redis new calls cannot start: their stream tokens go unchecked.
        try:
            async with asyncio.timeout(self.deadline):
                await self._tokens.ping()
        except TimeoutError:
            return f"unreachable: no answer within {self.deadline:g} s"
        except TokenStoreUnavailable as exc:
            return f"unreachable: {type(exc.__cause__).__name__}"
        return "ok"

    def _ping(self) -> None:
        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            connection.invalidate()  # not pooled: each check opens a fresh connection


def _in_daemon_thread(work: Callable[[], object]) -> asyncio.Future[None]:
    """Run ``work()`` in a daemon thread of its own; the future settles when it returns."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()

    def settle(error: BaseException | None) -> None:
        if future.done():
            return
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)

    def run() -> None:
        error: BaseException | None = None
        try:
            work()
        except BaseException as exc:  # handed to the loop, not lost in the thread
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
            loop.call_soon_threadsafe(settle, error)

    threading.Thread(target=run, name="framekit-health-db", daemon=True).start()
    return future
