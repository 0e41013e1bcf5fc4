"""Files encrypted at rest: envelope encryption with rotating master keys.

Each file gets a random data key that seals its content with AES-256-GCM in
chunks (:mod:`~framekit.privacy.envelope.format`); the data key is stored in the
file's header wrapped by a named master key (:class:`KeyRing`). Call recordings
use it when the recorder is given a key ring (``docs/privacy.md``).
"""

from framekit.privacy.envelope.format import (
    DEFAULT_CHUNK_SIZE,
    EnvelopeError,
    UnknownKeyError,
    is_encrypted,
)
from framekit.privacy.envelope.keys import KeyRing, MasterKey, new_key_line
from framekit.privacy.envelope.reader import EncryptedFileReader, decrypt_bytes, read_header
from framekit.privacy.envelope.rewrap import rewrap_file
from framekit.privacy.envelope.writer import EncryptedFileWriter, encrypt_bytes

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "EncryptedFileReader",
    "EncryptedFileWriter",
    "EnvelopeError",
    "KeyRing",
    "MasterKey",
    "UnknownKeyError",
    "decrypt_bytes",
    "encrypt_bytes",
    "is_encrypted",
    "new_key_line",
    "read_header",
    "rewrap_file",
]
