"""The encrypted file format (version 1): a fixed-size header, then AES-256-GCM chunks.

Layout, all integers big-endian::

    header (127 bytes)
      magic       6   b"FKENC\\x00"
      version     1   1
      chunk_size  4   plaintext bytes in every chunk but the last
      file_id     16  random; bound into every chunk (chunks cannot move between files)
      key_id      33  length (1 byte) then the master key's id, zero-padded to 32
      wrap_nonce  12  random
      wrapped     48  the 32-byte data key under AES-256-GCM with the master key (+ tag)
      reserved    7   zero
    chunks, in order: nonce (12, random) | ciphertext | tag (16)

Every chunk but the last holds exactly ``chunk_size`` plaintext bytes; the last
holds fewer (possibly none) and is sealed with the "final" flag. A chunk's
associated data is the fixed part of the header (magic to file id), its index and
that flag, so a chunk that is changed, moved, taken from another file or missing
at the end fails its tag, and a file cut at a chunk boundary has no final chunk.

Why a random nonce per chunk instead of a counter: a file being recorded is
readable at every moment, so its first chunk (the WAV header with the sizes) and
its last chunk are sealed again as the file grows; a counter nonce would then be
used twice with the same key. 96 random bits per chunk, under a key used by one
file only, stay far below the 2^32 messages GCM allows per key.

Why the header is fixed-size and the data key is wrapped with the key id as
associated data: :func:`~framekit.privacy.envelope.rewrap_file` rewrites the
header in place with another master key, and never touches the chunks.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from framekit.privacy.envelope.keys import KeyRing, MasterKey

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "HEADER_SIZE",
    "MAGIC",
    "NONCE_BYTES",
    "TAG_BYTES",
    "EnvelopeError",
    "Header",
    "UnknownKeyError",
    "chunk_aad",
    "is_encrypted",
]

MAGIC: Final = b"FKENC\x00"
VERSION: Final = 1
NONCE_BYTES: Final = 12
TAG_BYTES: Final = 16
DEFAULT_CHUNK_SIZE: Final = 32 * 1024
"""32 KiB: 0.09 % overhead, and a writer holds at most two chunks of plaintext."""
MAX_CHUNK_SIZE: Final = 1 << 24

_FIXED = struct.Struct(">6sBI16s")  # magic, version, chunk size, file id
_KEY = struct.Struct(">B32s12s48s7s")  # key id length, key id, wrap nonce, wrapped, reserved
HEADER_SIZE: Final = _FIXED.size + _KEY.size


class EnvelopeError(ValueError):
    """A file that cannot be decrypted: not ours, damaged, truncated, or the wrong key."""


class UnknownKeyError(EnvelopeError):
    """The file's data key was wrapped by a master key the key ring does not hold."""


@dataclass(frozen=True)
class Header:
    """A parsed header; :attr:`fixed` is the part every chunk is bound to."""

    chunk_size: int
    file_id: bytes
    key_id: str
    wrap_nonce: bytes
    wrapped: bytes

    @property
    def fixed(self) -> bytes:
        return _FIXED.pack(MAGIC, VERSION, self.chunk_size, self.file_id)

    @classmethod
    def new(cls, key: MasterKey, data_key: bytes, chunk_size: int) -> Header:
        """A header for a new file whose data key ``data_key`` is wrapped by ``key``."""
        if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk_size must be 1 to {MAX_CHUNK_SIZE} bytes, got {chunk_size}")
        blank = cls(chunk_size, os.urandom(16), key.key_id, b"", b"")
        return blank.wrapped_by(key, data_key)

    def wrapped_by(self, key: MasterKey, data_key: bytes) -> Header:
        """This header with ``data_key`` wrapped by ``key`` (a fresh wrap nonce)."""
        nonce = os.urandom(NONCE_BYTES)
        wrapped = AESGCM(key.secret).encrypt(nonce, data_key, self._wrap_aad(key.key_id))
        return Header(self.chunk_size, self.file_id, key.key_id, nonce, wrapped)

    def data_key(self, keys: KeyRing) -> bytes:
        """Unwrap the data key with the key ring's key of this header's id."""
        key = keys.get(self.key_id)
        if key is None:
            raise UnknownKeyError(
                f"the file was encrypted with master key {self.key_id!r}, which is not "
                f"configured (known: {', '.join(keys.ids)})"
            )
        try:
            return AESGCM(key.secret).decrypt(
                self.wrap_nonce, self.wrapped, self._wrap_aad(key.key_id)
            )
        except InvalidTag:
            raise EnvelopeError(
                f"master key {self.key_id!r} does not open this file: the key is not the one "
                "it was encrypted with, or the header is damaged"
            ) from None

    def pack(self) -> bytes:
        key_id = self.key_id.encode()
        return self.fixed + _KEY.pack(len(key_id), key_id, self.wrap_nonce, self.wrapped, b"")

    @classmethod
    def unpack(cls, data: bytes) -> Header:
        """Parse a header; :class:`EnvelopeError` says what is wrong with a bad one."""
        if len(data) < HEADER_SIZE or not data.startswith(MAGIC):
            raise EnvelopeError("not a framekit encrypted file (no FKENC header)")
        _, version, chunk_size, file_id = _FIXED.unpack_from(data)
        if version != VERSION:
            raise EnvelopeError(f"encrypted file version {version} is not supported (only 1)")
        length, key_id, nonce, wrapped, reserved = _KEY.unpack_from(data, _FIXED.size)
        padding = key_id[length:] + reserved  # not covered by a tag, so it must be zero
        if not 1 <= chunk_size <= MAX_CHUNK_SIZE or not 1 <= length <= 32 or any(padding):
            raise EnvelopeError("the encrypted file's header is damaged")
        try:
            name = key_id[:length].decode("ascii")
        except UnicodeDecodeError:
            raise EnvelopeError("the encrypted file's header is damaged") from None
        return cls(chunk_size, file_id, name, nonce, wrapped)

    def _wrap_aad(self, key_id: str) -> bytes:
        return self.fixed + key_id.encode()


def chunk_aad(fixed: bytes, index: int, final: bool) -> bytes:
    """What chunk ``index`` is bound to: the file's fixed header, its place, the final flag."""
    return fixed + struct.pack(">QB", index, final)


def is_encrypted(data: bytes) -> bool:
    """Whether ``data`` (a file's first bytes) starts like a framekit encrypted file."""
    return data.startswith(MAGIC)
