"""The pieces that keep the writer from hanging or tearing its spool.

PostgreSQL connections carry the socket and statement timeouts (a URL's own
settings win); a call with a deadline returns at the deadline and its stuck
thread is abandoned; a spool append that fails half-way leaves no torn line.
A writer whose disk hangs still stops in time. The whole story, through a real
broken network, is in ``tests/faults``.
"""

from __future__ import annotations

import errno
import os
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from loguru import logger
from sqlalchemy import text

from framekit.storage import RecordWriter, make_engine
from framekit.storage._deadline import DeadlineExceeded, DeadlineWorker
from framekit.storage.records import CallOpened, SegmentRecord
from framekit.storage.spool import Spool


def test_postgres_connections_carry_socket_and_statement_timeouts(postgres_url: str) -> None:
    engine = make_engine(postgres_url + "&keepalives_idle=30")
    try:
        with engine.connect() as connection:
            statement_timeout = connection.execute(text("SHOW statement_timeout")).scalar()
            search_path = connection.execute(text("SHOW search_path")).scalar()
            dsn = connection.connection.dbapi_connection.info.dsn  # type: ignore[union-attr]
    finally:
        engine.dispose()
    assert statement_timeout == "15s"
    assert str(search_path).startswith("framekit_test_")  # the URL's own options are kept
    for setting in (
        "connect_timeout=3",
        "keepalives=1",
        "keepalives_idle=30",  # the URL's, not the default 10
        "keepalives_interval=5",
        "keepalives_count=3",
        "tcp_user_timeout=10000",
    ):
        assert setting in dsn.split(), dsn
    assert engine.pool.timeout() == 5  # type: ignore[attr-defined]


def test_a_call_past_its_deadline_is_given_up_and_its_thread_abandoned() -> None:
    worker = DeadlineWorker("test-deadline")
    release = threading.Event()
    try:
        assert worker.run(lambda: 42, 5) == 42
        with pytest.raises(ZeroDivisionError):
            worker.run(lambda: 1 // 0, 5)
        with pytest.raises(DeadlineExceeded):
            worker.run(release.wait, 0.05)
        assert not worker.wait_idle(0.01)
        assert worker.run(lambda: "a fresh thread", 5) == "a fresh thread"
        assert worker.abandoned == 1
    finally:
        release.set()
        worker.close()


def test_a_spool_append_that_fails_half_way_leaves_no_torn_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spool = Spool(tmp_path)
    first = CallOpened(call_id="c", started_at=datetime.now(UTC))
    spool.append([first])
    real_write = os.write

    def disk_full_after_a_few_bytes(fd: int, data: bytes) -> int:
        if len(data) > 20:
            return real_write(fd, data[:20])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    lines = [SegmentRecord(call_id="c", seq=n, speaker="user", text=f"line {n}") for n in (1, 2)]
    monkeypatch.setattr(os, "write", disk_full_after_a_few_bytes)
    with pytest.raises(OSError, match="No space left"):
        spool.append(lines)
    monkeypatch.setattr(os, "write", real_write)
    assert len(spool) == 1
    spool.append(lines)
    assert spool.read() == [first, *lines]
    spool.close()


def test_a_writer_stuck_on_its_disk_still_stops_in_time_and_dumps_what_it_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hanging = threading.Event()
    release = threading.Event()

    def a_disk_that_hangs(self: Spool, records: object) -> None:
        hanging.set()
        release.wait(10)
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(Spool, "append", a_disk_that_hangs)
    lines: list[str] = []
    handler = logger.add(lambda m: lines.append(m.record["message"]), level="ERROR")
    unreachable = f"sqlite:///{tmp_path / 'missing' / 'calls.db'}"
    fallback = tmp_path / "fallback"
    writer = RecordWriter(unreachable, spool_dir=tmp_path / "spool", fallback_dir=fallback)
    writer.start()
    try:
        writer.submit(CallOpened(call_id="c", started_at=datetime.now(UTC)))
        assert hanging.wait(10)
        writer.submit(SegmentRecord(call_id="c", seq=1, speaker="user", text="queued"))
        writer.close(0.3)
        [line] = [line for line in lines if "did not stop within" in line]
    finally:
        release.set()
        assert writer._thread is not None
        writer._thread.join(10)  # it ends once the disk answers
        logger.remove(handler)
    assert not writer._thread.is_alive()
    assert any(line.startswith("record writer stopped late: ") for line in lines)
    found = re.search(r"2 in memory dumped to (\S+) \(", line)
    assert found, line
    assert Path(found[1]).parent == fallback
    assert len(Path(found[1]).read_text().splitlines()) == 2
