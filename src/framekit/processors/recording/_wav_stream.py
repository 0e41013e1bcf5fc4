"""A PCM16 WAV file written piece by piece, valid on disk after every piece.

Why not :func:`~framekit.audio.write_wav`: a recording of a whole call must not sit
in memory until the call ends. This writer appends each piece and patches the two
size fields of the header after it, so the file on disk is a complete WAV at every
moment: a process killed mid-call leaves a playable recording of everything
written so far. It is used from one thread at a time (the recorder's writer).
Given a key ring it writes the same WAV encrypted
(:class:`~framekit.privacy.envelope.EncryptedFileWriter`, complete after each piece
too): no byte of the recording reaches the disk in clear.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO, Protocol

from framekit.privacy.envelope import EncryptedFileWriter, KeyRing

__all__ = ["WavStreamWriter"]

_MAX_DATA = 0xFFFFFFFF - 36  # a RIFF size field is 32 bits


class _Sink(Protocol):
    def write(self, data: bytes) -> None: ...
    def patch_start(self, data: bytes) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


class _PlainFile:
    """The file itself: the header is patched in place."""

    def __init__(self, path: Path) -> None:
        self._file: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed by close()

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def patch_start(self, data: bytes) -> None:
        self._file.seek(0)
        self._file.write(data)
        self._file.seek(0, 2)

    def flush(self) -> None:
        """Nothing: the operating system holds what was written, as without encryption."""

    def close(self) -> None:
        self._file.close()


class WavStreamWriter:
    """Appends PCM16 samples to ``path`` (encrypted with ``keys`` if given); :meth:`close`
    leaves the final header."""

    def __init__(
        self, path: Path, sample_rate: int, channels: int, keys: KeyRing | None = None
    ) -> None:
        self.path = path
        self._sample_rate = sample_rate
        self._channels = channels
        self._data_bytes = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        sink = _PlainFile(path) if keys is None else EncryptedFileWriter(path, keys)
        sink.write(self._header())
        sink.flush()
        self._file: _Sink | None = sink

    @property
    def data_bytes(self) -> int:
        """Sample bytes written so far."""
        return self._data_bytes

    def write(self, data: bytes) -> None:
        """Append ``data`` (whole PCM16 sample instants) and patch the header."""
        file = self._file
        if file is None:
            raise ValueError(f"{self.path} is closed")
        if self._data_bytes + len(data) > _MAX_DATA:
            raise OverflowError(f"{self.path} would exceed the 4 GiB a WAV file can hold")
        file.write(data)
        self._data_bytes += len(data)
        file.patch_start(self._header())
        file.flush()

    def close(self) -> None:
        """Flush and close; the header already holds the final sizes."""
        file, self._file = self._file, None
        if file is not None:
            file.close()

    def _header(self) -> bytes:
        block = 2 * self._channels
        return (
            b"RIFF"
            + struct.pack("<I", 36 + self._data_bytes)
            + b"WAVEfmt "
            + struct.pack(
                "<IHHIIHH",
                16,
                1,
                self._channels,
                self._sample_rate,
                self._sample_rate * block,
                block,
                16,
            )
            + b"data"
            + struct.pack("<I", self._data_bytes)
        )
