"""Interruptions (barge-in): the whole rulebook, in one place.

When the caller talks over the bot, what the bot was about to say must go, and
nothing the conversation depends on may go with it. framekit handles that in
exactly one way:

1. **Detection.** Whoever notices the barge-in (usually the VAD processor, on
   :class:`~framekit.frames.UserStartedSpeakingFrame`) pushes an
   :class:`~framekit.frames.InterruptionRequestFrame` *upstream*.
2. **Decision.** The request reaches the pipeline task, which calls
   :func:`should_interrupt`: interruptions may be switched off for a call
   (``StartFrame.allow_interruptions``).
3. **Propagation.** The task sends one :class:`~framekit.frames.InterruptionFrame`
   *downstream from the top* of the pipeline. It is a system frame, so it passes
   every processor at once, in pipeline order.
4. **Dropping.** Each processor that holds frames in a queue (a
   :class:`~framekit.processors.QueuedFrameProcessor`: LLM, TTS, output
   transport) applies :func:`drop_interruptible` to its queue and cancels the
   frame it is working on when :func:`survives_interruption` says that frame may
   go. Then it runs its ``on_interruption`` hook (a TTS clears its buffers, an
   output transport tells the phone line to drop queued audio) and passes the
   interruption on.

What survives (:func:`survives_interruption`):

* system frames: lifecycle, caller audio, speaking events, errors, metrics;
* frames marked :class:`~framekit.frames.Uninterruptible`: final transcriptions,
  tool results, the end of the call, hang-up and transfer.

Everything else (bot text, bot audio, response start/end, requested tool calls
that have not started) is dropped. Processors that hold no queue need no
interruption logic at all: they only see frames one at a time.
"""

from __future__ import annotations

from collections import deque
from typing import TypeVar

from framekit.frames import Frame, SystemFrame

__all__ = ["drop_interruptible", "should_interrupt", "survives_interruption"]

T = TypeVar("T")


def survives_interruption(frame: Frame) -> bool:
    """True if an interruption must keep ``frame`` (system or uninterruptible frames)."""
    return frame.uninterruptible or isinstance(frame, SystemFrame)


def drop_interruptible(queue: deque[tuple[Frame, T]]) -> int:
    """Remove every frame an interruption may drop from ``queue``, in place.

    The survivors keep their order. Returns how many frames were dropped.
    """
    before = len(queue)
    if before:
        survivors = [item for item in queue if survives_interruption(item[0])]
        queue.clear()
        queue.extend(survivors)
    return before - len(queue)


def should_interrupt(allow_interruptions: bool) -> bool:
    """Whether the pipeline task honours an interruption request for this call."""
    return allow_interruptions
