"""Values declared for frame types, found for any subclass: :class:`FrameTypeMap`.

Why one class: the processor base (how a frame is routed, which ``@on_frame``
handler takes it), the tool runner (what it notes when a frame arrives) and the call
recorder (which frames make the record) all ask the same question on every hop:
"what did I declare for this frame's type, or for the nearest base class of it?".
The answer is computed once per concrete type by walking its MRO (so the most
specific declaration wins, the way method lookup does) and then cached, so a frame
costs one dict lookup however deep its class hierarchy is.

Hot paths read :attr:`FrameTypeMap.cached` directly (``cached.get(type(frame))``)
and call :meth:`FrameTypeMap.get` only on a miss, which saves a method call per frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

__all__ = ["FrameTypeMap"]

V = TypeVar("V")


class FrameTypeMap(Generic[V]):
    """Maps frame types to values; a subclass gets the value of its nearest declared base.

    ``None`` means "nothing declared for this type or any base"; a map that must
    always answer declares a value for :class:`~framekit.frames.Frame` itself.
    """

    __slots__ = ("_declared", "cached")

    def __init__(self, declared: Mapping[type, V] | None = None) -> None:
        self._declared: dict[type, V] = dict(declared or {})
        self.cached: dict[type, V | None] = {}
        """Answers computed so far, by concrete type (read it directly on hot paths)."""

    def declare(self, frame_type: type, value: V) -> None:
        """Declare ``value`` for ``frame_type`` and its subclasses (forgets cached answers)."""
        self._declared[frame_type] = value
        self.cached.clear()

    def declared(self) -> Mapping[type, V]:
        """What was declared, by type (not what subclasses resolve to)."""
        return self._declared

    def get(self, frame_type: type) -> V | None:
        """The value declared for ``frame_type`` or its nearest base class, or ``None``."""
        try:
            return self.cached[frame_type]
        except KeyError:
            pass
        value: V | None = None
        declared = self._declared
        for klass in frame_type.__mro__:
            if klass in declared:
                value = declared[klass]
                break
        self.cached[frame_type] = value
        return value

    def resolve(self, frame_type: type) -> V:
        """Like :meth:`get`, for maps that declare :class:`~framekit.frames.Frame` itself."""
        value = self.get(frame_type)
        if value is None:
            raise LookupError(f"nothing is declared for {frame_type.__name__} or its bases")
        return value
