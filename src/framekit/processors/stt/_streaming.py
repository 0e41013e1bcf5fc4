"""Bookkeeping every streaming STT client needs, whatever the vendor.

* :class:`AudioLog`: the audio a reconnect must send again. A streaming service
  transcribes audio it has not *finalized* yet from its own buffer; if the
  connection drops, that buffer is gone, so the client keeps the same audio (with
  its byte offset in the stream) until a final result covers it, plus whatever
  was heard while disconnected. Bounded, oldest dropped first.
* :class:`UtteranceText`: services finalize an utterance in pieces; this joins
  them into one transcript, and puts the finalized pieces in front of each interim
  tail so interim frames always hold the utterance so far.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["AudioLog", "UtteranceText"]


class AudioLog:
    """Audio chunks with their byte offset in the stream, at most ``limit_bytes`` of them."""

    def __init__(self, limit_bytes: int) -> None:
        self.chunks: deque[tuple[int, bytes]] = deque()
        self.size = 0
        self.limit = limit_bytes
        self.dropped = 0
        """Bytes dropped because the log was full (reset by whoever reports them)."""

    def add(self, offset: int, pcm: bytes) -> None:
        self.chunks.append((offset, pcm))
        self.size += len(pcm)
        while self.size > self.limit and self.chunks:
            _, old = self.chunks.popleft()
            self.size -= len(old)
            self.dropped += len(old)

    def forget_before(self, offset: int) -> None:
        """Drop chunks that end at or before ``offset`` (the service finalized them)."""
        while self.chunks and self.chunks[0][0] + len(self.chunks[0][1]) <= offset:
            self.size -= len(self.chunks.popleft()[1])

    def keep_last(self, limit_bytes: int) -> None:
        """Drop the oldest chunks while the rest still hold ``limit_bytes`` or more."""
        while self.chunks and self.size - len(self.chunks[0][1]) >= limit_bytes:
            self.size -= len(self.chunks.popleft()[1])

    def take(self) -> list[bytes]:
        """Every chunk, oldest first; the log is left empty."""
        out = [pcm for _, pcm in self.chunks]
        self.chunks.clear()
        self.size = 0
        return out

    def restore(self, chunks: Iterable[bytes]) -> None:
        """Put ``chunks`` back in front of what was logged since (a resend failed)."""
        later = self.take()
        for pcm in [*chunks, *later]:
            self.add(0, pcm)


@dataclass(slots=True)
class UtteranceText:
    """The finalized pieces of the utterance in progress and the last interim shown."""

    pieces: list[tuple[str, float, float]] = field(default_factory=list)
    """``(text, confidence, seconds)`` of each final piece, in order."""
    last_interim: str = ""

    def add_final(self, text: str, confidence: float, seconds: float) -> None:
        if text:
            self.pieces.append((text, confidence, seconds))

    def interim(self, tail: str) -> str | None:
        """The utterance so far with ``tail`` at its end; ``None`` if nothing changed."""
        text = " ".join([*(t for t, _, _ in self.pieces), tail])
        if not tail or text == self.last_interim:
            return None
        self.last_interim = text
        return text

    def finish(self) -> tuple[str, float] | None:
        """Joined text and duration-weighted confidence; the utterance starts over."""
        pieces, self.pieces = self.pieces, []
        self.last_interim = ""
        if not pieces:
            return None
        total = sum(seconds for _, _, seconds in pieces)
        if total > 0:
            confidence = sum(c * s for _, c, s in pieces) / total
        else:
            confidence = min(c for _, c, _ in pieces)
        return " ".join(text for text, _, _ in pieces), confidence

    def clear(self) -> None:
        self.pieces.clear()
        self.last_interim = ""
