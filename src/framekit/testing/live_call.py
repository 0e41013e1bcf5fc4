"""A call that a test drives step by step: send frames, wait for what comes out, end it.

::

    from framekit.testing import LiveCall

    async def test_upper_case() -> None:
        async with LiveCall(UpperCase()) as call:
            await call.send(TextFrame(text="hi"))
            await call.wait_for(lambda f: isinstance(f, TextFrame))
        assert [f.text for f in call.downstream_of(TextFrame)] == ["HI"]

:func:`~framekit.testing.run_processor` sends a fixed list of frames and returns once
the call is over. Many tests must act in the middle of a call instead: wait until a
network server has heard the audio, hold a frame and look at the state, interrupt
at a chosen moment. :class:`LiveCall` keeps the call running while the test does
that, records every frame that leaves either end, and wakes a waiting test on each
such frame (no polling, no sleeps), bounded by a timeout that fails with a message
naming what was awaited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TypeVar

from framekit.clock import Clock, ManualClock
from framekit.frames import Frame
from framekit.pipeline.params import PipelineParams
from framekit.pipeline.pipeline import Pipeline
from framekit.pipeline.task import PipelineTask
from framekit.processors.base import FrameProcessor
from framekit.tasks import TASK_NAME_PREFIX, live_framekit_tasks
from framekit.testing.run import FrameCapture

__all__ = ["LiveCall"]

F = TypeVar("F", bound=Frame)


class LiveCall:
    """One running :class:`~framekit.pipeline.PipelineTask`, driven by the test.

    ``processor`` is a processor, a list of them (linked into a
    :class:`~framekit.pipeline.Pipeline`), or a whole task built elsewhere (an
    application's bot), which then runs as it was built. For processors the call gets
    ``params`` (``PipelineParams(idle_timeout=None)`` by default, so a quiet test does
    not end by itself) and ``clock``: a :class:`~framekit.clock.ManualClock` unless
    given, as under ``run_processor``, so timers fire only when the test moves time
    with :meth:`advance`. Pass ``clock=SystemClock()`` to talk to a real server.

    ``timeout`` (real seconds) is the default bound of every wait: starting, each
    :meth:`wait_for` / :meth:`wait_until`, and joining the call in :meth:`end` /
    :meth:`cancel`. A stuck call fails the test with :class:`TimeoutError` instead
    of hanging it.

    Use it as an async context manager (the call starts on entry and is cancelled on
    exit unless it has already ended), or call :meth:`start` and then :meth:`end` or
    :meth:`cancel` yourself.
    """

    def __init__(
        self,
        processor: FrameProcessor | Sequence[FrameProcessor] | PipelineTask,
        *,
        clock: Clock | None = None,
        params: PipelineParams | None = None,
        timeout: float = 10.0,
    ) -> None:
        if isinstance(processor, PipelineTask):
            if clock is not None or params is not None:
                raise TypeError("a task built elsewhere already has its clock and params")
            self.task = processor
        else:
            pipeline = processor if isinstance(processor, FrameProcessor) else Pipeline(processor)
            self.task = PipelineTask(
                pipeline,
                params=params or PipelineParams(idle_timeout=None),
                clock=clock if clock is not None else ManualClock(),
            )
        self.timeout = timeout
        self.capture = FrameCapture(task=self.task)
        self._waiters: set[asyncio.Event] = set()
        self._runner: asyncio.Future[None] | None = None
        self.task.on_downstream_exit(self._downstream)
        self.task.on_upstream_exit(self._upstream)

    # --- what left the call ----------------------------------------------------------

    @property
    def clock(self) -> Clock:
        """The call's clock (the one every processor reads time from)."""
        return self.task.clock

    @property
    def downstream(self) -> list[Frame]:
        """Every frame that left the bottom of the pipeline, in order, lifecycle included."""
        return self.capture.downstream

    @property
    def upstream(self) -> list[Frame]:
        """Every frame that left the top of the pipeline (errors, metrics...), in order."""
        return self.capture.upstream

    def downstream_of(self, frame_type: type[F]) -> list[F]:
        """Downstream frames of ``frame_type`` (and its subclasses), in order."""
        return self.capture.downstream_of(frame_type)

    def upstream_of(self, frame_type: type[F]) -> list[F]:
        """Upstream frames of ``frame_type`` (and its subclasses), in order."""
        return self.capture.upstream_of(frame_type)

    def downstream_types(self, *, lifecycle: bool = False) -> list[type[Frame]]:
        """Types of the downstream frames, lifecycle frames left out unless asked for."""
        return self.capture.downstream_types(lifecycle=lifecycle)

    def upstream_types(self) -> list[type[Frame]]:
        """Types of the upstream frames."""
        return self.capture.upstream_types()

    # --- driving it ------------------------------------------------------------------

    async def start(self) -> None:
        """Run the task and return once its ``StartFrame`` has gone through."""
        if self._runner is not None:
            raise RuntimeError("this call has already started")
        self._runner = asyncio.ensure_future(self.task.run())
        self._runner.add_done_callback(lambda _: self._wake())
        started = asyncio.ensure_future(self.task.wait_started())
        try:
            done, _ = await asyncio.wait(
                [started, self._runner], timeout=self.timeout, return_when="FIRST_COMPLETED"
            )
        finally:
            started.cancel()
        if self._runner in done:
            self._runner.result()  # the error that ended it, if any
            raise RuntimeError("the call ended before it started")
        if not done:
            await self._stop_runner()
            raise TimeoutError(f"the call did not start within {self.timeout} s")

    async def send(self, *frames: Frame) -> None:
        """Queue ``frames`` as an application would (a system frame goes in at once)."""
        await self.task.queue_frames(frames)

    async def advance(self, seconds: float) -> None:
        """Move the call's :class:`~framekit.clock.ManualClock` forward by ``seconds``."""
        if not isinstance(self.task.clock, ManualClock):
            raise TypeError("advance needs a ManualClock")
        await self.task.clock.advance(seconds)

    async def wait_for(
        self, predicate: Callable[[Frame], bool], count: int = 1, *, seconds: float | None = None
    ) -> None:
        """Wait until ``count`` frames matching ``predicate`` have left the call.

        Frames that left before the wait count too, in both directions.
        """

        def seen() -> int:
            return sum(1 for frame in (*self.downstream, *self.upstream) if predicate(frame))

        await self._wait(
            lambda: seen() >= count,
            seconds,
            lambda: f"{count} frame(s) matching {_name(predicate)} (saw {seen()})",
        )

    async def wait_until(
        self, condition: Callable[[], bool], *, seconds: float | None = None
    ) -> None:
        """Wait until ``condition()`` holds, checking it each time a frame leaves the call.

        For conditions on more than one frame ("a transcript and no error yet") or on
        state that a frame announces.
        """
        await self._wait(condition, seconds, lambda: f"{_name(condition)} to hold")

    async def end(self, *, seconds: float | None = None) -> None:
        """End the call gracefully (``EndFrame`` after what is queued) and join it."""
        await self.task.stop_when_done()
        await self._join(seconds)

    async def cancel(self, *, seconds: float | None = None) -> None:
        """Cancel the call (``CancelFrame`` at once) and join it."""
        await self.task.cancel()
        await self._join(seconds)

    async def __aenter__(self) -> LiveCall:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._runner is None:
            return
        if not self._runner.done():
            if exc is None:
                await self.cancel()
            else:  # the test failed already: clean up, keep its error
                await self.task.cancel()
                await self._stop_runner()
        elif exc is None:
            self._runner.result()

    # --- inside ----------------------------------------------------------------------

    def _downstream(self, frame: Frame) -> None:
        self.capture.downstream.append(frame)
        self._wake()

    def _upstream(self, frame: Frame) -> None:
        self.capture.upstream.append(frame)
        self._wake()

    def _wake(self) -> None:
        for event in self._waiters:
            event.set()

    async def _wait(
        self, done: Callable[[], bool], seconds: float | None, what: Callable[[], str]
    ) -> None:
        limit = self.timeout if seconds is None else seconds
        event = asyncio.Event()
        self._waiters.add(event)
        try:
            async with asyncio.timeout(limit):
                while not done():
                    if self._runner is not None and self._runner.done():
                        raise AssertionError(f"the call ended while waiting for {what()}")
                    event.clear()
                    await event.wait()
        except TimeoutError:
            raise TimeoutError(f"waited {limit} s for {what()}") from None
        finally:
            self._waiters.discard(event)

    async def _join(self, seconds: float | None) -> None:
        if self._runner is None:
            raise RuntimeError("this call was never started")
        limit = self.timeout if seconds is None else seconds
        try:
            async with asyncio.timeout(limit):
                await asyncio.shield(self._runner)
        except TimeoutError:
            await self._stop_runner()
            raise TimeoutError(f"the call did not finish within {limit} s") from None
        left = [t.get_name() for t in live_framekit_tasks() if self._owns(t.get_name())]
        if left:
            raise AssertionError(f"the call ended but left tasks running: {left}")

    def _owns(self, task_name: str) -> bool:
        return task_name.startswith(f"{TASK_NAME_PREFIX}{self.task.call_id}:")

    async def _stop_runner(self) -> None:
        assert self._runner is not None
        if not self._runner.done():
            self._runner.cancel()
        await asyncio.wait([self._runner])


def _name(function: Callable[..., object]) -> str:
    """How a wait names its predicate: the function name, or where a lambda was written."""
    name = getattr(function, "__qualname__", repr(function))
    code = getattr(function, "__code__", None)
    if "<lambda>" in name and code is not None:
        return f"the lambda at {code.co_filename.rsplit('/', 1)[-1]}:{code.co_firstlineno}"
    return name
