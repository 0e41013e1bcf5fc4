"""The server's side of ``bench_webrtc_many.py``: when the bot's packets left, and who got a core.

A gap the page hears has one of three causes: the output transport wrote the
bot's chunks late (the pipeline or event loop behind), the track sent them late
(aiortc's sender loop behind), or the packets left on time and the browser did not
play them in time. :class:`SendLog` records every packet each bot track hands to
aiortc (wall time, RTP timestamp, speech or filler silence), wrapping the public
:meth:`BotAudioTrack.recv` in this process only. :func:`loop_lag` measures how
late the event loop wakes, and :func:`sched_seconds` reads from the kernel how long
a process's threads ran and how long they waited on a run queue for a core.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from av.packet import Packet

from framekit.transports.webrtc import BotAudioTrack

SAMPLES = 960
"""Samples in one 20 ms packet of the bot's track (48 kHz)."""
LATE_MS = 60
"""Two packets further apart than this while the bot speaks: a late packet."""


class SendLog:
    """``(epoch ms, RTP timestamp, speech?)`` of every packet, by the track's id (the page's
    ``performance.timeOrigin + now`` is on the same clock)."""

    def __init__(self) -> None:
        self.sends: dict[str, list[tuple[float, int, bool]]] = {}

    @contextmanager
    def installed(self) -> Iterator[SendLog]:
        recv = BotAudioTrack.recv
        sends = self.sends

        async def logged(track: BotAudioTrack) -> Packet[Any]:
            spoken = track.chunks_sent
            packet = await recv(track)
            row = (1000 * time.time(), packet.pts or 0, track.chunks_sent > spoken)
            sends.setdefault(track.id, []).append(row)
            return packet

        BotAudioTrack.recv = logged  # type: ignore[method-assign,assignment]
        try:
            yield self
        finally:
            BotAudioTrack.recv = recv  # type: ignore[method-assign]

    def late(self, track_id: str | None, since: float, until: float) -> float:
        """The longest interval (ms) between two of the track's packets, speech or filler
        silence, the later sent between ``since`` and ``until`` (epoch ms): either kind
        left late makes the page conceal."""
        rows = self.sends.get(track_id or "", [])
        return max(
            (b[0] - a[0] for a, b in itertools.pairwise(rows) if since <= b[0] <= until),
            default=0.0,
        )

    def track(self, track_id: str | None) -> dict[str, float] | None:
        """One track's pacing while the bot spoke: packet intervals and RTP time skipped.

        Only pairs of packets where the later one is speech count: filler silence
        restarts its schedule after an utterance by design.
        """
        rows = self.sends.get(track_id or "")
        if not rows:
            return None
        intervals, skipped = [], 0.0
        for (at_a, pts_a, _), (at_b, pts_b, speech_b) in itertools.pairwise(rows):
            if speech_b:
                intervals.append(at_b - at_a)
                skipped += max(0, pts_b - pts_a - SAMPLES) / 48
        return {
            "speech_packets": len(intervals),
            "max_speech_interval_ms": round(max(intervals, default=0.0)),
            "late_sends": sum(i > LATE_MS for i in intervals),
            "skipped_ms": round(skipped),
        }


@asynccontextmanager
async def loop_lag(every: float = 0.01) -> AsyncIterator[dict[str, float]]:
    """How late the event loop woke from ``every`` s sleeps: max, count over 50 ms and
    the time spent more than 50 ms late."""
    found = {"max_ms": 0.0, "over_50_ms": 0, "late_s": 0.0}

    async def watch() -> None:
        while True:
            start = time.monotonic()
            await asyncio.sleep(every)
            late = 1000 * (time.monotonic() - start - every)
            found["max_ms"] = max(found["max_ms"], round(late))
            if late > 50:
                found["over_50_ms"] += 1
                found["late_s"] = round(found["late_s"] + late / 1000, 1)

    task = asyncio.get_running_loop().create_task(watch())
    try:
        yield found
    finally:
        task.cancel()


def sched_seconds(pids: list[int], *, threads: bool = True) -> tuple[float, float]:
    """Seconds the threads of ``pids`` (or only their main threads) ran on a core, and
    waited runnable for one. A thread that ended is no longer counted."""
    run = wait = 0
    for pid in pids:
        found = (
            Path(f"/proc/{pid}/task").glob("*/schedstat")
            if threads
            else [Path(f"/proc/{pid}/task/{pid}/schedstat")]
        )
        for stat in found:
            try:
                fields = stat.read_text().split()
            except OSError:  # the thread ended
                continue
            run += int(fields[0])
            wait += int(fields[1])
    return run / 1e9, wait / 1e9
