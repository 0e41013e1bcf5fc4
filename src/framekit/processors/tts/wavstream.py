"""Read a WAV file as it streams in: the header first, then the samples as they arrive.

Why not :func:`framekit.audio.decode_wav`: it wants the whole file, and a voice
that streams (espeak-ng on a pipe, an HTTP service) should be heard before its
last byte exists. The header is still parsed by ``decode_wav`` (given the header
and an empty data chunk), so framekit has one WAV parser and one list of formats.

Streaming writers cannot know the data size when they write the header, so they
write a placeholder: 0, or about 2 GiB (espeak-ng writes ``0x7ffff000``). Such a
size means "until the stream ends"; any other size is believed, and a stream that
ends before it is reported as truncated.
"""

from __future__ import annotations

import struct
from typing import Final

from framekit.audio.format import AudioFormat
from framekit.audio.wav import WavError, decode_wav
from framekit.processors.tts.voice import TTSError

__all__ = ["WavStreamDecoder"]

_UNKNOWN_SIZE_FROM: Final = 0x7FFF0000
_MAX_HEADER: Final = 64 * 1024


class WavStreamDecoder:
    """Feed the bytes of a WAV stream; get its sample bytes back as soon as they come."""

    def __init__(self, source: str = "WAV stream") -> None:
        self._source = source
        self._head = bytearray()
        self._format: AudioFormat | None = None
        self._remaining: int | None = None
        self._received = 0

    @property
    def format(self) -> AudioFormat:
        """The samples' format, known once :meth:`feed` has returned audio."""
        if self._format is None:
            raise TTSError(f"{self._source}: WAV header not read yet")
        return self._format

    def feed(self, data: bytes) -> bytes:
        """The sample bytes in ``data`` (none while the header is still incomplete)."""
        if self._format is None:
            self._head += data
            data = self._parse_header()
        if self._remaining is not None:
            data = data[: self._remaining]
            self._remaining -= len(data)
        self._received += len(data)
        return data

    def finish(self) -> None:
        """The stream ended: raise :class:`TTSError` if it ended early."""
        if self._format is None:
            raise TTSError(f"{self._source} ended inside the WAV header ({len(self._head)} bytes)")
        if self._remaining:
            raise TTSError(
                f"{self._source} was truncated: {self._received} of "
                f"{self._received + self._remaining} declared audio bytes arrived"
            )

    def _parse_header(self) -> bytes:
        """Parse the header once the data chunk's header is in; return the samples after it."""
        head = self._head
        if len(head) >= 12 and (head[:4] != b"RIFF" or head[8:12] != b"WAVE"):
            raise TTSError(f"{self._source} is not a WAV file: starts with {bytes(head[:12])!r}")
        pos = 12
        while pos + 8 <= len(head):
            chunk_id = bytes(head[pos : pos + 4])
            (size,) = struct.unpack_from("<I", head, pos + 4)
            if chunk_id == b"data":
                try:
                    _, fmt = decode_wav(bytes(head[:pos]) + b"data\x00\x00\x00\x00")
                except WavError as exc:
                    raise TTSError(f"{self._source}: {exc}") from exc
                self._format = fmt
                if 0 < size < _UNKNOWN_SIZE_FROM:
                    self._remaining = size - size % fmt.bytes_per_frame
                rest = bytes(head[pos + 8 :])
                self._head = bytearray()
                return rest
            pos += 8 + size + (size & 1)
        if len(head) > _MAX_HEADER:
            raise TTSError(f"{self._source}: no audio data in the first {_MAX_HEADER} bytes")
        return b""
