"""Many browser calls from one headless Chromium page, and what each call heard.

Ten tabs starved this 2-core machine (``docs/benchmarks.md``): each tab is a
renderer with its own audio stack. Here one page (``many.js``) opens one
RTCPeerConnection per call to the server's ``/webrtc/offer``, as the softphone
does for one, so N calls are N calls on the server but one renderer in the browser.
Each call's microphone is the question (Piper) played by Web Audio
``question_after`` seconds after the call connects.

What a call heard is measured in the page: the bot's RMS every 20 ms, its
``speaking`` events on the data channel, and Chromium's inbound-rtp counters.
A gap is measured three ways:

* **concealment**: audio Chromium had to invent because packets were not there in
  time (``concealedSamples`` less ``silentConcealedSamples``), the longest run of
  polls in which it grew;
* **the bot's audio ran out**: inside a spell of speech (the greeting, an answer),
  the time from a ``speaking: false`` event to the next ``true`` (:class:`Spell`);
* **quiet inside a spell**: the longest stretch of 20 ms windows under the energy
  threshold between loud windows. Speech has its own pauses (a comma, a stop
  consonant), so this is read against the same spell heard by a single call.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page

from transports.webrtc.browser import LOOPBACK_OFFER
from transports.webrtc.helpers import loud_runs

SCRIPT = Path(__file__).with_name("many.js")
THRESHOLD = 0.02
"""The softphone's energy threshold: RMS (full scale 1.0) of a 20 ms window with audio."""
SPELL_BREAK_MS = 4000
"""A bot silence this long ends a spell (the caller's turn, or the call's end)."""
HEARD_LAG_MS = 1000
"""How long after the bot's last ``speaking: false`` event its audio may still be heard."""
SAMPLES_PER_MS = 48
"""Chromium's inbound audio counters count 48 kHz samples (Opus)."""


async def open_page(browser: Browser, base_url: str) -> Page:
    """A page on the server's origin (its ``fetch`` reaches ``/webrtc/offer``) with many.js."""
    page = await (await browser.new_context(bypass_csp=True)).new_page()
    await page.goto(f"{base_url}/call?raw=1")
    await page.add_script_tag(content=SCRIPT.read_text())
    return page


async def dial_all(
    page: Page,
    token: str,
    wav: Path,
    count: int,
    *,
    stagger_ms: int = 200,
    question_after: float = 3.0,
    stats_every_ms: int = 100,
) -> None:
    """Dial ``count`` calls, ``stagger_ms`` apart; each speaks ``wav`` once when connected."""
    options = {
        "token": token,
        "wav": base64.b64encode(await asyncio.to_thread(wav.read_bytes)).decode(),
        "count": count,
        "stagger": stagger_ms,
        "questionAfter": question_after,
        "statsEvery": stats_every_ms,
        "offerFilter": LOOPBACK_OFFER,
    }
    await page.evaluate("options => window.many.start(options)", options)


async def wait_answered(page: Page, count: int, within_s: float, quiet_ms: int = 4500) -> None:
    """Until every call has had its answer and the bot has been silent ``quiet_ms`` since."""
    await page.wait_for_function(
        f"window.many.answered({quiet_ms}) >= {count}", timeout=within_s * 1000
    )


async def collect(page: Page) -> tuple[list[PageCall], float]:
    """Every call's measurements, and the page's longest interval between 20 ms meter ticks."""
    raw = await page.evaluate(
        "({calls: window.many.calls, counters: window.many.counters,"
        " maxTickMs: window.many.maxTickMs, origin: performance.timeOrigin})"
    )
    calls = [PageCall(c, raw["counters"], raw["origin"]) for c in raw["calls"]]
    return calls, raw["maxTickMs"]


@dataclass
class Spell:
    """The bot speaking without a break of ``SPELL_BREAK_MS``: the greeting, or an answer.

    Its ``speaking`` events come per utterance, and an utterance ends when the bot's
    audio runs out: an answer whose next audio came late is two utterances, and the
    silence between them is a gap the caller heard.
    """

    utterances: list[tuple[float, float]]
    """The page's ms of each ``speaking`` true and false event."""
    runs: list[tuple[float, float]]
    """Loud runs of the bot's audio, from the first ``speaking`` true to the next spell
    (the last: ``HEARD_LAG_MS`` after its last false)."""
    text: str

    @property
    def heard(self) -> bool:
        return bool(self.runs)

    @property
    def largest_quiet_ms(self) -> float:
        """The longest quiet stretch between loud runs: speech's own pauses, and gaps."""
        return max((b[0] - a[1] for a, b in itertools.pairwise(self.runs)), default=0.0)

    @property
    def ran_dry_ms(self) -> float:
        """The longest time the bot stopped speaking inside the spell (its audio ran out)."""
        pairs = itertools.pairwise(self.utterances)
        return max((b[0] - a[1] for a, b in pairs), default=0.0)


