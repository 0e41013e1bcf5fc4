"""Task success of the contact-center bot on the caller scenarios: as text, and as phone calls.

Why: a scenario (``examples/contact_center/scenarios/corpus/{dev,test}``, the format of
``docs/simulate.md`` plus ``now:`` and ``intent:``) says what a caller does and what the
call must show. Run as a perfect transcript it measures the dialogue alone; run as a
real phone call to ``framekit serve`` it measures what a caller gets, recognition of
voices the recognizer was not tuned on included. The gap between the two is what the
phone path costs, and each served failure is traced to its cause.

Two modes, on the scenarios of one split:

* ``--transcript`` (default): each scenario through
  :func:`framekit_contact_center.transcript.run_transcript` (the caller's lines reach
  the offline brain as text, against a freshly seeded shop on the scenario's clock).
  Reports task success (every check of
  :func:`~framekit_contact_center.simulate.check_call` passes) and first-turn intent
  accuracy (``engine.understand(first line).intent`` against the scenario's
  ``intent``).
* ``--served``: the transcript run first, then each scenario as a phone call. One
  :class:`~framekit_contact_center.server.ContactCenterServer` per scenario, in this
  process, on a loopback port (``tests/contact_center/_serving.py``), with a fresh
  shop seeded for the scenario's day and its clock pinned to the scenario's ``now``
  (every server is loaded before the first call, so that loading never competes
  with a call for the CPU); call control goes to
  :class:`~framekit.testing.fakes.twilio_api.FakeTwilioAPI`. The caller is
  ``tests/phone_network.py`` (a Twilio network written from the public protocol,
  sharing no code with the server: 8 kHz mu-law, real-time pace). It waits for the
  greeting to end, then for each step: ``say`` is spoken by a caller voice of
  ``tests/accuracy/voices.py`` (espeak-ng, flite and festival voices, never the bot's
  own Piper; one voice per scenario, in turn), ``press`` is DTMF, ``wait`` is
  silence; after each step it waits for the bot's answer to be heard out. The call
  record is then read from the calls API (tools with their arguments and results,
  outcome, transcript, turn latencies) into a
  :class:`~framekit_contact_center.simulate.CallSummary` and checked.

A served failure is put down to one of three causes:

* ``dialogue``: the same scenario fails as a perfect transcript too;
* ``recognition``: the caller's lines as the server heard them (the call record's
  transcript), replayed as text to a fresh brain, fail the checks: what was misheard
  explains the failure;
* ``call``: what was heard passes as text, so something only the call has went
  wrong: the recognizer's low confidence (the served brain checks unsure words with
  the caller; text carries no confidence), a slow turn (a silence prompt), a turn
  split in two, the hang-up.

Selection: ``--limit N`` takes the first N scenarios, ``--sample N`` N evenly spaced
ones (the files are numbered by category, so a sample spreads over all of them).
Rules are tuned on ``--split dev``, ``dev2`` and ``dev3``; ``--split test`` is only measured, and
``--record`` appends the results, the command, the date, the commit and the machine
to ``benchmarks/dialogue_runs.jsonl``.

Usage::

    .venv/bin/python benchmarks/bench_dialogue.py --split dev
    .venv/bin/python benchmarks/bench_dialogue.py --split test --record
    .venv/bin/python benchmarks/bench_dialogue.py --served --split test --sample 12 \\
        --concurrency 2 --record

A served call takes about as long as a real one (half a minute or more); on two
cores keep ``--concurrency`` at 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from framekit_contact_center.scenario import load_scenario

from _dialogue_calls import served_runs
from _dialogue_report import RESULTS, record, report, summarize
from _dialogue_runs import Brain, Entry, select, transcript_runs

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "contact_center" / "scenarios" / "corpus"


async def run(args: argparse.Namespace) -> None:
    paths = select(
        sorted((CORPUS / args.split).glob("*.yaml")), limit=args.limit, sample=args.sample
    )
    entries = [Entry(path, load_scenario(path)) for path in paths]
    mode = "served" if args.served else "transcript"
    brain = Brain(Path(tempfile.mkdtemp(prefix="bench-dialogue-text-")))
    started = time.perf_counter()
    print(f"{len(entries)} scenarios of {args.split}: perfect transcript", flush=True)
    await transcript_runs(entries, brain)
    if args.served:
        print(f"served phone calls, {args.concurrency} at once", flush=True)
        await served_runs(entries, brain, args.concurrency)
    numbers = summarize(entries, mode)
    numbers["wall_s"] = round(time.perf_counter() - started, 1)
    report(entries, args.split, mode, numbers)
    print(f"\n{numbers['wall_s']:.0f} s in all")
    if args.record:
        record(entries, args.split, mode, numbers)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--transcript", action="store_true", help="perfect transcript (default)")
    how.add_argument("--served", action="store_true", help="phone calls to the served bot")
    parser.add_argument("--split", choices=("dev", "dev2", "dev3", "test"), default="dev")
    some = parser.add_mutually_exclusive_group()
    some.add_argument("--limit", type=int, help="the first N scenarios")
    some.add_argument("--sample", type=int, help="N evenly spaced scenarios (every category)")
    parser.add_argument("--concurrency", type=int, default=2, help="served calls at once")
    parser.add_argument("--record", action="store_true", help=f"append to {RESULTS.name}")
    parser.add_argument("--verbose", action="store_true", help="the server's own log lines")
    args = parser.parse_args()
    if args.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    if not args.verbose:
        from loguru import logger

        logger.remove()
        logger.add(sys.stderr, level="WARNING")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
