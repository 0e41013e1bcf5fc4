"""Served calls under pressure: a caller who never stops talking, and twice the capacity.

The real ``framekit serve`` and an independent Twilio network (``benchmarks/_served.py``).
A *normal caller* takes turns: it waits until the bot is quiet, asks one of a few
questions (Piper), and measures voice to voice (its last word sent to 0.1 s of the
bot's reply received), then waits a moment and asks again.

``talker``: ``--callers`` normal callers for ``--seconds``: after a ``--warmup`` run,
alone (the baseline), then beside one caller who talks without a pause for
``--seconds`` (Piper sentences joined with no silence: to a VAD, one endless
utterance), then alone again. Reported: the normal callers' voice to voice in each
run, and the server's resident memory before and after each::

    .venv/bin/python benchmarks/bench_served_load.py talker --callers 5 --seconds 120

``overload``: ``MAX_CALLS=--capacity``; ``2 x capacity`` callers call for
``--seconds``: each takes ``--turns`` turns and hangs up, and a caller refused as
busy tries again 1 s later. Reported: the admitted calls' voice to voice, how fast a
refused call got its busy answer, and the server's memory before and after::

    .venv/bin/python benchmarks/bench_served_load.py overload --capacity 4 --seconds 300
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time

from _served import Served, report, rss_mib, serving, speech
from phone_network import PhoneCall, PhoneLineBusy

QUESTIONS = (
    "What are your opening hours?",
    "What is your return policy?",
    "How much does shipping cost?",
)
MONOLOGUE = (
    "Let me tell you everything about my order from the very beginning, because it is a "
    "long story and I want you to hear all of it. First I ordered a lamp and a chair, then "
    "I changed my mind about the colour, and then the parcel went to my neighbour instead. "
)


async def turn(call: PhoneCall, question: str) -> float:
    """Ask ``question`` when the bot is quiet; seconds until its reply is heard."""
    await call.wait_for_quiet(0.4, timeout=60)
    await call.say_pcm16(*speech(question))
    said_at = time.monotonic()
    await call.wait_for_audio(call.received_seconds + 0.1, timeout=60)
    return time.monotonic() - said_at


async def normal_caller(served: Served, until: float, latencies: list[float]) -> None:
    call = await served.network.call(call_sid=served.api.add_call())
    try:
        await call.wait_for_audio(0.5, timeout=20)  # the greeting
        for question in itertools.cycle(QUESTIONS):
            if time.monotonic() >= until:
                break
            latencies.append(await turn(call, question))
            await asyncio.sleep(1.0)
    finally:
        await call.hang_up()


async def talker(served: Served, seconds: float) -> None:
    call = await served.network.call(call_sid=served.api.add_call())
    try:
        pcm, rate = speech(MONOLOGUE)
        repeats = max(1, round(seconds / (len(pcm) / 2 / rate)))
        await call.say_pcm16(pcm * repeats, rate)
    finally:
        await call.hang_up()


async def run_talker(args: argparse.Namespace) -> None:
    settings = {"MAX_CALLS": str(args.callers + 1), "GREETING": "Hello, how can I help?"}
    for text in (*QUESTIONS, MONOLOGUE):
        speech(text)
    runs = [
        ("warm-up, alone", False, args.warmup),
        ("alone", False, args.seconds),
        ("beside a caller who never stops", True, args.seconds),
        ("alone again", False, args.seconds),
    ]
    async with serving(settings) as served:
        print(f"framekit serve listening after {served.started_in:.1f} s")
        for label, with_talker, seconds in runs:
            before = rss_mib(served.pid)
            latencies: list[float] = []
            until = time.monotonic() + seconds
            callers = [normal_caller(served, until, latencies) for _ in range(args.callers)]
            if with_talker:
                callers.append(talker(served, seconds))
            await asyncio.gather(*callers)
            await asyncio.sleep(2.0)  # the calls' teardown
            after = rss_mib(served.pid)
            print(f"{args.callers} normal callers, {seconds:.0f} s, {label}:")
            report("voice to voice", latencies)
            print(f"  server RSS {before:.0f} -> {after:.0f} MiB ({after - before:+.0f})")


async def overload_caller(
    served: Served,
    until: float,
    turns: int,
    latencies: list[float],
    busy: list[float],
    admitted: list[int],
) -> None:
    while time.monotonic() < until:
        asked = time.monotonic()
        try:
            call = await served.network.call(call_sid=served.api.add_call())
        except PhoneLineBusy:
            busy.append(time.monotonic() - asked)
            await asyncio.sleep(1.0)
            continue
        admitted[0] += 1
        try:
            await call.wait_for_audio(0.5, timeout=20)
            for question in QUESTIONS[:turns]:
                latencies.append(await turn(call, question))
        finally:
            await call.hang_up()


async def run_overload(args: argparse.Namespace) -> None:
    settings = {"MAX_CALLS": str(args.capacity), "GREETING": "Hello, how can I help?"}
    for text in QUESTIONS:
        speech(text)
    async with serving(settings) as served:
        print(f"framekit serve listening after {served.started_in:.1f} s")
        before = rss_mib(served.pid)
        latencies: list[float] = []
        busy: list[float] = []
        admitted = [0]
        until = time.monotonic() + args.seconds
        await asyncio.gather(
            *(
                overload_caller(served, until, args.turns, latencies, busy, admitted)
                for _ in range(2 * args.capacity)
            )
        )
        await asyncio.sleep(2.0)
        after = rss_mib(served.pid)
    print(
        f"capacity {args.capacity}, {2 * args.capacity} callers for {args.seconds:.0f} s: "
        f"{admitted[0]} calls admitted, {len(busy)} busy answers"
    )
    report("admitted calls: voice to voice", latencies)
    report("refused calls: busy answer after", busy)
    print(f"  server RSS {before:.0f} -> {after:.0f} MiB ({after - before:+.0f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    talking = modes.add_parser("talker", help="normal callers beside one who never stops")
    talking.add_argument("--callers", type=int, default=5)
    talking.add_argument("--seconds", type=float, default=120.0)
    talking.add_argument("--warmup", type=float, default=30.0, help="seconds of a first run")
    overload = modes.add_parser("overload", help="twice the capacity offered")
    overload.add_argument("--capacity", type=int, default=4)
    overload.add_argument("--seconds", type=float, default=300.0)
    overload.add_argument("--turns", type=int, default=2, help="questions per admitted call")
    arguments = parser.parse_args()
    asyncio.run(run_talker(arguments) if arguments.mode == "talker" else run_overload(arguments))
