"""An independent peer: the third-party ``streamdouble`` Twilio simulator calls our server.

``streamdouble`` was written from Twilio's documentation by someone else; it reports
protocol violations (wrong shapes, missing ``streamSid``, bad base64, binary
frames, ...), records the reply, echoes marks at playback time and honours ``clear``.
One difference from Twilio's documentation: it drops the pending marks on ``clear``
instead of returning them, which our output must survive too.
"""

from __future__ import annotations

import pytest

from framekit.audio import MULAW_8K, PCM16_8K, AudioConverter
from framekit.frames import BotStoppedSpeakingFrame, PlayedUpToFrame
from framekit.tasks import live_framekit_tasks
from transports.twilio.helpers import LOUD, LocalTwilio, tone

streamdouble = pytest.importorskip("streamdouble")
from streamdouble.metrics import compute  # noqa: E402
from streamdouble.protocol import StreamIdentity  # noqa: E402
from streamdouble.session import Session, SessionConfig  # noqa: E402

SILENCE = b"\xff" * 160


def frames(mulaw: bytes) -> list[bytes]:
    return [mulaw[i : i + 160] for i in range(0, len(mulaw) - 159, 160)]


async def place_call(
    local: LocalTwilio, call_sid: str, audio: list[bytes], params: dict[str, str]
) -> Session:
    session = Session(
        local.stream_url(call_sid),
        audio,
        config=SessionConfig(
            response_timeout_s=5.0, quiet_period_s=0.8, max_drain_s=10.0, custom_parameters=params
        ),
        identity=StreamIdentity(call_sid=call_sid),
    )
    await session.run()
    return session


async def test_a_greeting_passes_streamdouble(local_twilio: LocalTwilio) -> None:
    session = await place_call(local_twilio, "CA" + "5" * 32, [SILENCE] * 50, {"greeting": "1.0"})
    result = session.result
    metrics = compute(result)
    assert result.violations == []
    assert result.unknown_events == []
    assert len(result.audio_received) == 8000
    assert result.marks_received
    assert result.marks_echoed == result.marks_received
    assert metrics.time_to_first_audio_ms is not None  # measured in docs/twilio.md, not here
    call = local_twilio.calls["CA" + "5" * 32]
    assert call.bot.seen.of(PlayedUpToFrame)[0].played_seconds == 1.0
    await local_twilio.wait_idle()
    assert live_framekit_tasks() == []


async def test_barge_in_passes_streamdouble(local_twilio: LocalTwilio) -> None:
    loud = AudioConverter(PCM16_8K, MULAW_8K).convert(tone(0.4, 300, LOUD, rate=8000))
    audio = [SILENCE] * 30 + frames(loud) + [SILENCE] * 40
    call_sid = "CA" + "6" * 32
    session = await place_call(
        local_twilio, call_sid, audio, {"greeting": "3.0", "barge": "1", "reply": "0.4"}
    )
    result = session.result
    assert result.violations == []
    assert result.clears_received == 1
    call = local_twilio.calls[call_sid]
    # Greeting cut short, then the whole reply; both utterances ended.
    assert len(call.bot.seen.of(BotStoppedSpeakingFrame)) == 2
    greeting_heard, reply_heard = (f.played_seconds for f in call.bot.seen.of(PlayedUpToFrame))
    assert 0.3 < greeting_heard < 1.5
    assert reply_heard == 0.4
    assert len(result.audio_received) < 8000 * 2.0
    await local_twilio.wait_idle()
    assert live_framekit_tasks() == []
