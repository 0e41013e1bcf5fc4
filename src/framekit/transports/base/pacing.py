"""The absolute schedule an output transport writes an utterance's chunks on.

Why absolute: chunk *n* of an utterance is due at ``anchor + n * chunk``, fixed when
the utterance's first chunk is written, so a late wake-up never delays the chunks
after it and pacing jitter does not accumulate (a relative ``sleep(chunk)`` after
each write would add every wake-up's lateness to all the chunks that follow).
``send_ahead`` moves every slot earlier by the same amount: the far end buffers it
against network jitter, and the speaking state still follows the playing instants.

A chunk more than :data:`MAX_LAG_SECONDS` behind its slot restarts the schedule
from now instead of bursting the backlog.

The schedule is plain state and arithmetic, called once per chunk by
:class:`~framekit.transports.base.output.OutputTransport`'s worker; the sleeping
stays there, on the call's clock.
"""

from __future__ import annotations

from typing import Final

__all__ = ["MAX_LAG_SECONDS", "PacingSchedule"]

MAX_LAG_SECONDS: Final = 0.2
"""A chunk later than this behind its instant restarts the schedule from now.

Small delays (a busy event loop) are caught up by writing the next chunks at once,
so the pace never drifts; a longer stall has already left the caller a gap of
silence, and bursting the backlog would only flood the far end's buffer.
"""


class PacingSchedule:
    """One stream's chunk slots: when the next chunk is due, and what has been written.

    ``chunk_s`` is each chunk's length in seconds; ``send_ahead`` how long before its
    playing instant a chunk is written.
    """

    __slots__ = ("anchor", "audio_bytes", "chunk_s", "chunks", "send_ahead")

    def __init__(self, chunk_s: float, send_ahead: float) -> None:
        self.chunk_s = chunk_s
        self.send_ahead = send_ahead
        self.anchor = 0.0
        """Clock time the current utterance's first chunk plays at."""
        self.chunks = 0
        """Chunks of the current utterance written."""
        self.audio_bytes = 0
        """Audio bytes of the current utterance written (the last chunk's padding excluded)."""

    def begin(self, now: float) -> None:
        """An utterance's first chunk is written at clock time ``now``: it plays then."""
        self.anchor = now
        self.chunks = 0
        self.audio_bytes = 0

    def next_due(self) -> float:
        """The clock time the next chunk is to be written at."""
        return self.anchor + self.chunks * self.chunk_s - self.send_ahead

    def keep_pace(self, now: float, due: float) -> None:
        """The next chunk, due at ``due``, is written at ``now``: restart if it is far late."""
        if now - due > MAX_LAG_SECONDS:
            self.anchor = now + self.send_ahead - self.chunks * self.chunk_s

    def wrote(self, audio_bytes: int) -> None:
        """A chunk holding ``audio_bytes`` of audio was written."""
        self.chunks += 1
        self.audio_bytes += audio_bytes

    def playout_end(self) -> float:
        """The clock time the last chunk written finishes playing."""
        return self.anchor + self.chunks * self.chunk_s

    def end(self) -> None:
        """The utterance ended (played, or cut): nothing of it is counted any more."""
        self.chunks = 0
        self.audio_bytes = 0
