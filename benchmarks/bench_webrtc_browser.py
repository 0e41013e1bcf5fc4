"""Browser calls to the served bot, measured in the browser: connection time and voice to voice.

``framekit serve``'s application (the whole offline contact-center bot: Silero,
Moonshine, the intent engine, Piper) runs in this process on 127.0.0.1; headless
Chromium (Debian's, via Playwright) opens ``/call?raw=1`` with a WAV file as its
microphone: 3 s of silence, then ``--questions`` times "What are your opening
hours?" (Piper) each followed by ``--gap`` seconds of silence. Measured in the page:

* page load to connected (``performance.now()`` at the connection's ``connected``:
  it includes the script filling the token and clicking Call), and click to
  connected (ICE gathering, the offer/answer, ICE and DTLS);
* voice to voice per turn: from the microphone's last 20 ms window with energy to
  the first 20 ms of the bot's answer with energy, after at least 250 ms of bot
  silence (what the caller hears); beside it the server's own measure (the VAD's
  end of speech to the bot's first audio written) and the recognizer's time to its
  final transcript, from the call record.

``--calls`` calls run one after the other, each in a fresh browser::

    .venv/bin/python benchmarks/bench_webrtc_browser.py --calls 3 --questions 3
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the browser and served-bot helpers of the tests

import aioice.ice  # noqa: E402
from playwright.async_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from framekit.audio import AudioConverter, audio_format, write_wav  # noqa: E402
from framekit.processors.stt.service import Recognizer  # noqa: E402
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor  # noqa: E402
from framekit.services.piper import PiperEngine  # noqa: E402
from transports.webrtc.browser import call, launch  # noqa: E402
from transports.webrtc.served import API_TOKEN, QUESTION, served  # noqa: E402
from webrtc_stages import Probe  # noqa: E402

RATE = 48000


def questions_wav(path: Path, questions: int, gap: float) -> Path:
    engine = PiperEngine.shared()
    converter = AudioConverter(engine.audio_format, audio_format(RATE))
    spoken = converter.convert(b"".join(engine.synthesize(QUESTION))) + converter.flush()
    pause = bytes(2 * round(RATE * gap))
    write_wav(path, bytes(2 * 3 * RATE) + (spoken + pause) * questions, audio_format(RATE))
    return path


async def one_call(base_url: str, wav: Path, questions: int, gap: float) -> dict[str, Any]:
    async with async_playwright() as playwright:
        browser = await launch(playwright, wav)
        try:
            page = await call(browser, base_url, API_TOKEN)
            try:
                await page.wait_for_function(
                    f"window.framekit.turns.length >= {questions}",
                    timeout=round((3 + questions * (gap + 3)) * 1000),
                )
            except PlaywrightTimeoutError:  # a turn not heard in time: keep the others
                print(f"only some turns were heard within the call's {gap + 3:.0f} s a question")
            measured: dict[str, Any] = await page.evaluate(
                "async () => ({timing: window.framekit.timing, turns: window.framekit.turns,"
                " call_id: window.framekit.callId, origin: performance.timeOrigin,"
                " inbound: await window.framekit.stats()})"
            )
            await page.click("#hangup")
        finally:
            await browser.close()
    return measured


def percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):.0f} / {p95:.0f} / {ordered[-1]:.0f} ms"


def breakdown(probe: Probe, results: list[dict[str, Any]]) -> None:
    """Each stage's p50 (and per-turn values) in ms after the page's end of the question."""
    rows: dict[str, list[float | None]] = {}
    for result in results:
        origin = result["origin"]
        for turn in result["turns"]:
            stages = probe.turn(origin + turn["mic_end"], origin + turn["heard_at"])
            for name, value in stages.items():
                rows.setdefault(name, []).append(value)
    print("stage (ms after the page's end of the question)   p50   per turn")
    for name, values in rows.items():
        known = [v for v in values if v is not None]
        p50 = f"{statistics.median(known):5.0f}" if known else "    -"
        print(f"{name:48} {p50}   {values}")
    for result in results:
        for turn in result["turns"]:
            mic_end, heard_at = (
                result["origin"] + turn["mic_end"],
                result["origin"] + turn["heard_at"],
            )
            print(f"decodes of the turn heard at {turn['heard_ms']} ms:", end=" ")
            print("; ".join(probe.decodes_of(mic_end, heard_at)))
    print(f"interim transcripts: {probe.interim_texts}")
    print(f"recognizer: {probe.decode_counts()}")
    for result in results:
        inbound = result["inbound"]
        emitted = inbound.get("jitterBufferEmittedCount") or 0
        if emitted:
            delay = 1000 * inbound["jitterBufferDelay"] / emitted
            target = 1000 * inbound.get("jitterBufferTargetDelay", 0) / emitted
            print(f"page's jitter buffer: mean delay {delay:.0f} ms (target {target:.0f} ms)")


def load_average() -> str:
    """The 1-minute load average: timings on this shared machine mean little without it."""
    return Path("/proc/loadavg").read_text().split()[0]


def set_stt_pause(seconds: float) -> None:
    """Make every utterance stage (the served bot's) decode early after ``seconds`` of pause.

    Patched on the stage, not on the application's module, which may be laid out anew.
    """
    init = UtteranceSTTProcessor.__init__

    def paused(
        stage: UtteranceSTTProcessor,
        recognizer: Recognizer,
        options: UtteranceOptions | None = None,
        *,
        name: str | None = None,
    ) -> None:
        options = dataclasses.replace(options or UtteranceOptions(), pause_seconds=seconds)
        init(stage, recognizer, options, name=name)

    UtteranceSTTProcessor.__init__ = paused  # type: ignore[method-assign,assignment]


async def main(calls: int, questions: int, gap: float, probe: Probe | None) -> None:
    load_before = load_average()
    # aioice leaves 127.0.0.1 out of its candidates; the browser is on this machine.
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    if probe is not None:
        probe.install()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        wav = questions_wav(directory / "questions.wav", questions, gap)
        async with served(directory) as running:
            results = []
            for _ in range(calls):
                result = await one_call(running.base_url, wav, questions, gap)
                assert running.server.webrtc is not None
                await running.server.webrtc.wait_until_idle()
                record = await running.record(result["call_id"])
                # The recognizer's share of each turn, from the call record.
                result["stt_ttfb_ms"] = [
                    round(1000 * value)
                    for turn in record["turns"]
                    for stage, value in (turn.get("ttfb") or {}).items()
                    if "STT" in stage
                ]
                print(json.dumps(result), flush=True)
                results.append(result)
    load = [r["timing"]["connected"] for r in results]
    click = [r["timing"]["connected"] - r["timing"]["clicked"] for r in results]
    heard = [t["heard_ms"] for r in results for t in r["turns"] if t["heard_ms"] is not None]
    server = [t["server_ms"] for r in results for t in r["turns"] if t["server_ms"] is not None]
    stt = [value for r in results for value in r["stt_ttfb_ms"]]
    print(f"calls {calls}, turns {len(heard)} (p50 / p95 / max)")
    print(f"load average (1 min)     {load_before} -> {load_average()}")
    print(f"page load to connected   {percentiles(load)}")
    print(f"click to connected       {percentiles(click)}")
    print(f"voice to voice (heard)   {percentiles(heard)}")
    print(f"voice to voice (server)  {percentiles(server)}")
    print(f"recognizer's ttfb        {percentiles(stt)}")
    if probe is not None:
        breakdown(probe, results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--gap", type=float, default=7.0, help="seconds after each question")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time each stage of every turn on one clock (benchmarks/webrtc_stages.py)",
    )
    parser.add_argument(
        "--stt-pause",
        type=float,
        help="seconds of pause before the recognizer's early decode (default: the bot's)",
    )
    args = parser.parse_args()
    if args.stt_pause is not None:
        set_stt_pause(args.stt_pause)
    asyncio.run(main(args.calls, args.questions, args.gap, Probe() if args.breakdown else None))
