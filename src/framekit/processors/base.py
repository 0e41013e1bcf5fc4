"""The frame processor: the one building block of every pipeline.

A processor receives a frame with :meth:`FrameProcessor.receive`, does its job in
:meth:`FrameProcessor.process_frame`, and hands frames on with
:meth:`FrameProcessor.push_frame`, downstream (towards the caller's ear) or
upstream (towards the caller's voice). Handing a frame on is a direct call into
the neighbour: a frame crosses a plain processor with no queue and no task, so a
call costs a few objects, not a few tasks per processor.

Processors that do slow work (a model, a network call) derive from
:class:`~framekit.processors.queued.QueuedFrameProcessor` and get one owned worker
that takes their ordered frames one at a time.

Lifecycle frames never reach ``process_frame``: the base runs the matching hook
(``on_start``, ``on_end``, ``on_cancel``, ``on_interruption``) and passes the
frame on itself, so a subclass can never forget to forward them.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from enum import IntEnum
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from loguru import logger

from framekit.audio.caps import AudioCaps
from framekit.clock import Clock, SystemClock
from framekit.frames import (
    CancelFrame,
    EndFrame,
    ErrorFrame,
    Frame,
    InterruptionFrame,
    MetricsFrame,
    MetricValue,
    StartFrame,
    SystemFrame,
)
from framekit.frames.dispatch import FrameTypeMap
from framekit.observers.base import Observer
from framekit.processors.context import ProcessorContext

__all__ = ["FrameDirection", "FrameProcessor", "on_frame"]


class FrameDirection(IntEnum):
    """Which way a frame travels."""

    DOWNSTREAM = 0
    """From the caller's voice towards the caller's ear (input -> STT -> LLM -> TTS -> output)."""
    UPSTREAM = 1
    """Back towards the input: errors, requests, reports of what was played."""


DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM

FrameHandler = Callable[[Any, Any, FrameDirection], Awaitable[None]]
F = TypeVar("F", bound=Callable[..., Awaitable[None]])

_HANDLES_ATTR = "__framekit_handles__"


def on_frame(*frame_types: type[Frame]) -> Callable[[F], F]:
    """Declare a method as the handler of ``frame_types`` (and their subclasses).

    ``FrameProcessor.process_frame`` dispatches to it by the frame's type through a
    cached lookup, so a processor reads as a list of handlers instead of a ladder
    of ``isinstance`` checks. Frames with no handler pass through unchanged.
    """

    def mark(method: F) -> F:
        setattr(method, _HANDLES_ATTR, frame_types)
        return method

    return mark


class Route(IntEnum):
    """How the base treats a frame type; computed once per type and cached."""

    SYSTEM = 0
    ORDERED = 1
    START = 2
    END = 3
    CANCEL = 4
    INTERRUPTION = 5


_ROUTES: FrameTypeMap[Route] = FrameTypeMap(
    {
        StartFrame: Route.START,
        EndFrame: Route.END,
        CancelFrame: Route.CANCEL,
        InterruptionFrame: Route.INTERRUPTION,
        SystemFrame: Route.SYSTEM,
        Frame: Route.ORDERED,
    }
)


def route_of(frame_type: type[Frame]) -> Route:
    """The :class:`Route` of a frame type (cached: one dict lookup per frame)."""
    route = _ROUTE_CACHE.get(frame_type)
    return _ROUTES.resolve(frame_type) if route is None else route


_ROUTE_CACHE = _ROUTES.cached
"""The routes' cache itself: :meth:`FrameProcessor.receive` and :func:`route_of` read it
with no attribute lookup or method call."""

# The routes as module globals, for code that runs per frame or per lifecycle hop: on
# Python 3.11 reading ``Route.START`` goes through ``EnumType.__getattr__`` (about
# 70 ns a read), a global is one dictionary lookup.
SYSTEM_ROUTE = Route.SYSTEM
ORDERED_ROUTE = Route.ORDERED
START_ROUTE = Route.START
END_ROUTE = Route.END
CANCEL_ROUTE = Route.CANCEL
INTERRUPTION_ROUTE = Route.INTERRUPTION


_processor_ids = itertools.count(1)
_NO_SHORTCUTS: Mapping[type[Frame], FrameProcessor] = MappingProxyType({})
_DEFAULT_CLOCK = SystemClock()


class FrameProcessor:
    """Receives frames, works on them, and pushes frames to its neighbours.

    Override :meth:`process_frame`, or declare handlers with :func:`on_frame`.
    Override the ``on_*`` hooks to open and close resources.
    """

    _frame_handlers: ClassVar[FrameTypeMap[str]] = FrameTypeMap()
    _handler_cache: ClassVar[dict[type, str | None]] = _frame_handlers.cached

    shortcuts: Mapping[type[Frame], FrameProcessor] = _NO_SHORTCUTS
    """Frame types this processor pushes past its neighbour, and to where (read-only:
    set with :meth:`shortcut`)."""

    audio_caps: AudioCaps | None = None
    """The audio this processor consumes and produces, checked once when a call starts.

    ``None`` (undeclared): it consumes the audio types its :func:`on_frame` handlers
    name, in any format, and a processor with no handlers that overrides
    :meth:`process_frame` is assumed to read every frame. See :mod:`framekit.audio.caps`.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers = dict(cls._frame_handlers.declared())
        for attribute, value in vars(cls).items():
            for frame_type in getattr(value, _HANDLES_ATTR, ()):
                handlers[frame_type] = attribute
        cls._frame_handlers = FrameTypeMap(handlers)
        cls._handler_cache = cls._frame_handlers.cached

    def __init__(self, *, name: str | None = None) -> None:
        self.name = name or f"{type(self).__name__}#{next(_processor_ids)}"
        self._next: FrameProcessor | None = None
        self._prev: FrameProcessor | None = None
        self._context: ProcessorContext | None = None
        self._observers: tuple[Observer, ...] = ()
        self._clock: Clock = _DEFAULT_CLOCK

    def __repr__(self) -> str:
        return self.name

    # --- the graph -------------------------------------------------------------------------

    @property
    def first(self) -> FrameProcessor:
        """The processor that receives frames sent downstream into this one."""
        return self

    @property
    def last(self) -> FrameProcessor:
        """The processor that receives frames sent upstream into this one."""
        return self

    def link(self, downstream: FrameProcessor) -> FrameProcessor:
        """Connect ``downstream`` after this processor; returns ``downstream`` for chaining."""
        tail, head = self.last, downstream.first
        tail._next = head
        head._prev = tail
        return downstream

    def processors(self) -> Iterator[FrameProcessor]:
        """Every leaf processor in this one, in pipeline order (just itself for a leaf)."""
        yield self

    def sub_lines(self) -> Sequence[FrameProcessor]:
        """The lines of processors running inside this one (none for a leaf).

        A processor that runs others inside it (a child pipeline's child, each member
        of a fallback) names them here, so the check of a call's audio chain follows
        each line from the formats that reach this processor, as it does the branches
        of a parallel pipeline. Override together with :meth:`processors`.
        """
        return ()

    def shortcut(self, frame_types: tuple[type[Frame], ...], target: FrameProcessor) -> bool:
        """Push downstream frames of exactly these types straight to ``target``.

        The pipeline task sets this on the last consumer of caller audio, so audio
        skips the processors after it that would only pass it on. Each call
        replaces the previous shortcuts (no types: none). Only this processor's
        pushes change, so every other processor's hop costs what it did; a
        subclass with its own ``push_frame`` takes no shortcut (returns False).
        """
        if "push_frame" in self.__dict__:
            del self.push_frame
            self.shortcuts = _NO_SHORTCUTS
        if not frame_types or type(self).push_frame is not FrameProcessor.push_frame:
            return not frame_types
        self.shortcuts = dict.fromkeys(frame_types, target)
        self.push_frame = self._push_with_shortcuts  # type: ignore[method-assign]
        return True

    # --- per-call setup ----------------------------------------------------------------------

    def setup(self, context: ProcessorContext) -> None:
        """Attach this processor to a call before its :class:`StartFrame` arrives."""
        self._context = context
        self._observers = context.observers
        self._clock = context.clock

    @property
    def context(self) -> ProcessorContext:
        """The call this processor serves; set by the pipeline task."""
        if self._context is None:
            raise RuntimeError(f"{self.name} is not part of a running pipeline task")
        return self._context

    @property
    def clock(self) -> Clock:
        """The call's clock (the real one unless a test supplies a manual clock)."""
        return self._clock

    # --- hooks for subclasses ----------------------------------------------------------------

    async def on_start(self, frame: StartFrame) -> None:
        """The call starts: open resources. A failure here is fatal to the call."""

    async def on_end(self, frame: EndFrame) -> None:
        """The call ends gracefully; every frame before ``frame`` has been handled."""

    async def on_cancel(self, frame: CancelFrame) -> None:
        """The call is cancelled: stop at once."""

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        """The caller barged in: forget what was about to be said."""

    async def after_interruption(self, frame: InterruptionFrame | CancelFrame) -> None:
        """``frame`` has been passed on downstream and handled below this processor.

        The processors below report upstream while they handle an interruption or a
        cancel (the output transport says what was heard), so those reports have all
        arrived here by now: act on them here rather than in :meth:`on_interruption`.
        """

    async def cleanup(self) -> None:
        """Release resources after the call, however it ended. Called once by the task."""

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Handle one frame. The default dispatches to :func:`on_frame` handlers or passes on."""
        try:
            handler_name = type(self)._handler_cache[type(frame)]
        except KeyError:
            handler_name = type(self)._frame_handlers.get(type(frame))
        if handler_name is None:
            await self.push_frame(frame, direction)
        else:
            await getattr(self, handler_name)(frame, direction)

    @classmethod
    def handled_types(cls) -> tuple[type[Frame], ...]:
        """The frame types this class's :func:`on_frame` handlers take (and their subclasses)."""
        return tuple(cls._frame_handlers.declared())

    # --- moving frames -----------------------------------------------------------------------

    async def push_frame(self, frame: Frame, direction: FrameDirection = DOWNSTREAM) -> None:
        """Hand ``frame`` to the neighbour in ``direction`` (nothing there: it leaves)."""
        target = self._next if direction is DOWNSTREAM else self._prev
        if target is None:
            return
        if self._observers:
            now = self._clock.now()
            for observer in self._observers:
                observer.on_push(self, target, frame, direction, now)
        await target.receive(frame, direction)

    async def _push_with_shortcuts(
        self, frame: Frame, direction: FrameDirection = DOWNSTREAM
    ) -> None:
        """:meth:`push_frame` of a processor with shortcuts (set by :meth:`shortcut`)."""
        target = self.shortcuts.get(type(frame)) if direction is DOWNSTREAM else None
        if target is None:
            await FrameProcessor.push_frame(self, frame, direction)
            return
        if self._observers:
            now = self._clock.now()
            for observer in self._observers:
                observer.on_push(self, target, frame, direction, now)
        await target.receive(frame, direction)

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        """Entry point for frames from a neighbour; routes lifecycle frames to hooks."""
        route = _ROUTE_CACHE.get(type(frame))
        if route is None:
            route = route_of(type(frame))
        if route <= ORDERED_ROUTE:
            try:
                await self.process_frame(frame, direction)
            except Exception as exc:
                await self._report_failure(exc, frame)
        elif direction is UPSTREAM:
            # A lifecycle frame going up is a request to the pipeline task (end or
            # cancel the call); processors pass it on and act when the task answers.
            await self.push_frame(frame, direction)
        else:
            await self._handle_lifecycle(route, frame, direction)

    async def _handle_lifecycle(
        self, route: Route, frame: Frame, direction: FrameDirection
    ) -> None:
        try:
            if route is START_ROUTE:
                assert isinstance(frame, StartFrame)
                try:
                    await self.on_start(frame)
                except Exception as exc:
                    await self._report_failure(exc, frame, fatal=True)
            elif route is END_ROUTE:
                assert isinstance(frame, EndFrame)
                await self.on_end(frame)
            elif route is CANCEL_ROUTE:
                assert isinstance(frame, CancelFrame)
                await self.on_cancel(frame)
            else:
                assert isinstance(frame, InterruptionFrame)
                await self.on_interruption(frame)
        except Exception as exc:
            await self._report_failure(exc, frame)
        await self.push_frame(frame, direction)
        if route is INTERRUPTION_ROUTE or route is CANCEL_ROUTE:
            assert isinstance(frame, InterruptionFrame | CancelFrame)
            try:
                await self.after_interruption(frame)
            except Exception as exc:
                await self._report_failure(exc, frame)

    # --- errors and metrics ------------------------------------------------------------------

    async def push_error(
        self, error: str, *, fatal: bool = False, exception: BaseException | None = None
    ) -> None:
        """Report a failure upstream to the pipeline task (``fatal`` ends the call)."""
        frame = ErrorFrame(error=error, fatal=fatal, processor=self.name, exception=exception)
        await self.push_frame(frame, UPSTREAM)

    async def _report_failure(self, exc: Exception, frame: Frame, *, fatal: bool = False) -> None:
        message = f"{self.name} failed on {frame.name}: {exc!r}"
        logger.opt(exception=exc).error(message)
        await self.push_error(message, fatal=fatal, exception=exc)

    @property
    def metrics_enabled(self) -> bool:
        """Whether the call collects metrics (``PipelineParams.enable_metrics``)."""
        return self._context is not None and self._context.enable_metrics

    async def report_metric(self, kind: str, value: float, *, model: str | None = None) -> None:
        """Send one measurement downstream as a :class:`MetricsFrame` when metrics are on."""
        if self.metrics_enabled:
            metric = MetricValue(kind=kind, processor=self.name, value=value, model=model)
            await self.push_frame(MetricsFrame(data=[metric]))
