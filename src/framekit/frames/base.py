"""The three kinds of frame and what an interruption does to each.

Every frame is a slotted dataclass compared by identity. Its *kind* (the class it
derives from) decides how the pipeline treats it:

* :class:`SystemFrame`: lifecycle, input audio, speaking events, interruptions.
  Handled at once: it overtakes frames queued in front of it and is never dropped.
* :class:`DataFrame`: what the bot says and hears (text, audio out, transcripts).
  Ordered; dropped when the user interrupts.
* :class:`ControlFrame`: ordered instructions (response start/end, TTS start/stop).
  Ordered; dropped when the user interrupts.

A data or control frame that must survive an interruption (a tool result, the end
of the call) also derives from :class:`Uninterruptible`. A frame only declares its
kind; what an interruption does with each kind (and the one exception: call control
that the bot's own generation decided) is decided in :mod:`framekit.interruptions`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

__all__ = [
    "ControlFrame",
    "DataFrame",
    "Frame",
    "SystemFrame",
    "Uninterruptible",
]

_frame_ids = itertools.count(1)


@dataclass(slots=True, eq=False, weakref_slot=True)
class Frame:
    """Base of everything that flows through a pipeline.

    ``id`` is unique within the process and increases with creation order, which
    makes logs and tests easy to read; the one exception is a record point's redacted
    view of a frame (:mod:`framekit.processors.redaction`), which keeps its original's
    id because it is the same frame. Frames compare by identity: two frames with
    equal fields are still two frames.
    """

    id: int = field(default_factory=_frame_ids.__next__, init=False, repr=False)

    @property
    def name(self) -> str:
        """``ClassName#id``: how logs and errors refer to this frame."""
        return f"{type(self).__name__}#{self.id}"


@dataclass(slots=True, eq=False)
class SystemFrame(Frame):
    """Handled at once, overtakes queued frames, never dropped by an interruption."""


@dataclass(slots=True, eq=False)
class DataFrame(Frame):
    """Content of the conversation; ordered; dropped when the user interrupts."""


@dataclass(slots=True, eq=False)
class ControlFrame(Frame):
    """An ordered instruction; dropped when the user interrupts."""


class Uninterruptible:
    """Marker for data and control frames that must survive an interruption.

    Use it for frames whose loss would break the conversation's bookkeeping:
    a tool's result (the model must see it), the end of the call, a hang-up.
    Ask :func:`framekit.interruptions.survives_interruption` whether a frame is
    kept, not the marker: the rulebook makes one exception, for call control that
    the bot's own generation decided.
    """

    __slots__ = ()
