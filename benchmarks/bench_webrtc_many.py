"""Many concurrent browser calls to the served bot from ONE headless Chromium page: audio gaps.

``framekit serve``'s application (the whole offline contact-center bot) runs in this
process on 127.0.0.1, as in ``bench_webrtc_browser.py``. Each round opens a fresh
Debian Chromium with one page that dials ``N`` calls (``tests/transports/webrtc/many.js``:
one RTCPeerConnection per call, ``--stagger`` ms apart); each call hears the greeting,
asks "What are your opening hours?" (Piper, played by Web Audio into that call's own
microphone track) and hears the answer, then hangs up. Rounds of 1, 4 and 10 calls
(``--rounds``) run one after the other against the same server.

Measured per call in the page (``tests/transports/webrtc/many.py``): the longest run of
non-silent concealment (audio Chromium invented because packets were late), the time
the bot's audio ran out inside its answer, the longest quiet stretch inside each spell
of speech (speech has its own pauses: read it against the 1-call round), the longest
time without a new packet, voice to voice, and the jitter buffer. On the server
(``webrtc_many_server.py``): every packet the bot's tracks sent (the longest interval
between two speech packets, the RTP time skipped after late ones, and whether a packet
left late around each concealment over 100 ms: the server's pacing), the event loop's
lateness, and the call records. Beside them the CPU used by this process, its event-loop
thread and Chromium, the time their threads waited for a core
(``/proc/*/task/*/schedstat``: CPU starvation), and the load average::

    .venv/bin/python benchmarks/bench_webrtc_many.py --rounds 1,4,10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the browser and served-bot helpers of the tests

import aioice.ice  # noqa: E402
import psutil  # type: ignore[import-untyped]  # noqa: E402
from playwright.async_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from transports.webrtc.browser import launch  # noqa: E402
from transports.webrtc.helpers import leftovers, udp_sockets  # noqa: E402
from transports.webrtc.many import (  # noqa: E402
    PageCall,
    collect,
    dial_all,
    open_page,
    spread,
    wait_answered,
)
from transports.webrtc.served import (  # noqa: E402
    API_TOKEN,
    GREETING,
    QUESTION,
    Served,
    question_wav,
    said,
    served,
)
from webrtc_many_server import LATE_MS, SendLog, loop_lag, sched_seconds  # noqa: E402

GAP_MS = 100
"""The issue's bound: a gap in the bot's audio over this is one too many."""


def chromium_pids() -> list[int]:
    return [
        p.pid for p in psutil.Process().children(recursive=True) if p.name().startswith("chrom")
    ]


@contextmanager
def usage() -> Iterator[dict[str, float]]:
    """Cores used, and waited for, by this process, its event loop's thread, and Chromium
    (its processes found again at the end: one started inside the block counts whole)."""
    me = psutil.Process().pid
    counted: dict[str, Callable[[], tuple[float, float]]] = {
        "server": lambda: sched_seconds([me]),
        "server_loop": lambda: sched_seconds([me], threads=False),
        "chromium": lambda: sched_seconds(chromium_pids()),
    }
    used: dict[str, float] = {"load_before": float(Path("/proc/loadavg").read_text().split()[0])}
    start, before = time.monotonic(), {name: read() for name, read in counted.items()}
    yield used
    wall = time.monotonic() - start
    for name, read in counted.items():
        (run, wait), (run0, wait0) = read(), before[name]
        used[f"{name}_cores"] = round((run - run0) / wall, 2)
        used[f"{name}_waited_cores"] = round((wait - wait0) / wall, 2)
    used["load_after"] = float(Path("/proc/loadavg").read_text().split()[0])
    used["wall_s"] = round(wall, 1)


def call_figures(call: PageCall, sends: SendLog) -> dict[str, Any]:
    answer = call.answer()
    return {
        "error": call.error,
        "spells": [
            {
                "text": s.text[:50],
                "utterances": len(s.utterances),
                "largest_quiet_ms": s.largest_quiet_ms,
                "ran_dry_ms": s.ran_dry_ms,
            }
            for s in call.spells
        ],
        "greeting_heard": bool(
            call.spells and call.spells[0].heard and GREETING in call.spells[0].text
        ),
        "answer_heard": bool(answer and answer.heard and "open" in answer.text.lower()),
        "answer_quiet_ms": answer.largest_quiet_ms if answer else None,
        "answer_ran_dry_ms": answer.ran_dry_ms if answer else None,
        "greeting_quiet_ms": call.spells[0].largest_quiet_ms if call.spells else None,
        "asked": call.user_said(),
        "longest_concealment_ms": round(call.longest_concealment_ms()),
        "concealed_ms": round(call.concealed_ms()),
        "longest_without_packets_ms": call.longest_without_packets_ms(),
        "jitter_buffer_ms": call.jitter_buffer_ms(),
        "voice_to_voice_ms": call.voice_to_voice_ms(),
        "server": sends.track(call.track_id),
        "gaps": [
            {
                "concealed_ms": round(length),
                "server_late_ms": round(sends.late(call.track_id, at - 500, at + length + 200)),
            }
            for at, length in call.concealment_runs()
            if length >= GAP_MS
        ],
    }


async def one_round(
    running: Served, wav: Path, count: int, args: argparse.Namespace
) -> dict[str, Any]:
    sends = SendLog()
    udp_before = udp_sockets()
    async with async_playwright() as playwright:
        browser = await launch(playwright, wav)
        try:
            page = await open_page(browser, running.base_url)
            with sends.installed(), usage() as used:
                async with loop_lag() as lag:
                    await dial_all(page, API_TOKEN, wav, count, stagger_ms=args.stagger)
                    try:
                        await wait_answered(page, count, within_s=60)
                    except PlaywrightTimeoutError:
                        print("not every call had its answer within 60 s")
                    calls, max_tick_ms = await collect(page)
            await page.evaluate("window.many.hangUpAll()")
            await running.wait_idle(within=30)
        finally:
            await browser.close()
    records = [await running.record(c.call_id) for c in calls if c.call_id]
    return {
        "calls": count,
        "nice": os.nice(0),
        **used,
        "loop_lag_ms": lag,
        "page_max_meter_tick_ms": round(max_tick_ms),
        "records": [(r["end_reason"], QUESTION in " ".join(said(r, "user"))) for r in records],
        "leftovers": leftovers(udp_before),
        "per_call": [call_figures(call, sends) for call in calls],
    }


def summary(result: dict[str, Any]) -> str:
    calls = result["per_call"]

    def page(key: str) -> str:
        return spread([c[key] for c in calls if c[key] is not None])

    def server(key: str) -> str:
        return spread([c["server"][key] for c in calls if c["server"]])

    heard = sum(c["greeting_heard"] and c["answer_heard"] for c in calls)
    gaps = [g for c in calls for g in c["gaps"]]
    late = sum(g["server_late_ms"] > LATE_MS for g in gaps)
    ended = sum(reason == "caller_hung_up" and asked for reason, asked in result["records"])
    return (
        f"{result['calls']:>2} calls | greeting and answer heard {heard}/{len(calls)}; records"
        f" ended by the caller with the question {ended}/{len(calls)}; leftovers"
        f" {result['leftovers'] or 'none'}\n"
        "   page, p50 / max over calls (ms):"
        f" longest concealment {page('longest_concealment_ms')},"
        f" concealed {page('concealed_ms')}, longest without packets"
        f" {page('longest_without_packets_ms')}, jitter buffer {page('jitter_buffer_ms')},"
        f" voice to voice {page('voice_to_voice_ms')}\n"
        f"   quiet inside the greeting {page('greeting_quiet_ms')}, inside the answer"
        f" {page('answer_quiet_ms')}; the answer's audio ran out for {page('answer_ran_dry_ms')};"
        f" page meter's longest tick {result['page_max_meter_tick_ms']}\n"
        f"   concealment runs over {GAP_MS} ms: {len(gaps)}, of which {late} had the server send"
        f" two of that call's packets over {LATE_MS} ms apart around them\n"
        "   server: longest interval between speech packets"
        f" {server('max_speech_interval_ms')}, RTP time skipped {server('skipped_ms')},"
        f" packets > 60 ms apart {server('late_sends')}; loop lag {result['loop_lag_ms']}\n"
        f"   cores used (waited for a core): server {result['server_cores']}"
        f" ({result['server_waited_cores']}), its loop thread {result['server_loop_cores']}"
        f" ({result['server_loop_waited_cores']}), Chromium {result['chromium_cores']}"
        f" ({result['chromium_waited_cores']}); load {result['load_before']} ->"
        f" {result['load_after']}; {result['wall_s']} s at nice {result['nice']}"
    )


async def main(args: argparse.Namespace) -> None:
    # aioice leaves 127.0.0.1 out of its candidates; the browser is on this machine.
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    rounds = [int(n) for n in args.rounds.split(",")]
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        wav, _ = question_wav(directory, lead=0.1, tail=0.5)
        async with served(directory, max_calls=max(rounds)) as running:
            for count in rounds:
                result = await one_round(running, wav, count, args)
                if args.json:
                    print(json.dumps(result), flush=True)
                print(summary(result), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", default="1,4,10", help="calls at once in each round")
    parser.add_argument("--stagger", type=int, default=200, help="ms between dialling two calls")
    parser.add_argument("--json", action="store_true", help="also print each round's raw figures")
    asyncio.run(main(parser.parse_args()))
