"""Re-chunk an audio byte stream into fixed-size frames, keeping the remainder.

Transports receive audio in whatever pieces the network delivers, and some
consumers need exact frame sizes (a 20 ms mu-law payload for Twilio, a 30 ms
window for a VAD). :class:`AudioChunker` cuts on whole sample instants of an
:class:`~framekit.audio.format.AudioFormat` and carries the leftover bytes to the
next call in one ``bytearray``, so each byte is copied at most twice (into the
carry, then out into a frame) and never on a path that grows with the stream.
"""

from __future__ import annotations

from framekit.audio.format import AudioEncoding, AudioFormat
from framekit.audio.mulaw import MULAW_SILENCE

__all__ = ["AudioChunker", "silence"]


def silence(fmt: AudioFormat, num_bytes: int) -> bytes:
    """``num_bytes`` of digital silence in ``fmt`` (mu-law silence is ``0xFF``, not zero)."""
    if num_bytes < 0 or num_bytes % fmt.bytes_per_frame:
        raise ValueError(
            f"{num_bytes} bytes is not a whole number of {fmt.bytes_per_frame}-byte "
            f"sample instants of {fmt}"
        )
    fill = MULAW_SILENCE if fmt.encoding is AudioEncoding.MULAW else 0
    return bytes([fill]) * num_bytes


class AudioChunker:
    """Cut a stream of ``fmt`` audio into frames of ``frame_ms`` milliseconds.

    A frame must hold a whole number of samples (20 ms at 22,050 Hz is 441; 10 ms,
    220.5 samples, is refused), so that frames never drift against the clock.
    """

    __slots__ = ("_buffer", "_format", "_frame_bytes")

    def __init__(self, fmt: AudioFormat, frame_ms: int = 20) -> None:
        if frame_ms <= 0:
            raise ValueError(f"frame_ms must be positive, got {frame_ms}")
        samples, leftover = divmod(frame_ms * fmt.sample_rate, 1000)
        if leftover:
            raise ValueError(f"{frame_ms} ms is not a whole number of samples at {fmt}")
        self._format = fmt
        self._frame_bytes = samples * fmt.bytes_per_frame
        self._buffer = bytearray()

    @property
    def format(self) -> AudioFormat:
        """Format of the audio cut by this chunker."""
        return self._format

    @property
    def frame_bytes(self) -> int:
        """Size of every frame this chunker emits, in bytes."""
        return self._frame_bytes

    @property
    def pending_bytes(self) -> int:
        """Bytes held back, waiting to complete a frame (always less than a frame)."""
        return len(self._buffer)

    def push(self, data: bytes | bytearray | memoryview) -> list[bytes]:
        """Add ``data``; return the whole frames now available, oldest first.

        A piece that is exactly one frame, with nothing held back, is returned
        as is, without a copy.
        """
        size = self._frame_bytes
        buffer = self._buffer
        if not buffer:
            if len(data) == size and isinstance(data, bytes):
                return [data]
            view = memoryview(data)
            whole = len(view) - len(view) % size
            frames = [bytes(view[i : i + size]) for i in range(0, whole, size)]
            buffer += view[whole:]
            return frames
        buffer += data
        whole = len(buffer) - len(buffer) % size
        if not whole:
            return []
        view = memoryview(buffer)
        frames = [bytes(view[i : i + size]) for i in range(0, whole, size)]
        view.release()
        del buffer[:whole]
        return frames

    def flush(self, *, pad: bool = False) -> bytes:
        """Return what is held back (padded with silence to a frame if ``pad``), and clear.

        A trailing partial sample instant (bytes that do not fill one) is dropped.
        """
        bpf = self._format.bytes_per_frame
        held = len(self._buffer) - len(self._buffer) % bpf
        tail = bytes(self._buffer[:held])
        self._buffer.clear()
        if pad and tail:
            tail += silence(self._format, self._frame_bytes - len(tail))
        return tail

    def reset(self) -> None:
        """Drop what is held back (e.g. after an interruption)."""
        self._buffer.clear()
