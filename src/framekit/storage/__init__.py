"""Call records: every call, what was said and heard, the tools run, the latency of each turn.

Needs the ``db`` extra (``pip install 'framekit[db]'``). The pieces:

* :mod:`~framekit.storage.models`: the SQLModel tables;
* :func:`migrate`: creates or upgrades the schema (Alembic scripts ship in the package);
* :class:`CallRecorder`: turns a call's frames into records, its words where they
  enter one of its :class:`RecordPoint` processors;
* :class:`RecordWriter` / :func:`shared_writer`: one writer thread per process that
  writes records in batches and spools them durably while the database is down;
* :func:`list_calls`, :func:`get_call`: reading the records back;
* :func:`close_orphaned_calls`: at a server's start, closes the calls of processes that died.

See ``docs/storage.md``.
"""

from __future__ import annotations

from framekit.storage._deps import require_db_extra

require_db_extra()

from framekit.storage.database import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    make_engine,
    migrate,
    normalize_url,
)
from framekit.storage.models import Call, ToolInvocation, TranscriptSegment, TurnMetric  # noqa: E402
from framekit.storage.orphans import close_orphaned_calls, process_owner  # noqa: E402
from framekit.storage.queries import CallDetails, CallPage, get_call, list_calls  # noqa: E402
from framekit.storage.recorder import CallRecorder, RecordPoint  # noqa: E402
from framekit.storage.writer import RecordWriter, WriterStats, shared_writer  # noqa: E402

__all__ = [
    "DEFAULT_DATABASE_URL",
    "Call",
    "CallDetails",
    "CallPage",
    "CallRecorder",
    "RecordPoint",
    "RecordWriter",
    "ToolInvocation",
    "TranscriptSegment",
    "TurnMetric",
    "WriterStats",
    "close_orphaned_calls",
    "get_call",
    "list_calls",
    "make_engine",
    "migrate",
    "normalize_url",
    "process_owner",
    "shared_writer",
]
