"""FairExecutor: urgent and cheap work first; a job whose caller gave up never runs."""

from __future__ import annotations

import asyncio
import threading

import pytest

from framekit.models.scheduling import EARLY, FINAL, FairExecutor


async def test_finals_then_the_cheapest_run_first_whatever_the_arrival_order() -> None:
    executor = FairExecutor(1, name="test-fair")
    gate = threading.Event()
    order: list[str] = []
    blocker = executor.submit(gate.wait)  # holds the only thread while the queue fills
    jobs = [
        ("early-short", EARLY, 1.0),
        ("final-long", FINAL, 120.0),  # one caller's two minutes
        ("final-short", FINAL, 2.0),  # another caller's question
        ("final-mid", FINAL, 5.0),
    ]
    futures = [
        executor.submit(lambda name=name: order.append(name), rank=rank, cost=cost)
        for name, rank, cost in jobs
    ]
    gate.set()
    for future in [blocker, *futures]:
        await asyncio.wrap_future(future)
    assert order == ["final-short", "final-mid", "final-long", "early-short"]
    executor.shutdown()


async def test_a_job_cancelled_before_a_thread_takes_it_is_never_run() -> None:
    executor = FairExecutor(1, name="test-fair")
    gate = threading.Event()
    ran: list[str] = []
    blocker = executor.submit(gate.wait)
    waiting = asyncio.ensure_future(executor.run(lambda: ran.append("dropped")))
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    kept = asyncio.ensure_future(executor.run(lambda: ran.append("kept")))
    gate.set()
    await asyncio.wrap_future(blocker)
    await kept
    assert ran == ["kept"]
    executor.shutdown()


async def test_errors_reach_the_caller_and_shutdown_cancels_what_waits() -> None:
    executor = FairExecutor(2, name="test-fair")

    def fail() -> None:
        raise ValueError("bad audio")

    with pytest.raises(ValueError, match="bad audio"):
        await executor.run(fail)
    executor.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        executor.submit(lambda: None)
    with pytest.raises(ValueError, match="workers"):
        FairExecutor(0)
