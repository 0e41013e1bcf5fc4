"""A pipeline: processors linked in a line, usable wherever a processor is.

Linking is done once, when the pipeline is built: a nested pipeline adds no hop
of its own, because its first and last processors are wired straight to their
neighbours outside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from framekit.frames import Frame
from framekit.processors.base import FrameDirection, FrameProcessor

__all__ = ["Pipeline"]


class Pipeline(FrameProcessor):
    """Processors in order; frames enter at the first and leave from the last."""

    def __init__(self, processors: Sequence[FrameProcessor], *, name: str | None = None) -> None:
        super().__init__(name=name)
        if not processors:
            raise ValueError("a pipeline needs at least one processor")
        self._children = tuple(processors)
        for upstream, downstream in zip(self._children, self._children[1:], strict=False):
            upstream.link(downstream)

    @property
    def children(self) -> tuple[FrameProcessor, ...]:
        """The processors (and nested pipelines) this pipeline was built from (fixed once built)."""
        return self._children

    @property
    def first(self) -> FrameProcessor:
        return self._children[0].first

    @property
    def last(self) -> FrameProcessor:
        return self._children[-1].last

    def processors(self) -> Iterator[FrameProcessor]:
        for child in self._children:
            yield from child.processors()

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        """Frames handed to the pipeline object itself enter at the matching end."""
        entry = self.first if direction is FrameDirection.DOWNSTREAM else self.last
        await entry.receive(frame, direction)
