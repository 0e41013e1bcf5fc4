"""The spool: records the database could not take yet, in an append-only JSON-lines file.

Why a file, and why fsync: the promise is that a transcript segment the caller
heard is never lost, even when the database is down and the process then
crashes. Records reach the spool only when a write to the database failed; each
append is flushed and ``fsync``-ed before the writer moves on, so what the spool
holds survives a crash or a power cut. Replays go in file order, and the
database's unique keys make a record replayed twice land once.

One spool file per writer (per process), named ``spool-<pid>-<random>.jsonl``
in the spool directory. A live writer holds an exclusive ``flock`` on its file;
a writer that starts :meth:`Spool.adopt_orphans`: it takes over every file in
the directory that no live process holds (left by a crash) and appends their
records, in order, to its own spool, to be replayed with the rest.

A torn last line (the process died in the middle of a write) is skipped with a
warning: its record was never acknowledged as durable.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from loguru import logger

from framekit.storage.records import Record, record_from_json, record_to_json

__all__ = ["Spool"]

_PATTERN = "spool-*.jsonl"


class Spool:
    """This process's spool file in ``directory`` (created on first use, locked while open)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).absolute()
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"spool-{os.getpid()}-{secrets.token_hex(4)}.jsonl"
        self.path = self.directory / name
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _fsync_dir(self.directory)
        except OSError:
            os.close(self._fd)
            self.path.unlink(missing_ok=True)
            raise
        self._count = 0

    def __len__(self) -> int:
        """How many records wait in the spool."""
        return self._count

    def append(self, records: Iterable[Record]) -> None:
        """Add ``records`` at the end, durably: returns once they are on disk.

        All or nothing: on a failure (a full disk, an I/O error) the file is cut back
        to where it was, so a torn line cannot swallow the next append, and the
        ``OSError`` is raised; none of ``records`` counts as spooled.
        """
        lines = [record_to_json(r) + "\n" for r in records]
        if not lines:
            return
        data = "".join(lines).encode()
        end = os.lseek(self._fd, 0, os.SEEK_END)
        try:
            written = 0
            while written < len(data):
                written += os.write(self._fd, data[written:])
            os.fsync(self._fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, end)
            raise
        self._count += len(lines)

    def read(self) -> list[Record]:
        """Every record in the spool, oldest first."""
        return _read_records(self.path)

    def clear(self) -> None:
        """Forget every record: they are all in the database now."""
        os.ftruncate(self._fd, 0)
        os.fsync(self._fd)
        self._count = 0

    def adopt_orphans(self) -> int:
        """Move the records of spool files no live writer holds into this one; returns how many."""
        adopted = 0
        for path in sorted(self.directory.glob(_PATTERN)):
            if path == self.path:
                continue
            adopted += self._adopt(path)
        return adopted

    def _adopt(self, path: Path) -> int:
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return 0
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return 0  # a live writer owns it
            records = _read_records(path)
            self.append(records)
            path.unlink()
            _fsync_dir(self.directory)
        finally:
            os.close(fd)
        if records:
            logger.info(f"spool: adopted {len(records)} records left in {path.name}")
        return len(records)

    def close(self) -> None:
        """Release the file; an empty spool is removed, a non-empty one stays for the next start."""
        if self._fd < 0:
            return
        if self._count == 0 and not self.read():
            self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = -1


def _read_records(path: Path) -> list[Record]:
    records: list[Record] = []
    with path.open(encoding="utf-8") as file:
        lines = file.read().split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(record_from_json(line))
        except (ValueError, KeyError, TypeError) as exc:
            logger.warning(f"spool: skipping unreadable line {number} of {path.name}: {exc!r}")
    return records


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
