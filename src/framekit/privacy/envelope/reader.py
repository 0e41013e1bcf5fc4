"""Reading an encrypted file: whole, or any byte range, one chunk in memory at a time.

Why ranges: a player seeks in a recording (HTTP ``Range``), and chunks of a fixed
size put plaintext byte *n* in chunk ``n // chunk_size``, so a range costs only
the chunks it touches. Opening checks the header, unwraps the data key and opens
the final chunk, so the length a reader reports is authentic before any byte is
served; every chunk read is checked against its tag before it is returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from framekit.privacy.envelope.format import (
    HEADER_SIZE,
    NONCE_BYTES,
    TAG_BYTES,
    EnvelopeError,
    Header,
    chunk_aad,
)
from framekit.privacy.envelope.keys import KeyRing

__all__ = ["EncryptedFileReader", "decrypt_bytes", "read_header"]

_OVERHEAD = NONCE_BYTES + TAG_BYTES


def read_header(path: Path) -> Header:
    """The header of encrypted file ``path`` (no key needed)."""
    with path.open("rb") as file:
        return Header.unpack(file.read(HEADER_SIZE))


class EncryptedFileReader:
    """An open encrypted file: :attr:`size` plaintext bytes, read with :meth:`chunks`.

    Raises :class:`~framekit.privacy.envelope.EnvelopeError` (or its
    ``UnknownKeyError``) when the file is not one, its key is missing or wrong,
    or it was cut or changed. Use as a context manager, from one thread at a time.
    """

    def __init__(self, path: Path, keys: KeyRing) -> None:
        self.path = path
        self._file: BinaryIO = path.open("rb")
        try:
            self.header = Header.unpack(self._file.read(HEADER_SIZE))
            self._aead = AESGCM(self.header.data_key(keys))
            self._record = NONCE_BYTES + self.header.chunk_size + TAG_BYTES
            body = self._file.seek(0, 2) - HEADER_SIZE
            self._last = body // self._record  # the final chunk's index
            last_bytes = body - self._last * self._record
            if last_bytes < _OVERHEAD:
                raise EnvelopeError(f"{path.name} is truncated: its final chunk is missing")
            self.size = self._last * self.header.chunk_size + last_bytes - _OVERHEAD
            self._read_chunk(self._last)
        except BaseException:
            self._file.close()
            raise

    def __enter__(self) -> EncryptedFileReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def chunks(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The plaintext bytes ``start`` to ``end`` (exclusive; default: the end), in pieces."""
        end = self.size if end is None else min(end, self.size)
        size = self.header.chunk_size
        position = max(0, start)
        while position < end:
            index = position // size
            plain = self._read_chunk(index)
            offset = index * size
            yield plain[position - offset : end - offset]
            position = offset + size

    def read(self) -> bytes:
        """The whole plaintext (for small files and tests; :meth:`chunks` streams)."""
        return b"".join(self.chunks())

    def _read_chunk(self, index: int) -> bytes:
        final = index == self._last
        self._file.seek(HEADER_SIZE + index * self._record)
        record = self._file.read(self._record)
        nonce, sealed = record[:NONCE_BYTES], record[NONCE_BYTES:]
        fixed = self.header.fixed
        try:
            return self._aead.decrypt(nonce, sealed, chunk_aad(fixed, index, final))
        except InvalidTag:
            raise EnvelopeError(
                f"{self.path.name} was changed or damaged: chunk {index} fails its "
                "authentication tag"
            ) from None


def decrypt_bytes(path: Path, keys: KeyRing) -> bytes:
    """The whole plaintext of encrypted file ``path``."""
    with EncryptedFileReader(path, keys) as reader:
        return reader.read()
