"""Fan-out/fan-in: the same frames through several branches side by side.

A frame entering a :class:`ParallelPipeline` goes into every branch. On the way
out, a frame that came in from outside leaves once, however many branches pass
it on; frames a branch creates leave as they are made. Lifecycle frames (start,
end, cancel, interruption) leave once every branch has passed them, so the end
of a call waits for every branch to drain.

Memory stays bounded over a call of any length: the set of frames fanned out is
keyed by weak references, so an entry disappears as soon as the frame itself is
gone. There is no ever-growing set of seen frame ids.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence

from framekit.frames import Frame
from framekit.pipeline.pipeline import Pipeline
from framekit.processors.base import FrameDirection, FrameProcessor, Route, route_of

__all__ = ["ParallelPipeline"]


class _Junction(FrameProcessor):
    """One end of a parallel pipeline: fans frames out in one direction, merges the other."""

    def __init__(self, name: str, fan_direction: FrameDirection) -> None:
        super().__init__(name=name)
        self.branch_ends: list[FrameProcessor] = []
        self._fan_direction = fan_direction
        self.peer: _Junction | None = None
        # Frames this junction fanned out, and whether the peer has let one copy out.
        self.fanned: weakref.WeakKeyDictionary[Frame, bool] = weakref.WeakKeyDictionary()
        # Lifecycle frames fanned out, and how many branches have yet to pass them.
        self.pending_sync: dict[Frame, int] = {}

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        if direction is self._fan_direction:
            await self._fan_out(frame, direction)
        else:
            await self._merge(frame, direction)

    async def _fan_out(self, frame: Frame, direction: FrameDirection) -> None:
        peer = self.peer
        assert peer is not None
        if route_of(type(frame)) >= Route.START:
            peer.pending_sync[frame] = len(self.branch_ends)
        else:
            peer.fanned[frame] = False
        for branch_end in self.branch_ends:
            if self._observers:
                now = self._clock.now()
                for observer in self._observers:
                    observer.on_push(self, branch_end, frame, direction, now)
            await branch_end.receive(frame, direction)

    async def _merge(self, frame: Frame, direction: FrameDirection) -> None:
        remaining = self.pending_sync.get(frame)
        if remaining is not None:
            if remaining > 1:
                self.pending_sync[frame] = remaining - 1
                return
            del self.pending_sync[frame]
        else:
            emitted = self.fanned.get(frame)
            if emitted:
                return
            if emitted is not None:
                self.fanned[frame] = True
        await self.push_frame(frame, direction)


class ParallelPipeline(FrameProcessor):
    """Branches that all receive the same frames; their outputs merge into one stream."""

    def __init__(
        self, *branches: Sequence[FrameProcessor] | Pipeline, name: str | None = None
    ) -> None:
        super().__init__(name=name)
        if not branches:
            raise ValueError("a parallel pipeline needs at least one branch")
        self._branches = [b if isinstance(b, Pipeline) else Pipeline(b) for b in branches]
        self._entry = _Junction(f"{self.name}.entry", FrameDirection.DOWNSTREAM)
        self._exit = _Junction(f"{self.name}.exit", FrameDirection.UPSTREAM)
        self._entry.peer, self._exit.peer = self._exit, self._entry
        for branch in self._branches:
            head, tail = branch.first, branch.last
            head._prev = self._entry
            tail._next = self._exit
            self._entry.branch_ends.append(head)
            self._exit.branch_ends.append(tail)

    @property
    def branches(self) -> list[Pipeline]:
        """The branches, each a :class:`Pipeline`."""
        return list(self._branches)

    @property
    def first(self) -> FrameProcessor:
        return self._entry

    @property
    def last(self) -> FrameProcessor:
        return self._exit

    def processors(self) -> Iterator[FrameProcessor]:
        yield self._entry
        for branch in self._branches:
            yield from branch.processors()
        yield self._exit

    def tracked_frames(self) -> int:
        """Frames the junctions currently remember (bounded by the frames still alive)."""
        return sum(len(j.fanned) + len(j.pending_sync) for j in (self._entry, self._exit))

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        entry = self._entry if direction is FrameDirection.DOWNSTREAM else self._exit
        await entry.receive(frame, direction)
