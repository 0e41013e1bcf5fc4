"""The durable post-call job on real databases: each ended call analysed once, a restart
catches up, failures retried up to a cap and recorded, the queue bounded."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update

from framekit.analytics import Analysis, AnalysisWorker, analyze
from framekit.storage import CallDetails, make_engine
from framekit.storage.analyses import begin_analysis, unanalysed_calls
from framekit.storage.models import CallAnalysis
from framekit.storage.queries import get_analysis

from ._records import ORDER_CALL, call_records, write


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _worker(engine: Engine, **options: Any) -> AnalysisWorker:
    options = {"retry_delay": 0.05, "sweep_interval": 0.2, "pause": 0.0, **options}
    return AnalysisWorker(engine, **options)


def _wait_for(predicate: Any, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)


def test_a_call_that_ended_while_no_worker_ran_is_analysed_when_one_starts(
    engine: Engine, database_url: str, spool_dir: Path
) -> None:
    write(database_url, spool_dir, call_records("w1", **ORDER_CALL))
    assert unanalysed_calls(engine) == ["w1"]

    worker = _worker(engine).start()
    try:
        assert worker.wait_idle(10)
        _wait_for(lambda: worker.stats.analysed == 1)
    finally:
        worker.stop()
    row = get_analysis(engine, "w1")
    assert row is not None
    assert (row.status, row.attempts, row.resolution) == ("done", 1, "resolved")
    assert unanalysed_calls(engine) == []


def test_an_analysis_cut_by_a_restart_is_picked_up_again(
    engine: Engine, database_url: str, spool_dir: Path
) -> None:
    write(database_url, spool_dir, call_records("w2", **ORDER_CALL))
    taken = begin_analysis(engine, "w2")  # a process took it, then died before storing it
    assert taken.details is not None
    assert get_analysis(engine, "w2").status == "pending"  # type: ignore[union-attr]

    worker = _worker(engine).start()
    try:
        _wait_for(lambda: worker.stats.analysed == 1)
    finally:
        worker.stop()
    row = get_analysis(engine, "w2")
    assert row is not None
    assert (row.status, row.attempts) == ("done", 2)


def test_a_call_still_open_is_analysed_once_its_record_closes(
    engine: Engine, database_url: str, spool_dir: Path
) -> None:
    records = call_records("w3", **ORDER_CALL)
    write(database_url, spool_dir, records[:-1])  # not closed yet
    worker = _worker(engine, sweep_interval=60.0).start()
    try:
        assert worker.submit("w3")
        time.sleep(0.2)
        assert get_analysis(engine, "w3") is None  # open calls are not analysed
        write(database_url, spool_dir, records[-1:])
        _wait_for(lambda: worker.stats.analysed == 1)
    finally:
        worker.stop()
    assert get_analysis(engine, "w3").status == "done"  # type: ignore[union-attr]


def test_a_failing_analysis_is_retried_then_recorded_as_failed(
    engine: Engine, database_url: str, spool_dir: Path
) -> None:
    write(database_url, spool_dir, call_records("w4", **ORDER_CALL))
    tries: list[str] = []

    def broken(details: CallDetails) -> Analysis:
        tries.append(details.call.id)
        raise RuntimeError("the lexicon is gone")

    worker = _worker(engine, analyze=broken, max_attempts=3).start()
    try:
        _wait_for(lambda: worker.stats.failed == 1)
        time.sleep(0.5)  # sweeps pass: a failed row is not taken again
    finally:
        worker.stop()
    row = get_analysis(engine, "w4")
    assert row is not None
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.error == "RuntimeError: the lexicon is gone"
    assert tries == ["w4"] * 3
    assert worker.stats.retried == 2


def test_a_full_queue_refuses_notices_and_the_sweep_still_finds_the_calls(
    engine: Engine, database_url: str, spool_dir: Path
) -> None:
    calls = [r for n in range(3) for r in call_records(f"w5{n}", **ORDER_CALL)]
    write(database_url, spool_dir, calls)
    worker = _worker(engine, queue_size=1)  # not started: nothing takes from the queue
    assert worker.submit("w50")
    assert not worker.submit("w51")
    assert worker.stats.dropped == 1
    worker.start()
    try:
        _wait_for(lambda: not unanalysed_calls(engine))
    finally:
        worker.stop()
    assert worker.stats.analysed == 3


def test_a_done_analysis_is_never_redone(
    engine: Engine, database_url: str, spool_dir: Path
) -> None:
    write(database_url, spool_dir, call_records("w6", **ORDER_CALL))
    worker = _worker(engine, analyze=analyze).start()
    try:
        _wait_for(lambda: worker.stats.analysed == 1)
        with engine.begin() as connection:
            connection.execute(
                update(CallAnalysis.__table__).values(summary="kept")  # type: ignore[attr-defined]
            )
        worker.submit("w6")
        assert worker.wait_idle(5)
    finally:
        worker.stop()
    assert get_analysis(engine, "w6").summary == "kept"  # type: ignore[union-attr]
    assert worker.stats.analysed == 1


def test_a_call_whose_analyses_kept_dying_with_their_process_is_given_up(
    engine: Engine, database_url: str, spool_dir: Path
) -> None:
    write(database_url, spool_dir, call_records("w7", **ORDER_CALL))
    for _ in range(3):  # three processes took it and died before storing it
        begin_analysis(engine, "w7")
    tries: list[str] = []

    def counted(details: CallDetails) -> Analysis:
        tries.append(details.call.id)
        return analyze(details)

    worker = _worker(engine, analyze=counted, max_attempts=3).start()
    try:
        _wait_for(lambda: worker.stats.failed == 1)
    finally:
        worker.stop()
    row = get_analysis(engine, "w7")
    assert row is not None
    assert (row.status, row.attempts) == ("failed", 4)
    assert row.error == "gave up: 3 attempts ended with their process"
    assert tries == []


def test_the_worker_keeps_to_its_share_of_a_core(
    engine: Engine, database_url: str, spool_dir: Path
) -> None:
    for n in range(3):
        write(database_url, spool_dir, call_records(f"d{n}", **ORDER_CALL))
    starts: list[float] = []

    def burning(details: CallDetails) -> Analysis:
        starts.append(time.monotonic())
        began = time.thread_time()
        while time.thread_time() - began < 0.05:  # 50 ms of CPU
            pass
        return analyze(details)

    worker = _worker(engine, analyze=burning, duty=0.25).start()
    try:
        _wait_for(lambda: worker.stats.analysed == 3)
    finally:
        worker.stop()
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert min(gaps) >= 0.05 * 4  # 50 ms of work, then 150 ms of rest at a quarter of a core
    with pytest.raises(ValueError, match="duty"):
        AnalysisWorker(engine, duty=0.0)
