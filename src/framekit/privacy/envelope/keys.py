"""Master keys: named 256-bit keys that wrap each file's data key, newest first.

Why names: a file's header says which master key wrapped its data key, so keys
can be rotated without touching the audio. The first key of a :class:`KeyRing`
wraps every new file; the others only open older files until
:func:`~framekit.privacy.envelope.rewrap_file` moves those to the first key.

The text form, one key a line (a key file) or a comma between keys (an
environment variable), is ``id:base64`` (32 bytes, standard base64)::

    2026-12:3q2+7w...=
    2026-06:AAECAwQF...=

A key's bytes never appear in an error message, a ``repr`` or a log line.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["KEY_BYTES", "KeyRing", "MasterKey", "new_key_line"]

KEY_BYTES = 32
"""AES-256."""

_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")


@dataclass(frozen=True)
class MasterKey:
    """One master key: ``key_id`` (1-32 of ``A-Za-z0-9._-``) and its 32 secret bytes."""

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KEY_ID.fullmatch(self.key_id):
            raise ValueError(
                f"a key id must be 1 to 32 letters, digits, '.', '_' or '-', got {self.key_id!r}"
            )
        if len(self.secret) != KEY_BYTES:
            raise ValueError(
                f"key {self.key_id!r} must be {KEY_BYTES} bytes (AES-256), it is {len(self.secret)}"
            )

    @classmethod
    def parse(cls, text: str) -> MasterKey:
        """A key from ``id:base64``; the message of a bad one never holds the secret."""
        key_id, colon, encoded = text.strip().partition(":")
        if not colon:
            raise ValueError("a key must be written id:base64 (framekit keys new prints one)")
        try:
            secret = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"key {key_id.strip()!r} is not valid base64") from None
        return cls(key_id.strip(), secret)

    @classmethod
    def generate(cls, key_id: str) -> MasterKey:
        """A new random key from the operating system's generator."""
        return cls(key_id, os.urandom(KEY_BYTES))

    def line(self) -> str:
        """The key's text form, ``id:base64`` (secret: for a key file, never a log)."""
        return f"{self.key_id}:{base64.b64encode(self.secret).decode()}"


class KeyRing:
    """Master keys by id; the first one (:attr:`current`) wraps new files."""

    def __init__(self, keys: Iterable[MasterKey]) -> None:
        self._keys: dict[str, MasterKey] = {}
        for key in keys:
            if key.key_id in self._keys:
                raise ValueError(f"key id {key.key_id!r} appears twice")
            self._keys[key.key_id] = key
        if not self._keys:
            raise ValueError("a key ring needs at least one key")

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """Keys from ``id:base64`` items, one a line or separated by commas; ``#`` comments."""
        items: list[str] = []
        for line in text.splitlines():
            line = line.split("#", 1)[0]
            items.extend(item for item in line.split(",") if item.strip())
        return cls(MasterKey.parse(item) for item in items)

    @classmethod
    def from_file(cls, path: Path) -> KeyRing:
        """Keys from a key file (see :meth:`parse`), which only its owner should read."""
        return cls.parse(path.read_text(encoding="utf-8"))

    @property
    def current(self) -> MasterKey:
        """The key that wraps new files: the first one."""
        return next(iter(self._keys.values()))

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def get(self, key_id: str) -> MasterKey | None:
        return self._keys.get(key_id)

    def __iter__(self) -> Iterator[MasterKey]:
        return iter(self._keys.values())

    def __repr__(self) -> str:
        return f"KeyRing(ids={self.ids!r})"


def new_key_line(key_id: str) -> str:
    """A fresh key in its text form, to add at the top of a key file."""
    return MasterKey.generate(key_id).line()
