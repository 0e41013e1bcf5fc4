"""A process that exits with a record writer still running loses none of its records.

Why a subprocess: the loss happens at interpreter exit. The writer's thread is a daemon,
so a writer nobody closed (only :func:`~framekit.storage.shared_writer` closed itself at
exit) simply stopped with the interpreter, and the records still queued were gone: in
the first case below, most of the 20,000. The exit now closes every writer still
running: written, or spooled when the database is down, within
:data:`~framekit.storage.writer.EXIT_TIMEOUT_S`.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

_UNCLOSED_WRITER = """
import sys
from datetime import UTC, datetime
from framekit.storage import RecordWriter
from framekit.storage.records import CallOpened, SegmentRecord

url, spool, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
writer = RecordWriter(url, spool_dir=spool, retry_interval=60).start()
writer.submit(CallOpened(call_id="left", started_at=datetime.now(UTC)))
for seq in range(1, count + 1):
    writer.submit(SegmentRecord(call_id="left", seq=seq, speaker="user", text=f"line {seq}"))
"""


def _exit_with_records(url: str, spool: Path, count: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _UNCLOSED_WRITER, url, str(spool), str(count)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_unclosed_writer_writes_what_it_holds_at_exit(sqlite_url: str, tmp_path: Path) -> None:
    done = _exit_with_records(sqlite_url, tmp_path / "spool", 20_000)
    assert done.returncode == 0, done.stderr[-2000:]
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as database:
        (segments,) = database.execute(
            "SELECT count(*) FROM transcript_segments WHERE call_id = 'left'"
        ).fetchone()
    assert segments == 20_000
    assert "20001 records written" in done.stderr  # close()'s one line, said at exit


def test_an_unclosed_writer_spools_what_it_holds_when_the_database_is_down(
    tmp_path: Path,
) -> None:
    spool = tmp_path / "spool"
    unreachable = f"sqlite:///{tmp_path / 'missing' / 'calls.db'}"
    done = _exit_with_records(unreachable, spool, 2_000)
    assert done.returncode == 0, done.stderr[-2000:]
    files = spool.glob("spool-*.jsonl")
    lines = [json.loads(line) for file in files for line in file.read_text().splitlines()]
    assert len(lines) == 2_001  # the call and every segment, for the next start to replay
