"""Recording keys: the key ring the settings name, and ``framekit keys`` to rotate them.

Rotation, step by step (``docs/privacy.md``, Encryption at rest):

1. ``framekit keys new --id 2027-01`` prints a new key; put it first in
   ``RECORDINGS_ENCRYPTION_KEY`` (or the key file) and restart: new recordings use it,
   older ones still open with the keys after it.
2. ``framekit keys rewrap`` re-wraps every recording's data key with the first key
   (a header of a few hundred bytes a file; the audio is not re-encrypted).
3. ``framekit keys status`` counts the files under each key; once the old key has
   none, remove it from the settings.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from loguru import logger

from framekit.privacy.envelope import EnvelopeError, KeyRing, new_key_line, read_header, rewrap_file
from framekit.processors.recording import ENCRYPTED_SUFFIX
from framekit_contact_center.settings import Settings, SettingsError, load_settings

__all__ = ["KEYS", "KeysCommand", "recording_keys"]


def recording_keys(settings: Settings) -> KeyRing | None:
    """The master keys recordings are encrypted with, or None (recordings in clear)."""
    if settings.recordings_encryption_key:
        return KeyRing.parse(settings.recordings_encryption_key)
    path = settings.recordings_encryption_key_file
    if path is None:
        return None
    mode = path.stat().st_mode & 0o777
    if os.name == "posix" and mode & 0o077:
        logger.warning(f"the key file {path} can be read by other users (mode {mode:o}): chmod 600")
    return KeyRing.from_file(path)


def _encrypted_files(directory: Path) -> Iterator[Path]:
    return iter(sorted(directory.rglob(f"*{ENCRYPTED_SUFFIX}")))


class KeysCommand:
    """``framekit keys new|status|rewrap``: make a master key, see which keys files use,
    move every recording to the newest key."""

    help = "recording encryption keys: make a new one, count files per key, rewrap to the newest"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        new = actions.add_parser("new", help="print a new random key line (id:base64)")
        new.add_argument("--id", required=True, help="the key's id, e.g. 2027-01")
        actions.add_parser("status", help="count the recordings under each master key")
        actions.add_parser(
            "rewrap", help="wrap every recording's data key with the newest key (headers only)"
        )

    def run(self, args: argparse.Namespace) -> int:
        if args.action == "new":
            try:
                print(new_key_line(args.id))
            except ValueError as exc:
                print(f"framekit keys: {exc}", file=sys.stderr)
                return 2
            return 0
        try:
            settings = load_settings()
        except SettingsError as exc:
            print(f"framekit keys: {exc}", file=sys.stderr)
            return 2
        keys = recording_keys(settings)
        if keys is None:
            print(
                "framekit keys: no keys configured (RECORDINGS_ENCRYPTION_KEY or "
                "RECORDINGS_ENCRYPTION_KEY_FILE)",
                file=sys.stderr,
            )
            return 2
        if args.action == "status":
            return _status(settings.recordings_dir, keys)
        return _rewrap(settings.recordings_dir, keys)


def _status(directory: Path, keys: KeyRing) -> int:
    counts: Counter[str] = Counter()
    for path in _encrypted_files(directory):
        try:
            counts[read_header(path).key_id] += 1
        except EnvelopeError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
    for key_id in (*keys.ids, *sorted(set(counts) - set(keys.ids))):
        role = "newest" if key_id == keys.current.key_id else "older"
        if key_id not in keys.ids:
            role = "NOT CONFIGURED"
        print(f"{key_id}\t{counts[key_id]} files\t{role}")
    return 0


def _rewrap(directory: Path, keys: KeyRing) -> int:
    moved = kept = failed = 0
    for path in _encrypted_files(directory):
        try:
            if rewrap_file(path, keys):
                moved += 1
            else:
                kept += 1
        except (EnvelopeError, OSError) as exc:
            failed += 1
            print(f"{path}: {exc}", file=sys.stderr)
    print(
        f"{moved} files rewrapped to key {keys.current.key_id!r}, {kept} already under it, "
        f"{failed} failed"
    )
    return 1 if failed else 0


KEYS = KeysCommand()
