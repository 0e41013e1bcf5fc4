"""Framework-neutral workloads for the core benchmark.

Each framework gets a thin adapter (``_framekit_adapter.py``, ``_pipecat_adapter.py``)
that builds a pipeline of pass-through processors ending in a recording sink; the
measurements below never touch framework code directly, so both frameworks are
driven by exactly the same loops, clocks and bookkeeping.

Frame timing is kept out of the frames themselves: the sender stores the frame
object and its scheduled send time in :attr:`Probe.sent`, keyed by ``id(frame)``,
and the sink pops it on arrival. Holding the frame in the dict keeps it alive, so
its ``id`` cannot be reused while it is in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "AUDIO_20MS",
    "FRAME_PERIOD_S",
    "Call",
    "Framework",
    "Probe",
    "percentile",
    "run_calls",
    "run_chains",
    "run_startup",
]

FRAME_PERIOD_S = 0.020
AUDIO_20MS = bytes(640)
"""20 ms of silence, PCM16 mono at 16 kHz (pipecat's default input rate)."""


@dataclass
class Probe:
    """Shared bookkeeping between senders and recording sinks."""

    sent: dict[int, tuple[object, float]] = field(default_factory=dict)
    scheduled: list[float] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)
    waiter: asyncio.Future[None] | None = None
    pending_goal: int = -1
    """When ``len(arrived)`` reaches this, :attr:`waiter` is resolved."""

    def on_audio(self, frame: object) -> None:
        """Record the arrival of ``frame`` at the sink; called by every adapter's sink."""
        now = time.perf_counter()
        entry = self.sent.pop(id(frame), None)
        if entry is None:
            return
        self.scheduled.append(entry[1])
        self.arrived.append(now)
        if self.waiter is not None and len(self.arrived) >= self.pending_goal:
            if not self.waiter.done():
                self.waiter.set_result(None)
            self.waiter = None

    def expect(self, total_arrivals: int) -> asyncio.Future[None]:
        """A future resolved once ``total_arrivals`` frames have arrived in all."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if len(self.arrived) >= total_arrivals:
            fut.set_result(None)
        else:
            self.waiter, self.pending_goal = fut, total_arrivals
        return fut

    def clear(self) -> None:
        """Forget everything recorded so far."""
        self.sent.clear()
        self.scheduled.clear()
        self.arrived.clear()
        self.waiter, self.pending_goal = None, -1


class Call(Protocol):
    """One pipeline task: pass-through processors then a recording sink."""

    async def start(self) -> None:
        """Start running; return once the start frame has reached the sink."""

    async def send(self, frame: Any) -> None:
        """Queue ``frame`` at the head of the pipeline, the idiomatic way."""

    async def end(self) -> None:
        """End gracefully (end frame through the pipeline) and wait until done."""

    async def cancel(self) -> None:
        """Cancel immediately and wait until done."""


class Framework(Protocol):
    """What an adapter provides to the workloads."""

    name: str

    def new_call(self, n_pass: int, probe: Probe) -> Call:
        """Construct (but do not start) a call with ``n_pass`` pass-through processors."""

    def audio_frame(self, audio: bytes) -> Any:
        """A new input audio frame carrying ``audio`` (PCM16, 16 kHz, mono)."""


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; NaN on an empty list."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _ms(x: float) -> float:
    return round(x * 1000, 4)


async def _chain_once(fw: Framework, n_pass: int, flood: int, pingpong: int) -> dict[str, float]:
    probe = Probe()
    call = fw.new_call(n_pass, probe)
    await call.start()
    # Ping-pong: one frame in flight, so latency is pure per-hop overhead.
    for _ in range(pingpong):
        done = probe.expect(len(probe.arrived) + 1)
        frame = fw.audio_frame(AUDIO_20MS)
        probe.sent[id(frame)] = (frame, time.perf_counter())
        await call.send(frame)
        await done
    lat = [a - s for a, s in zip(probe.arrived, probe.scheduled, strict=True)]
    probe.clear()
    # Flood: queue frames as fast as the framework accepts them; throughput is
    # frames over the time from the first send to the last arrival.
    done = probe.expect(flood)
    t0 = time.perf_counter()
    for _ in range(flood):
        frame = fw.audio_frame(AUDIO_20MS)
        probe.sent[id(frame)] = (frame, time.perf_counter())
        await call.send(frame)
    await asyncio.wait_for(done, timeout=120)
    elapsed = probe.arrived[-1] - t0
    await call.end()
    return {
        "frames_per_s": flood / elapsed,
        "p50_ms": _ms(percentile(lat, 50)),
        "p99_ms": _ms(percentile(lat, 99)),
    }


async def run_chains(
    fw: Framework, lengths: tuple[int, ...], flood: int, pingpong: int, repeats: int
) -> dict[str, Any]:
    """Suite (a): per-frame overhead through chains of pass-through processors.

    Each length runs ``repeats`` times on a fresh call; the median of each
    metric is reported (the runs are short, so medians damp noise from the
    other jobs on the machine).
    """
    await _chain_once(fw, 1, 200, 50)  # warm-up: lazy imports, caches
    out: dict[str, Any] = {}
    for n in lengths:
        runs = [await _chain_once(fw, n, flood, pingpong) for _ in range(repeats)]
        out[str(n)] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    return out


async def run_startup(fw: Framework, n_pass: int, repeats: int) -> dict[str, float]:
    """Suite (c): construct pipeline + task, run until the start frame reaches the sink."""
    starts: list[float] = []
    ends: list[float] = []
    for i in range(repeats + 3):
        probe = Probe()
        t0 = time.perf_counter()
        call = fw.new_call(n_pass, probe)
        await call.start()
        t1 = time.perf_counter()
        await call.end()
        t2 = time.perf_counter()
        if i >= 3:  # the first runs pay for lazy imports
            starts.append(t1 - t0)
            ends.append(t2 - t1)
    return {
        "start_median_ms": _ms(statistics.median(starts)),
        "start_p90_ms": _ms(percentile(starts, 90)),
        "end_median_ms": _ms(statistics.median(ends)),
        "repeats": repeats,
    }


class _Stop:
    """Shared by the senders: set once the run is over, on time or because it fell behind."""

    def __init__(self, max_lag_s: float) -> None:
        self.event = asyncio.Event()
        self.max_lag_s = max_lag_s
        self.fell_behind_at: float | None = None

    def fall_behind(self, now: float) -> None:
        if self.fell_behind_at is None:
            self.fell_behind_at = now
        self.event.set()


async def _slot_sender(
    fw: Framework,
    calls: list[Call],
    members: list[int],
    probe: Probe,
    t0: float,
    n_frames: int,
    sent: list[int],
    stop: _Stop,
) -> None:
    """Media input for the calls of one phase slot: a frame each every 20 ms.

    The schedule is absolute (``t0 + n * 20 ms``), so a process that cannot keep
    up accumulates lateness instead of silently slowing the clock. One task per
    slot, not per call, keeps the harness's own timer wake-ups (50 per second
    per task) from dominating the measurement at a thousand calls. A sender that
    finds itself more than ``stop.max_lag_s`` behind its schedule ends the run for
    everyone: the process cannot keep real time at this load, and feeding it more
    would only make the run longer, not the answer different.
    """
    for n in range(n_frames):
        if stop.event.is_set():
            return
        t_sched = t0 + n * FRAME_PERIOD_S
        now = time.perf_counter()
        if now - t_sched > stop.max_lag_s:
            stop.fall_behind(now)
            return
        if t_sched > now:
            await asyncio.sleep(t_sched - now)
        for i in members:
            frame = fw.audio_frame(AUDIO_20MS)
            probe.sent[id(frame)] = (frame, t_sched)
            await calls[i].send(frame)
            sent[i] = n + 1


async def _sleep_until(deadline: float, stop: _Stop) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.event.wait(), max(0.0, deadline - time.perf_counter()))


async def run_calls(
    fw: Framework,
    k: int,
    n_pass: int,
    warmup_s: float,
    measure_s: float,
    grace_s: float,
    rss: Callable[[], int],
    busy: Callable[[], float],
    slots: int = 20,
    max_lag_s: float = 1.0,
) -> dict[str, Any]:
    """Suite (b): ``k`` concurrent calls, each streaming 20 ms frames in real time.

    ``busy`` returns the machine's busy CPU seconds (all processes, all cores), so
    the CPU that other processes took during the window can be reported beside
    the result. Lateness is arrival at the sink minus the frame's scheduled send time. Frames
    scheduled in the measurement window that have not arrived ``grace_s`` after
    sending stopped count with their lateness at that moment (a lower bound), so
    a process that falls behind cannot hide it by dropping or stalling frames.
    If a sender falls more than ``max_lag_s`` behind, sending stops early and the
    window ends there (``fell_behind_after_s``); such a run never kept real time.
    """
    # Warm up lazily imported code paths, then take the baselines.
    warm = fw.new_call(n_pass, Probe())
    await warm.start()
    await warm.end()
    del warm
    gc.collect()
    base_tasks = len(asyncio.all_tasks())
    base_rss = rss()

    probe = Probe()
    calls = [fw.new_call(n_pass, probe) for _ in range(k)]
    t_start = time.perf_counter()
    batch = 50
    for i in range(0, k, batch):
        await asyncio.gather(*(c.start() for c in calls[i : i + batch]))
    startup_s = time.perf_counter() - t_start
    gc.collect()
    tasks_per_call = (len(asyncio.all_tasks()) - base_tasks) / k
    rss_per_call = (rss() - base_rss) / k

    n_frames = round((warmup_s + measure_s) / FRAME_PERIOD_S)
    stop = _Stop(max_lag_s)
    t_base = time.perf_counter() + 0.2
    n_slots = min(slots, k)
    slot_t0 = [t_base + FRAME_PERIOD_S * j / n_slots for j in range(n_slots)]
    t0s = [slot_t0[i % n_slots] for i in range(k)]
    sent_counts = [0] * k
    cpu_base, busy_base = time.process_time(), busy()
    senders = [
        asyncio.create_task(
            _slot_sender(
                fw,
                calls,
                list(range(j, k, n_slots)),
                probe,
                slot_t0[j],
                n_frames,
                sent_counts,
                stop,
            )
        )
        for j in range(n_slots)
    ]
    w0, w1 = t_base + warmup_s, t_base + warmup_s + measure_s
    await _sleep_until(w0, stop)
    if stop.event.is_set():  # fell behind during warm-up: the window is all of it
        w0, cpu0, wall0, busy0 = t_base, cpu_base, t_base, busy_base
    else:
        cpu0, wall0, busy0 = time.process_time(), time.perf_counter(), busy()
    await _sleep_until(w1, stop)
    cpu1, wall1, busy1 = time.process_time(), time.perf_counter(), busy()
    loop_lag_s = max(0.0, wall1 - (stop.fell_behind_at or w1))
    if stop.fell_behind_at is not None:
        w1 = min(w1, stop.fell_behind_at)
    stop.event.set()
    await asyncio.wait(senders, timeout=grace_s)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(probe.expect(sum(sent_counts)), timeout=grace_s)
    t_collect = time.perf_counter()

    lateness = [a - s for s, a in zip(probe.scheduled, probe.arrived, strict=True) if w0 <= s < w1]
    delivered = len(lateness)
    missing = [t_collect - s for _, s in probe.sent.values() if w0 <= s < w1]
    for i, count in enumerate(sent_counts):
        missing.extend(
            t_collect - s
            for n in range(count, n_frames)
            if w0 <= (s := t0s[i] + n * FRAME_PERIOD_S) < w1
        )
    all_lateness = lateness + missing

    t_end0 = time.perf_counter()
    for task in senders:
        task.cancel()
    await asyncio.gather(*senders, return_exceptions=True)
    try:
        await asyncio.wait_for(asyncio.gather(*(c.cancel() for c in calls)), timeout=30)
        teardown_s: float | None = time.perf_counter() - t_end0
    except TimeoutError:
        teardown_s = None

    p99 = percentile(all_lateness, 99)
    fell = stop.fell_behind_at
    return {
        "k": k,
        "n_pass": n_pass,
        "sender_slots": n_slots,
        "startup_all_s": round(startup_s, 3),
        "tasks_per_call": round(tasks_per_call, 2),
        "rss_per_call_kib": round(rss_per_call / 1024, 1),
        "cpu_pct": round(100 * (cpu1 - cpu0) / max(1e-9, wall1 - wall0), 1),
        "others_cpu_pct": round(
            100 * ((busy1 - busy0) - (cpu1 - cpu0)) / max(1e-9, wall1 - wall0), 1
        ),
        "window_s": round(wall1 - wall0, 3),
        "fell_behind_after_s": None if fell is None else round(fell - t_base, 2),
        "measure_loop_lag_ms": _ms(loop_lag_s),
        "frames_in_window": len(all_lateness),
        "delivered_in_window": delivered,
        "undelivered_in_window": len(missing),
        "lateness_p50_ms": _ms(percentile(all_lateness, 50)),
        "lateness_p99_ms": _ms(p99),
        "lateness_max_ms": _ms(max(all_lateness)) if all_lateness else float("nan"),
        "kept_real_time": bool(fell is None and p99 < FRAME_PERIOD_S and not missing),
        "teardown_s": None if teardown_s is None else round(teardown_s, 3),
    }
