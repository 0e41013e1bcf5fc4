"""The last resort for records neither the database nor the spool would take.

When the database is down *and* the spool cannot be written (a full disk, a
read-only directory), the writer keeps records in memory and keeps trying. What
it must let go of (memory full, or the process is stopping) is written here: a
new file ``framekit-unwritten-<pid>-<random>.jsonl`` in a fallback directory (the
system's temporary directory unless told otherwise), fsync-ed; and if that file
cannot be written either, the records go to standard error, one JSON line each.

Either way the lines are in the spool's format (:func:`~framekit.storage.records.record_to_json`):
a file copied into a spool directory under a name like ``spool-recovered.jsonl``
is replayed by the next writer that starts there, and the lines of a log can be
recovered with ``grep '^{"kind":'``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from framekit.storage.records import Record, record_to_json

__all__ = ["STDERR", "dump_records"]

STDERR = "standard error"
"""Where :func:`dump_records` says it wrote when no file could be written."""


def dump_records(records: Sequence[Record], directory: Path) -> str:
    """Write ``records`` to a new file in ``directory``, else to stderr; returns where."""
    data = "".join(record_to_json(r) + "\n" for r in records).encode()
    path = directory / f"framekit-unwritten-{os.getpid()}-{secrets.token_hex(4)}.jsonl"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            os.fsync(fd)
        finally:
            os.close(fd)
        return str(path)
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)  # a partial file would only confuse
        stream = sys.__stderr__ or sys.stderr
        stream.write(data.decode())
        stream.flush()
        return STDERR
