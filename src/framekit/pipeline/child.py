"""A child pipeline: processors run inside one processor, behind its own two ends.

A :class:`~framekit.pipeline.Pipeline` nested in another is wired straight to its
outside neighbours: it adds no hop, and nobody can stand between it and them. A
:class:`ChildPipeline` is the other choice: its processors are linked to two outlets
that belong to it, so every frame enters through it and leaves through
:meth:`ChildPipeline.leave`. That is what a fallback (several children, one speaks)
or a tap (a side branch whose output goes nowhere) needs, without rewiring any
processor's links or reaching into ``_next``.

Lifecycle frames take the same road: a :class:`~framekit.frames.StartFrame` runs
every child's ``on_start`` before it leaves, and an
:class:`~framekit.frames.EndFrame` leaves once every queued child has drained.
The price is two direct calls per frame (the entry and the outlet): use a plain
:class:`~framekit.pipeline.Pipeline` where nothing needs to stand between.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from framekit.frames import Frame
from framekit.pipeline.pipeline import Pipeline
from framekit.processors.base import FrameDirection, FrameProcessor

__all__ = ["ChildPipeline"]


class _Outlet(FrameProcessor):
    """One end of a child pipeline: what reaches it leaves through the owner."""

    def __init__(self, owner: ChildPipeline, end: str) -> None:
        super().__init__(name=f"{owner.name}.{end}")
        self._owner = owner

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        await self._owner.leave(frame, direction)


class ChildPipeline(FrameProcessor):
    """``processors`` run as one processor; what they push comes out of :meth:`leave`.

    To the pipeline around it, a child pipeline is a single processor: its
    neighbours link to it, and the task sets up and cleans up the processors
    inside it (:meth:`processors` lists them).
    """

    def __init__(
        self, processors: FrameProcessor | Sequence[FrameProcessor], *, name: str | None = None
    ) -> None:
        super().__init__(name=name)
        self.child = processors if isinstance(processors, FrameProcessor) else Pipeline(processors)
        """What runs inside (a :class:`~framekit.pipeline.Pipeline` when given a list)."""
        self._entry_down = self.child.first
        self._entry_up = self.child.last
        _Outlet(self, "head").link(self.child).link(_Outlet(self, "tail"))

    def processors(self) -> Iterator[FrameProcessor]:
        yield self
        yield from self.child.processors()

    def sub_lines(self) -> Sequence[FrameProcessor]:
        return (self.child,)

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        """Every frame, lifecycle ones included, goes into the child at the matching end."""
        entry = self._entry_down if direction is FrameDirection.DOWNSTREAM else self._entry_up
        await entry.receive(frame, direction)

    async def leave(self, frame: Frame, direction: FrameDirection) -> None:
        """A frame came out of the child: it goes on to this processor's neighbour.

        Override to choose what leaves: a fallback lets out only its active child's
        frames, a tap lets out nothing. Lifecycle frames must still go on (a call
        ends when its :class:`~framekit.frames.EndFrame` reaches the end).
        """
        await self.push_frame(frame, direction)
