"""An encrypted file written piece by piece, complete on disk after every :meth:`flush`.

Why it works like :class:`~framekit.processors.recording._wav_stream.WavStreamWriter`:
a recording is written as the call goes, and a process killed mid-call should
leave a file that opens. Full chunks are sealed and written as they fill; a
flush seals the unfinished last chunk as the final one (it is sealed again,
with a new nonce, once more data arrives) and the first chunk again if its start
was patched (a WAV header's sizes). Memory: at most two chunks of plaintext, the
first and the unfinished last, whatever the file's length.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from framekit.privacy.envelope.format import (
    DEFAULT_CHUNK_SIZE,
    HEADER_SIZE,
    NONCE_BYTES,
    TAG_BYTES,
    Header,
    chunk_aad,
)
from framekit.privacy.envelope.keys import KEY_BYTES, KeyRing

__all__ = ["EncryptedFileWriter", "encrypt_bytes"]


class EncryptedFileWriter:
    """Writes ``path`` encrypted under a new data key wrapped by ``keys.current``.

    Used from one thread at a time. :meth:`write` appends plaintext,
    :meth:`patch_start` replaces bytes at the start of the first chunk,
    :meth:`flush` makes the file on disk complete, :meth:`close` flushes and closes.
    """

    def __init__(self, path: Path, keys: KeyRing, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        data_key = os.urandom(KEY_BYTES)
        self._header = Header.new(keys.current, data_key, chunk_size)
        self._fixed = self._header.fixed
        self._aead = AESGCM(data_key)
        self._size = chunk_size
        self._record = NONCE_BYTES + chunk_size + TAG_BYTES
        self._full = 0  # full chunks written (only the first is ever sealed again)
        self._first = b""  # chunk 0's plaintext once it is full, for patches
        self._first_dirty = False
        self._tail = bytearray()  # plaintext of chunk ``_full``, shorter than a chunk
        self._tail_dirty = True
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO | None = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._file.write(self._header.pack())

    @property
    def plaintext_size(self) -> int:
        return self._full * self._size + len(self._tail)

    def write(self, data: bytes) -> None:
        """Append ``data``; each chunk it fills is sealed and written at once."""
        self._open_file()
        self._tail += data
        self._tail_dirty = True
        while len(self._tail) >= self._size:
            piece = bytes(self._tail[: self._size])
            del self._tail[: self._size]
            if self._full == 0:
                self._first = piece
            self._seal_at(self._full, piece, final=False)
            self._full += 1

    def patch_start(self, data: bytes) -> None:
        """Replace the first ``len(data)`` plaintext bytes (within the first chunk)."""
        self._open_file()
        if len(data) > min(self._size, self.plaintext_size):
            raise ValueError("patch_start may only change bytes already written in chunk 0")
        if self._full == 0:
            self._tail[: len(data)] = data
            self._tail_dirty = True
        else:
            self._first = data + self._first[len(data) :]
            self._first_dirty = True

    def flush(self) -> None:
        """Seal what changed (a patched first chunk, the final chunk): the file is complete."""
        file = self._open_file()
        if self._first_dirty:
            self._seal_at(0, self._first, final=False)
            self._first_dirty = False
        if self._tail_dirty:
            self._seal_at(self._full, bytes(self._tail), final=True)
            file.truncate()
            self._tail_dirty = False
        file.flush()

    def close(self) -> None:
        """Flush and close; idempotent."""
        if self._file is None:
            return
        try:
            self.flush()
        finally:
            file, self._file = self._file, None
            file.close()

    def _seal_at(self, index: int, plaintext: bytes, *, final: bool) -> None:
        file = self._open_file()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext, chunk_aad(self._fixed, index, final))
        file.seek(HEADER_SIZE + index * self._record)
        file.write(nonce)
        file.write(sealed)

    def _open_file(self) -> BinaryIO:
        if self._file is None:
            raise ValueError(f"{self.path} is closed")
        return self._file


def encrypt_bytes(path: Path, data: bytes, keys: KeyRing) -> None:
    """Write ``data`` to ``path`` encrypted (a whole file at once)."""
    writer = EncryptedFileWriter(path, keys)
    try:
        writer.write(data)
    finally:
        writer.close()
