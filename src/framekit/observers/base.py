"""Observers see every frame hop without taking part in processing.

An observer is called synchronously each time a processor pushes a frame to its
neighbour. It must return quickly and never push frames: it watches. Observers
that need I/O (logging to a database, sending metrics) record what they saw and
do the I/O elsewhere. Hops cost nothing extra when a call has no observers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from framekit.frames import Frame
    from framekit.processors.base import FrameDirection, FrameProcessor

__all__ = ["Observer"]


@runtime_checkable
class Observer(Protocol):
    """Watches frames as they move from one processor to the next."""

    def on_push(
        self,
        source: FrameProcessor,
        destination: FrameProcessor,
        frame: Frame,
        direction: FrameDirection,
        timestamp: float,
    ) -> None:
        """``source`` handed ``frame`` to ``destination`` at clock time ``timestamp``."""
        ...
