"""Erasure: everything recorded about one caller, gone (a data subject's request).

A caller is a phone number (``calls.caller``, as the carrier gave it: ``+15550100``).
Every call from that number goes whole: its recordings (through the same deleter as
retention), its transcript, tools, turn metrics and analysis, then the call row. The
work is batched and resumable like retention (:mod:`framekit.storage.purge`): a run
cut short is finished by running it again. The audit event that records it names the
caller by a hash only (:func:`framekit.storage.audit.caller_target`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from framekit.storage.purge import (
    CALLS,
    CHILD_TABLES,
    RecordingDeleter,
    delete_calls,
    delete_local_file,
    delete_recordings,
    expired_batches,
)

__all__ = ["ErasureReport", "check_caller", "erase_caller"]

_MAX_NUMBER = 64  # calls.caller's length


@dataclass(slots=True)
class ErasureReport:
    """What an erasure deleted: rows per table (``calls`` is the number of calls) and
    recording files (``deleted``; ``failed``: their calls were kept, run it again)."""

    rows: Counter[str] = field(default_factory=Counter)
    files: Counter[str] = field(default_factory=Counter)

    @property
    def complete(self) -> bool:
        """Whether nothing was left behind (no file failed to go)."""
        return not self.files["failed"]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready counts (the API's answer, the audit event's details)."""
        return {
            "calls": self.rows[CALLS.name],
            "rows": dict(self.rows),
            "files": dict(self.files),
            "complete": self.complete,
        }


def check_caller(number: str) -> str:
    """``number`` stripped, or ValueError when it cannot be a caller (empty, too long,
    control characters): an erasure must never match by accident."""
    number = number.strip()
    if not number or len(number) > _MAX_NUMBER or not number.isprintable():
        raise ValueError(f"not a caller number: {number[:_MAX_NUMBER]!r}")
    return number


def erase_caller(
    engine: Engine,
    number: str,
    *,
    delete_recording: RecordingDeleter = delete_local_file,
    batch_size: int = 500,
) -> ErasureReport:
    """Delete every call whose ``caller`` is exactly ``number``, with all its data and files."""
    number = check_caller(number)
    report = ErasureReport()
    for connection, batch in expired_batches(engine, CALLS.c.caller == number, batch_size):
        done = delete_recordings(batch, delete_recording, report.files)
        delete_calls(connection, done, report.rows, tables=(*CHILD_TABLES, CALLS))
    return report
