"""Whole calls between two aiortc peers on 127.0.0.1: audio both ways, events, barge-in, endings."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest
from aiortc import RTCPeerConnection

from framekit.frames import (
    BotStoppedSpeakingFrame,
    DTMFFrame,
    EndCause,
    InputAudioFrame,
    PlayedUpToFrame,
)
from framekit.tasks import live_framekit_tasks
from transports.twilio.helpers import rms_pcm16
from transports.webrtc.helpers import Caller, LocalWebRTC, wait_for


async def test_a_call_carries_audio_both_ways_and_ends_on_hangup(
    local_webrtc: LocalWebRTC,
) -> None:
    caller = Caller(local_webrtc.base_url)
    try:
        dialled = time.monotonic()
        await caller.dial()
        call = await local_webrtc.wait_call(caller.call_id)
        # The greeting (1 s of a loud tone) arrives as Opus, decoded with its energy.
        await wait_for(lambda: len(caller.heard.loud_since(dialled)) >= 40, within=5.0)
        loud = caller.heard.loud_since(dialled)
        assert 0.7 < loud[-1] - loud[0] < 1.6  # paced, not a burst
        await wait_for(lambda: bool(call.bot.seen.of(BotStoppedSpeakingFrame)))
        played = call.bot.seen.of(PlayedUpToFrame)
        assert played
        assert abs(played[0].played_seconds - 1.0) < 0.05
        # The data channel told the page the bot spoke, then stopped.
        await wait_for(lambda: len(caller.events_of("speaking")) >= 2)
        assert [e["speaking"] for e in caller.events_of("speaking")][:2] == [True, False]

        # The caller's microphone reaches the pipeline at its rate, converted once.
        caller.mic.loud = True
        await wait_for(lambda: sum(rms_pcm16(f.audio) > 3000 for _, f in call.bot.audio_in) >= 10)
        caller.mic.loud = False
        frames = [f for _, f in call.bot.audio_in]
        assert {f.format.sample_rate for f in frames} == {16000}
        assert {len(f.audio) for f in frames} == {640}  # 20 ms of PCM16 mono at 16 kHz

        caller.send({"type": "dtmf", "digit": "7"})
        await wait_for(lambda: bool(call.bot.seen.of(DTMFFrame)))
        assert call.bot.seen.of(DTMFFrame)[0].digit == "7"

        caller.send({"type": "hangup"})
        async with asyncio.timeout(5):
            await local_webrtc.server.wait_until_idle()
        assert call.cause is EndCause.CALLER_HUNG_UP
        assert call.transport.closed
        assert call.transport.connection_state == "closed"
        assert not live_framekit_tasks()
    finally:
        await caller.close()


async def test_barge_in_stops_the_bot_audio_and_reports_what_was_heard(
    local_webrtc: LocalWebRTC,
) -> None:
    local_webrtc.greeting = 4.0
    caller = Caller(local_webrtc.base_url)
    try:
        dialled = time.monotonic()
        await caller.dial()
        call = await local_webrtc.wait_call(caller.call_id)
        await wait_for(lambda: len(caller.heard.loud_since(dialled)) >= 25)  # 0.5 s heard
        caller.mic.loud = True
        await wait_for(lambda: call.bot.barged_at is not None)
        barged = call.bot.barged_at
        assert barged is not None
        caller.mic.loud = False
        await wait_for(lambda: bool(call.bot.seen.of(PlayedUpToFrame)))
        await asyncio.sleep(0.5)
        # The greeting's tone (loud) stopped within 300 ms of the barge-in (what was in
        # flight: the encoder, the caller's jitter buffer); only the quiet reply follows.
        late = [at for at in caller.heard.loud_since(barged) if at > barged + 0.3]
        assert not late
        played = call.bot.seen.of(PlayedUpToFrame)[0].played_seconds
        assert 0.4 < played < 3.0
        assert abs(played - (barged - caller.heard.loud_since(dialled)[0])) < 0.3
    finally:
        await caller.close()
    async with asyncio.timeout(5):
        await local_webrtc.server.wait_until_idle()
    assert not live_framekit_tasks()


async def test_closing_the_peer_connection_ends_the_call(local_webrtc: LocalWebRTC) -> None:
    caller = Caller(local_webrtc.base_url)
    await caller.dial()
    call = await local_webrtc.wait_call(caller.call_id)
    await wait_for(lambda: call.transport.connection_state == "connected")
    started = time.monotonic()
    await caller.close()  # a page reload: no hang-up message, the connection goes
    async with asyncio.timeout(10):
        await local_webrtc.server.wait_until_idle()
    assert time.monotonic() - started < 5
    assert call.cause is EndCause.CALLER_HUNG_UP
    assert not live_framekit_tasks()


async def test_the_call_audio_format_is_pcm_at_the_pipeline_rate(local_webrtc: LocalWebRTC) -> None:
    local_webrtc.greeting = 0
    caller = Caller(local_webrtc.base_url)
    try:
        await caller.dial()
        call = await local_webrtc.wait_call(caller.call_id)
        await wait_for(lambda: len(call.bot.audio_in) >= 10)
        assert all(isinstance(f, InputAudioFrame) for _, f in call.bot.audio_in)
    finally:
        await caller.close()


async def test_ended_calls_leave_no_peer_connection_task_or_socket(
    local_webrtc: LocalWebRTC,
) -> None:
    psutil = pytest.importorskip("psutil")
    process = psutil.Process()
    sockets_before = len(process.net_connections(kind="udp"))
    tasks_before = set(asyncio.all_tasks())
    gc.collect()
    earlier = {id(o) for o in gc.get_objects() if isinstance(o, RTCPeerConnection)}
    for _ in range(3):
        await _call_and_hang_up(local_webrtc)
    local_webrtc.calls.clear()  # the test's own references to the transports
    await asyncio.sleep(0.2)
    gc.collect()
    left = [t for t in asyncio.all_tasks() - tasks_before if not t.done()]
    assert left == []
    alive = [o for o in gc.get_objects() if isinstance(o, RTCPeerConnection)]
    assert [o for o in alive if id(o) not in earlier] == []
    assert len(process.net_connections(kind="udp")) == sockets_before


async def _call_and_hang_up(local_webrtc: LocalWebRTC) -> None:
    caller = Caller(local_webrtc.base_url)
    await caller.dial()
    await local_webrtc.wait_call(caller.call_id)
    await wait_for(lambda: caller.channel.readyState == "open")
    caller.send({"type": "hangup"})
    async with asyncio.timeout(5):
        await local_webrtc.server.wait_until_idle()
    await caller.close()


async def test_bad_data_channel_messages_are_dropped_then_end_the_call(
    local_webrtc: LocalWebRTC,
) -> None:
    local_webrtc.greeting = 0
    caller = Caller(local_webrtc.base_url)
    try:
        await caller.dial()
        call = await local_webrtc.wait_call(caller.call_id)
        await wait_for(lambda: caller.channel.readyState == "open")
        for bad in ("not json", "[1]", '{"type": "dtmf", "digit": "X"}', '{"type": "?"}'):
            caller.channel.send(bad)
        caller.channel.send("x" * 5000)  # past 4 KiB
        await wait_for(lambda: call.transport.bad_messages == 5)
        assert call.cause is None  # dropped, the call goes on
        for _ in range(50):
            caller.channel.send("{")
        async with asyncio.timeout(5):
            await local_webrtc.server.wait_until_idle()
        assert call.cause is EndCause.ERROR
    finally:
        await caller.close()
    assert not live_framekit_tasks()
