"""Served calls' voice to voice with the post-call analysis off, idle and working, in one run.

The real ``framekit serve`` (``benchmarks/_served.py``) answers calls from an
independent Twilio network (``bench_served_calls.one_call``: the caller hears the
greeting, says goodbye over it, and the bot's reply is timed from the caller's last
word). Rounds alternate between three servers, started one after the other:

* ``off``: ``ANALYTICS=off`` on a fresh calls database: no analysis job in the
  process at all (the "without" of issue 15's target);
* ``idle``: the job on, on a fresh calls database: it has only the measured calls'
  own analyses (each a few milliseconds after its call ends);
* ``busy``: the job on, on a copy of a database seeded with ``--backlog`` finished,
  never analysed calls (``seed_calls``): from its start the worker analyses them
  back to back (sentiment by the learned head over the sentence embeddings, as
  ``framekit serve`` runs it), in its thread, while the measured calls run.

``busy`` is the worst case a live call can meet (a restart over a backlog). Printed
per round: the load average; per mode: voice to voice p50 / p95 / max over all its
rounds, first bot audio, and how many backlog calls the worker analysed while the
calls ran::

    .venv/bin/python benchmarks/bench_analytics_served.py --rounds 2 --calls 8
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parents[1] / "examples" / "contact_center"))

from framekit_contact_center.seed_calls import seed_calls

from _served import report, serving, speech
from bench_served_calls import GOODBYE, CallTimes, _note_hang_up, one_call
from framekit.storage import make_engine
from framekit.storage.models import CallAnalysis

MODES = ("off", "idle", "busy")


def analysed(url: str) -> int:
    """Calls with a finished analysis in the database at ``url``."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = select(func.count()).where(CallAnalysis.status == "done")
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


async def one_round(
    mode: str, template: Path, workdir: Path, n: int, calls: int, listen: float
) -> tuple[list[CallTimes], int]:
    """``calls`` calls one after the other on a server in ``mode``; the backlog analysed."""
    database = workdir / f"{mode}-{n}.db"
    if mode == "busy":
        shutil.copy(template, database)
    url = f"sqlite:///{database}"
    env = {"DATABASE_URL": url, "ANALYTICS": "off" if mode == "off" else "on"}
    async with serving(env, on_request=_note_hang_up) as served:
        before = analysed(url)
        times = [await one_call(served.network, served.api, listen) for _ in range(calls)]
        during = analysed(url) - before
    return times, during


async def main(args: argparse.Namespace) -> None:
    speech(GOODBYE)
    with tempfile.TemporaryDirectory(prefix="bench-analytics-served-") as directory:
        workdir = Path(directory)
        template = workdir / "backlog.db"
        seeded = seed_calls(f"sqlite:///{template}", calls=args.backlog, now=datetime.now(UTC))
        print(f"backlog: {seeded.calls} calls, {seeded.segments} segments, never analysed")
        results: dict[str, list[CallTimes]] = {mode: [] for mode in MODES}
        for n in range(args.rounds):
            for mode in MODES:
                times, during = await one_round(mode, template, workdir, n, args.calls, args.listen)
                results[mode] += times
                replies = " ".join(f"{1000 * t.reply:.0f}" for t in times)
                print(
                    f"round {n + 1} {mode}: {during} analyses finished meanwhile, "
                    f"load {os.getloadavg()[0]:.1f}, voice to voice ms: {replies}"
                )
    for mode, times in results.items():
        print(mode)
        report("voice to voice (goodbye reply)", [t.reply for t in times])
        report("first bot audio after start", [t.first_audio for t in times])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="off/idle/busy triples")
    parser.add_argument("--calls", type=int, default=8, help="calls per round, one by one")
    parser.add_argument("--backlog", type=int, default=10_000, help="calls seeded for busy")
    parser.add_argument("--listen", type=float, default=1.0, help="greeting heard, seconds")
    asyncio.run(main(parser.parse_args()))
    subprocess.run(["uptime"], check=False)  # the load the run ended at
