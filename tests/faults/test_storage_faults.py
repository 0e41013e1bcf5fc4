"""Call records survive a broken network and a full disk: real PostgreSQL behind a breakable proxy.

* a black-holed server (packets swallowed, nothing refused or closed) during a call:
  the stuck write is given up at its deadline and the batch spooled, the call goes
  on, and every record is in the database once the network is back;
* a stop (what SIGTERM leads to) during that outage, while a write hangs: the stop
  keeps to its timeout, says in one line what it did, and the spool holds the rest,
  which the next writer replays;
* the database down and the spool unusable (a directory that cannot be made; a
  disk that fills up, by ``RLIMIT_FSIZE`` in a child process): the records are kept
  in memory and written once the database is back, or, at the stop, dumped to a
  file or to stderr in the spool's format, from which they are replayed.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from framekit.clock import SystemClock
from framekit.storage import RecordWriter, get_call, make_engine
from framekit.storage.records import CallClosed, CallOpened, Record, SegmentRecord
from storage._call import SimulatedCall, simulated_call

from .conftest import ProxiedDatabase
from .tcp_proxy import Mode

pytestmark = pytest.mark.usefixtures("no_leftover_threads")

WRITE_TIMEOUT = 1.0


def _writer(url: str, spool: Path, **options: Any) -> RecordWriter:
    settings: dict[str, Any] = {
        "write_timeout": WRITE_TIMEOUT,
        "retry_interval": 0.2,
        "max_retry_interval": 0.5,
    }
    settings.update(options)
    return RecordWriter(url, spool_dir=spool, **settings).start()


async def _turn(call: SimulatedCall, number: int) -> None:
    await call.user_says(f"caller line {number}", seconds=0.02)
    await call.bot_says([f"Bot answer {number}."], seconds=0.02)


async def _until(predicate: Callable[[], bool], what: str, within: float) -> None:
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def _wait(predicate: Callable[[], bool], what: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def _stored(direct_url: str, call_id: str) -> tuple[list[tuple[int, str, str]], Any]:
    engine = make_engine(direct_url)
    try:
        details = get_call(engine, call_id)
    finally:
        engine.dispose()
    assert details is not None, f"call {call_id} is not in the database"
    return [(s.seq, s.speaker, s.text) for s in details.transcript], details.call


def _assert_all_stored(direct_url: str, records: list[Record]) -> Any:
    """Every segment of ``records`` is in the database once, in order; returns the call row."""
    sent = [(r.seq, r.speaker, r.text) for r in records if isinstance(r, SegmentRecord)]
    assert sent, "the call produced no segments"
    stored, call = _stored(direct_url, records[0].call_id)
    assert stored == sent
    assert call.ended_at is not None, "the call's end was lost"
    return call


def _records(call_id: str, count: int) -> list[Record]:
    """A call of ``count`` records: opened, ``count - 2`` segments, closed."""
    start = datetime.now(UTC)
    opened: list[Record] = [CallOpened(call_id=call_id, started_at=start)]
    lines: list[Record] = [
        SegmentRecord(call_id=call_id, seq=n, speaker="user", text=f"line {n}")
        for n in range(1, count - 1)
    ]
    closed = CallClosed(call_id=call_id, ended_at=start + timedelta(seconds=30), outcome="resolved")
    return [*opened, *lines, closed]


def _stop_line(lines: list[str]) -> str:
    [line] = [line for line in lines if "record writer stopped" in line]
    return line


async def test_a_black_holed_server_during_a_call_spools_the_batch_within_the_deadline(
    database: ProxiedDatabase, tmp_path: Path
) -> None:
    writer = _writer(database.url, tmp_path / "spool")
    try:
        async with simulated_call(writer.submit, clock=SystemClock()) as call:
            await _turn(call, 1)
            assert await asyncio.to_thread(writer.flush, 10)  # a pooled connection now
            database.proxy.set_mode(Mode.BLACKHOLE)
            cut = time.monotonic()
            await _turn(call, 2)
            await _until(lambda: writer.spooled_now > 0, "the spool", WRITE_TIMEOUT + 3)
            spooled_after = time.monotonic() - cut
            for number in (3, 4):  # the call goes on; its records follow to the spool
                await _turn(call, number)
            database.proxy.set_mode(Mode.PASS)
            await _turn(call, 5)
        assert await asyncio.to_thread(writer.flush, 15), "the spool was not replayed"
    finally:
        writer.close()
    assert writer.stats.timeouts >= 1
    assert database.proxy.dropped_bytes > 0
    # The deadline plus the half second a broken connection gets to return.
    assert spooled_after < WRITE_TIMEOUT + 1.0, spooled_after
    assert writer.stats.replayed > 0
    _assert_all_stored(database.direct_url, call.records)


async def test_a_stop_during_the_outage_keeps_its_timeout_and_loses_nothing(
    database: ProxiedDatabase, tmp_path: Path, log_lines: list[str]
) -> None:
    spool = tmp_path / "spool"
    writer = _writer(database.url, spool, write_timeout=2.0)
    async with simulated_call(writer.submit, clock=SystemClock()) as call:
        await _turn(call, 1)
        assert await asyncio.to_thread(writer.flush, 10)
        database.proxy.set_mode(Mode.BLACKHOLE)
        for number in range(2, 9):  # seven turns during the outage
            await _turn(call, number)
    # The call has ended (its close is submitted) and a write hangs on the dead server.
    assert writer.stats.spooled == 0
    started = time.monotonic()
    await asyncio.to_thread(writer.close, 5)
    took = time.monotonic() - started
    assert took < 5, took
    line = _stop_line(log_lines)
    assert line.startswith("WARNING "), line
    waiting = writer.stats.spooled
    assert f"{waiting} spooled to {spool} ({waiting} wait there for the next start)" in line
    assert "0 kept in memory" in line
    assert waiting == len(call.records) - writer.stats.written
    database.replay_spool(spool, waiting)
    call_row = _assert_all_stored(database.direct_url, call.records)
    assert call_row.outcome == "unresolved"


def test_an_unwritable_spool_and_a_dead_database_keep_records_in_memory_until_it_is_back(
    database: ProxiedDatabase, tmp_path: Path, log_lines: list[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    database.proxy.set_mode(Mode.REFUSE)
    writer = _writer(database.url, blocker / "spool", fallback_dir=tmp_path / "fallback")
    records = _records("held", 40)
    try:
        for record in records:
            writer.submit(record)
        _wait(lambda: writer.held_now == 40, "the records to be kept in memory")
        assert writer.stats.spool_failures >= 1
        assert any(
            line.startswith("ERROR ") and f"cannot spool to {blocker / 'spool'}" in line
            for line in log_lines
        )
        database.proxy.set_mode(Mode.PASS)
        assert writer.flush(10)
        assert writer.held_now == 0
    finally:
        writer.close()
    assert "0 kept in memory" in _stop_line(log_lines)
    _assert_all_stored(database.direct_url, records)
    assert not (tmp_path / "fallback").exists()


def test_records_kept_in_memory_at_the_stop_are_dumped_and_replayed_from_the_dump(
    database: ProxiedDatabase, tmp_path: Path, log_lines: list[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    fallback = tmp_path / "fallback"
    database.proxy.set_mode(Mode.REFUSE)
    writer = _writer(database.url, blocker / "spool", fallback_dir=fallback)
    records = _records("dumped", 40)
    for record in records:
        writer.submit(record)
    _wait(lambda: writer.held_now == 40, "the records to be kept in memory")
    writer.close(3)
    line = _stop_line(log_lines)
    assert line.startswith("ERROR "), line
    kept = r"40 kept in memory could be neither written nor spooled: dumped to (\S+)$"
    found = re.search(kept, line)
    assert found, line
    dump = Path(found[1])
    assert dump.parent == fallback
    assert len(dump.read_text().splitlines()) == 40
    database.proxy.set_mode(Mode.PASS)
    spool = tmp_path / "spool"
    spool.mkdir()
    shutil.copy(dump, spool / "spool-recovered.jsonl")  # how docs/storage.md says to
    replay = RecordWriter(database.url, spool_dir=spool).start()
    try:
        assert replay.flush(10)
        assert replay.stats.replayed == 40
    finally:
        replay.close()
    _assert_all_stored(database.direct_url, records)


_DISK_FILLS_UP = """
import os, resource, signal, sys, time
from datetime import UTC, datetime, timedelta
from framekit.storage import RecordWriter
from framekit.storage.records import CallClosed, CallOpened, SegmentRecord

