"""Which frames an observer has handled already: by id, in bounded memory.

Observers that report each frame once (the page's live events, a call's trace) are
told of every hop a frame makes. Why by id and not by identity: a record point gets a
redacted *view* of a frame (:mod:`framekit.processors.redaction`), a copy that keeps
its original's id because it is the same frame; counted by identity, the page showed
each tool twice and a caller's words twice, once as said and once redacted. Why
bounded: a call lasts hours and an observer must not keep every id it met; a frame
makes all its hops long before the next few hundred frames it handles (audio frames
are not handled, so they do not count).
"""

from __future__ import annotations

from collections import deque

from framekit.frames import Frame

__all__ = ["SeenFrames"]


class SeenFrames:
    """The ids of the last ``capacity`` frames handled."""

    __slots__ = ("_ids", "_order")

    def __init__(self, capacity: int = 512) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self._ids: set[int] = set()
        self._order: deque[int] = deque(maxlen=capacity)

    def first_time(self, frame: Frame) -> bool:
        """True once per frame (and its views): remembers it when it is new."""
        frame_id = frame.id
        if frame_id in self._ids:
            return False
        if len(self._order) == self._order.maxlen:
            self._ids.discard(self._order[0])
        self._order.append(frame_id)
        self._ids.add(frame_id)
        return True

    def __len__(self) -> int:
        return len(self._ids)
