"""Time as processors see it: the real clock in production, a manual one in tests.

Processors never call :func:`time.monotonic` or :func:`asyncio.sleep` directly for
behaviour that depends on time (timeouts, silence windows, latency); they use the
clock their pipeline task gives them, so tests can drive time by hand.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock", "TimerHandle"]


class TimerHandle(Protocol):
    """A scheduled callback that can be cancelled."""

    def cancel(self) -> None: ...


class Clock(Protocol):
    """Monotonic time in seconds, sleeping, and timers."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle: ...


class SystemClock:
    """The real monotonic clock; timers run on the running event loop (no task each)."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        return asyncio.get_running_loop().call_later(delay, callback)


class _ManualTimer:
    __slots__ = ("callback", "cancelled", "deadline")

    def __init__(self, deadline: float, callback: Callable[[], None]) -> None:
        self.deadline = deadline
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """A clock that only moves when a test calls :meth:`advance`.

    Sleepers and timers fire in deadline order as time passes them, and each one
    gets to run on the event loop before the next deadline is reached, so a test
    sees exactly the behaviour a real run would have at those instants.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._timers: list[tuple[float, int, _ManualTimer]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        timer = _ManualTimer(self._now + max(delay, 0.0), callback)
        heapq.heappush(self._timers, (timer.deadline, next(self._order), timer))
        return timer

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not future.done():
                future.set_result(None)

        timer = self.call_later(seconds, wake)
        try:
            await future
        finally:
            timer.cancel()

    async def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, firing every timer that falls due on the way.

        Work that is already ready to run (frames queued just before) runs first, so
        timers it sets count from the current time, as they would in a real run.
        """
        await _let_ready_callbacks_run()
        target = self._now + seconds
        while self._timers and self._timers[0][0] <= target:
            deadline, _, timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self._now = max(self._now, deadline)
            timer.callback()
            await _let_ready_callbacks_run()
        self._now = target
        await _let_ready_callbacks_run()


async def _let_ready_callbacks_run(rounds: int = 20) -> None:
    """Yield to the event loop so coroutines woken by a timer run before time moves on.

    This is not a wait for a race to settle: nothing here depends on wall time, the
    loop only runs callbacks that are already ready, a bounded number of rounds.
    """
    for _ in range(rounds):
        await asyncio.sleep(0)