class PageCall:
    """One call's measurements from many.js, read."""

    def __init__(self, raw: dict[str, Any], counters: list[str], origin: float) -> None:
        self.raw = raw
        self.origin = origin
        """``performance.timeOrigin``: the page's ms plus this are wall-clock (epoch) ms."""
        self.call_id: str | None = raw.get("callId")
        self.track_id: str | None = raw.get("trackId")
        self.error: str | None = raw.get("error")
        self.stats = [dict(zip(["at", *counters], row, strict=True)) for row in raw["stats"]]
        self.spells = self._spells()

    def _spells(self) -> list[Spell]:
        events = self.raw["events"]
        flips = [e for e in events if e["type"] == "speaking" and e["who"] == "bot"]
        starts = [e["received"] for e in flips if e["speaking"]]
        ends = [e["received"] for e in flips if not e["speaking"]]
        groups: list[list[tuple[float, float]]] = []
        for start, end in zip(starts, ends, strict=False):
            if groups and start - groups[-1][-1][1] < SPELL_BREAK_MS:
                groups[-1].append((start, end))
            else:
                groups.append([(start, end)])
        spells = []
        for group, later in itertools.zip_longest(groups, groups[1:]):
            first = group[0][0]
            # Late packets are heard after the event: up to the next spell.
            last = later[0][0] if later else group[-1][1] + HEARD_LAG_MS
            levels = [w for w in self.raw["bot"] if first <= w[0] <= last]
            text = " ".join(
                e.get("heard") or e["text"]
                for e in events
                if e["type"] == "transcript"
                and e["role"] == "bot"
                and first <= e["received"] <= last
            )
            spells.append(Spell(group, loud_runs(levels, THRESHOLD), text))
        return spells

    def asked_at(self) -> float | None:
        """The microphone's last loud window: the end of the question."""
        spoken = [at for at, level in self.raw["mic"] if level > THRESHOLD]
        return spoken[-1] if spoken else None

    def answer(self) -> Spell | None:
        """The first spell after the question ended."""
        asked = self.asked_at()
        return next((s for s in self.spells if asked and s.utterances[0][0] > asked), None)

    def user_said(self) -> list[str]:
        events = self.raw["events"]
        return [
            e["text"]
            for e in events
            if e["type"] == "transcript" and e["role"] == "user" and e.get("final")
        ]

    def concealed_ms(self) -> float:
        """Audio Chromium invented while the signal was not silent (packets late or lost)."""
        if not self.stats:
            return 0.0
        last = self.stats[-1]
        return float(last["concealedSamples"] - last["silentConcealedSamples"]) / SAMPLES_PER_MS

    def concealment_runs(self) -> list[tuple[float, float]]:
        """``(epoch ms, ms concealed)`` of each run of stats polls in which non-silent
        concealment grew; the run began after the poll before its first."""
        runs: list[tuple[float, float]] = []
        start, length = 0.0, 0.0
        for a, b in itertools.pairwise(self.stats):
            grew = (b["concealedSamples"] - b["silentConcealedSamples"]) - (
                a["concealedSamples"] - a["silentConcealedSamples"]
            )
            if grew > 0:
                start, length = (start, length) if length else (self.origin + a["at"], 0.0)
                length += grew / SAMPLES_PER_MS
            elif length:
                runs.append((start, length))
                length = 0.0
        return [*runs, (start, length)] if length else runs

    def longest_concealment_ms(self) -> float:
        return max((length for _, length in self.concealment_runs()), default=0.0)

    def longest_without_packets_ms(self) -> float:
        """The longest span between two polls that saw new packets (poll-interval resolution)."""
        grew = [
            b["at"]
            for a, b in itertools.pairwise(self.stats)
            if b["packetsReceived"] > a["packetsReceived"]
        ]
        return float(max((b - a for a, b in itertools.pairwise(grew)), default=0.0))

    def jitter_buffer_ms(self) -> float | None:
        last = self.stats[-1] if self.stats else None
        if not last or not last["jitterBufferEmittedCount"]:
            return None
        return float(1000 * last["jitterBufferDelay"] / last["jitterBufferEmittedCount"])

    def voice_to_voice_ms(self) -> float | None:
        """The microphone's last loud window to the answer's first loud window heard."""
        answer, asked = self.answer(), self.asked_at()
        if answer is None or not answer.runs or asked is None:
            return None
        return answer.runs[0][0] - asked


def spread(values: list[float]) -> str:
    """``p50 / max`` of ``values``, rounded, or ``-``."""
    return f"{statistics.median(values):.0f} / {max(values):.0f}" if values else "-"