url, spool, fallback = sys.argv[1:4]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
writer = RecordWriter(url, spool_dir=spool, fallback_dir=fallback, write_timeout=1,
                      retry_interval=0.2, max_retry_interval=0.5).start()
# The disk has room for the first record only: nothing may grow past 300 bytes.
resource.setrlimit(resource.RLIMIT_FSIZE, (300, resource.RLIM_INFINITY))
start = datetime.now(UTC)
writer.submit(CallOpened(call_id="full", started_at=start))
def wait(predicate):
    deadline = time.monotonic() + 20
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.01)
wait(lambda: writer.stats.spooled == 1)
for seq in range(1, 39):
    writer.submit(SegmentRecord(call_id="full", seq=seq, speaker="user", text=f"line {seq}"))
writer.submit(CallClosed(call_id="full", ended_at=start + timedelta(seconds=30),
                         outcome="resolved"))
wait(lambda: writer.held_now == 39)
writer.close(3)
"""


def test_a_disk_that_fills_up_during_the_outage_loses_nothing(
    database: ProxiedDatabase, tmp_path: Path
) -> None:
    spool, fallback = tmp_path / "spool", tmp_path / "fallback"
    database.proxy.set_mode(Mode.REFUSE)
    child = subprocess.run(
        [sys.executable, "-c", _DISK_FILLS_UP, database.url, str(spool), str(fallback)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert child.returncode == 0, child.stderr
    err = child.stderr
    assert re.search(r"ERROR .*cannot spool to \S+ \(OSError: File too large\)", err), err
    assert re.search(
        r"ERROR .*record writer stopped in [\d.]+ s: 0 records written, 1 spooled to \S+ "
        r"\(1 wait there for the next start\), 39 kept in memory could be neither written "
        r"nor spooled: dumped to standard error",
        err,
    ), err
    dumped = [line for line in err.splitlines() if line.startswith('{"kind":')]
    assert len(dumped) == 39
    assert not fallback.exists() or not list(fallback.iterdir())  # the fallback file, too big
    (left,) = spool.glob("spool-*.jsonl")  # the first record, no torn line after it
    assert len(left.read_text().splitlines()) == 1
    (spool / "spool-recovered.jsonl").write_text("\n".join(dumped) + "\n")
    database.proxy.set_mode(Mode.PASS)
    replay = RecordWriter(database.url, spool_dir=spool).start()
    try:
        assert replay.flush(10)
        assert replay.stats.replayed == 40
    finally:
        replay.close()
    stored, call = _stored(database.direct_url, "full")
    assert [text for _, _, text in stored] == [f"line {n}" for n in range(1, 39)]
    assert call.outcome == "resolved"
