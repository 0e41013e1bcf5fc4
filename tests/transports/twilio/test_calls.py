"""Whole calls over real WebSockets on 127.0.0.1: greeting, marks, barge-in, DTMF, endings."""

from __future__ import annotations

import asyncio
from pathlib import Path

from framekit.audio import audio_format, write_wav
from framekit.frames import (
    BotStoppedSpeakingFrame,
    DTMFFrame,
    PlayedUpToFrame,
)
from framekit.tasks import live_framekit_tasks
from framekit.transports.twilio import TwilioOutput
from transports.twilio.helpers import LOUD, LocalTwilio, rms_mulaw, rms_pcm16, tone

FRAME = 160  # bytes of mu-law in 20 ms
CHUNK = 320  # bytes of mu-law in one media message the bot sends (40 ms, the default)


def loud_mulaw(seconds: float) -> bytes:
    from framekit.audio import MULAW_8K, PCM16_8K, AudioConverter

    return AudioConverter(PCM16_8K, MULAW_8K).convert(tone(seconds, 300, LOUD, rate=8000))


async def test_greeting_arrives_as_paced_mulaw_with_marks(local_twilio: LocalTwilio) -> None:
    async with local_twilio.caller(custom_parameters={"greeting": "1.0"}) as caller:
        call = await local_twilio.wait_call(caller.call_sid)
        await caller.wait_for_audio(1.0, within=5.0)
        await caller.wait_for(lambda: bool(call.bot.seen.of(BotStoppedSpeakingFrame)), within=5.0)

        payloads = [m.payload for m in caller.media]
        assert all(len(p) == CHUNK for p in payloads)
        assert len(payloads) == 25  # 1.0 s in 40 ms chunks, nothing more
        # The tone is there, at its level, from the first chunk after the resampler settles.
        assert min(rms_mulaw(p) for p in payloads[2:-2]) > 0.5 * LOUD / 1.414
        # Paced: 1 s of audio is not delivered in a burst (send-ahead is 80 ms).
        spread = caller.media[-1].at - caller.media[0].at
        assert 0.7 < spread < 2.0
        assert caller.marks_received
        assert caller.marks_received == caller.marks_echoed
        assert call.transport.start.custom_parameters == {"greeting": "1.0"}


async def test_marks_decide_when_the_bot_stopped_and_what_was_heard(
    local_twilio: LocalTwilio,
) -> None:
    """The caller's playback runs 0.4 s behind arrival: speaking state follows the echoes."""
    async with local_twilio.caller(
        custom_parameters={"greeting": "1.0"}, playout_delay=0.4
    ) as caller:
        call = await local_twilio.wait_call(caller.call_sid)
        await caller.wait_for(lambda: bool(call.bot.seen.of(BotStoppedSpeakingFrame)), within=5.0)
        stopped_at = call.bot.seen.times(BotStoppedSpeakingFrame)[0]
        played = call.bot.seen.of(PlayedUpToFrame)

        # The bot stops speaking once the caller has heard the last chunk, not earlier,
        # although the local schedule ended 0.4 s before that.
        assert stopped_at >= caller.playout_ends_at - 0.005
        last_arrival = caller.media[-1].at
        assert stopped_at - last_arrival > 0.3
        assert len(played) == 1
        assert played[0].played_seconds == 1.0
        output = call.transport.output()
        assert isinstance(output, TwilioOutput)
        assert output.echo_timeouts == 0
        assert output.marks_echoed == output.marks_sent > 0


async def test_a_pipeline_mark_is_answered_when_the_caller_heard_it(
    local_twilio: LocalTwilio,
) -> None:
    async with local_twilio.caller(
        custom_parameters={"greeting": "0.6", "mark": "greeted"}, playout_delay=0.3
    ) as caller:
        call = await local_twilio.wait_call(caller.call_sid)
        await caller.wait_for(
            lambda: any(f.mark == "greeted" for f in call.bot.seen.of(PlayedUpToFrame))
        )
        reports = call.bot.seen.of(PlayedUpToFrame)
        at = call.bot.seen.times(PlayedUpToFrame)[reports.index(next(r for r in reports if r.mark))]
        (greeted,) = (r.played_seconds for r in reports if r.mark == "greeted")
        # The base answers a mark before writing the audio it still holds back (< 1 chunk).
        assert 0.58 <= greeted <= 0.6
        # Answered once the caller heard it: playback began 0.3 s after the first arrival.
        assert at >= caller.media[0].at + 0.3 + greeted - 0.005


async def test_without_echoes_the_output_falls_back_after_a_timeout(
    local_twilio: LocalTwilio,
) -> None:
    async with local_twilio.caller(
        custom_parameters={"greeting": "0.3"}, echo_marks=False
    ) as caller:
        call = await local_twilio.wait_call(caller.call_sid)
        await caller.wait_for(lambda: bool(call.bot.seen.of(BotStoppedSpeakingFrame)), within=6.0)
        output = call.transport.output()
        assert output.echo_timeouts == 1
        assert output.marks_echoed == 0
        assert call.bot.seen.of(PlayedUpToFrame)[0].played_seconds == 0.3
        # It waited for the mark timeout (1.5 s) past the end of the audio.
        stopped_at = call.bot.seen.times(BotStoppedSpeakingFrame)[0]
        assert stopped_at - caller.media[-1].at > 1.0


async def test_barge_in_clears_and_reports_what_the_caller_heard(
    local_twilio: LocalTwilio,
) -> None:
    async with local_twilio.caller(
        custom_parameters={"greeting": "3.0", "barge": "1", "reply": "0.4"},
        playout_delay=0.2,
    ) as caller:
        call = await local_twilio.wait_call(caller.call_sid)
        await caller.wait_for_audio(1.0, within=5.0)
        await caller.send_audio(loud_mulaw(0.3))
        await caller.wait_for(lambda: bool(caller.clears), within=5.0)
        await caller.wait_for(
            lambda: len(call.bot.seen.of(BotStoppedSpeakingFrame)) == 2, within=5.0
        )  # the greeting's and the reply's
        assert call.bot.barged_at is not None

        # No stale greeting after the clear: only the quiet reply, and all of it.
        after = caller.audio_after_clear()
        assert len(after) == 0.4 * 8000
        loudest = max(rms_mulaw(after[i : i + FRAME]) for i in range(0, len(after), FRAME))
        assert loudest < 0.5 * LOUD / 1.414
        assert rms_mulaw(after[FRAME * 4 : FRAME * 16]) > 0.5 * 2500 / 1.414

        # What the greeting reported as heard matches what the caller heard (to one mark).
        greeting_played = call.bot.seen.of(PlayedUpToFrame)[0].played_seconds
        before_clear = [m for m in caller.media if m.clears_before == 0]
        received = sum(len(m.payload) for m in before_clear) / 8000
        heard = len(caller.heard_audio) / 8000 - 0.4
        assert greeting_played <= received
        assert abs(greeting_played - heard) <= 0.15
        # The local clock would have said at least the 0.2 s playout delay more.
        assert received - greeting_played >= 0.15
        # Twilio returned the greeting's pending marks; they counted for nothing.
        assert caller.marks_returned_by_clear


async def test_dtmf_becomes_a_frame(local_twilio: LocalTwilio) -> None:
    async with local_twilio.caller() as caller:
        call = await local_twilio.wait_call(caller.call_sid)
        await call.task.wait_started()
        for digit in "1#":
            await caller.send_dtmf(digit)
        await caller.send_json(
            {"event": "dtmf", "streamSid": caller.stream_sid, "dtmf": {"digit": "X"}}
        )
        await caller.send_dtmf("9")
        await caller.wait_for(lambda: len(call.bot.seen.of(DTMFFrame)) == 3, within=3.0)
        assert [f.digit for f in call.bot.seen.of(DTMFFrame)] == ["1", "#", "9"]
        assert call.transport.bad_messages == 1


async def test_caller_audio_reaches_the_pipeline_once_converted(
    local_twilio: LocalTwilio,
) -> None:
    async with local_twilio.caller() as caller:
        call = await local_twilio.wait_call(caller.call_sid)
        await call.task.wait_started()
        await caller.send_audio(loud_mulaw(0.2), realtime=False)
        await caller.send_media(b"\xff" * 80)  # 10 ms: accepted, re-chunked exactly
        await caller.send_silence(0.2, realtime=False)
        # 0.41 s in; the 8 -> 16 kHz resampler may hold back a few samples.
        await caller.wait_for(lambda: len(call.bot.audio_in) >= 20, within=3.0)
        got = [frame for _, frame in call.bot.audio_in]
        assert all(f.format.sample_rate == 16000 and len(f.audio) == 640 for f in got)
        assert min(rms_pcm16(f.audio) for f in got[2:9]) > 0.5 * LOUD / 1.414
        assert max(rms_pcm16(f.audio) for f in got[12:20]) < 50


async def test_a_wav_file_is_streamed_at_real_pace(
    local_twilio: LocalTwilio, tmp_path: Path
) -> None:
    wav = tmp_path / "question.wav"
    write_wav(wav, tone(0.5, 300, LOUD, rate=22050), audio_format(22050))
    async with local_twilio.caller() as caller:
        call = await local_twilio.wait_call(caller.call_sid)
        await call.task.wait_started()
        await caller.play_wav(wav)
        await caller.wait_for(lambda: len(call.bot.audio_in) >= 24, within=3.0)
        times = [at for at, _ in call.bot.audio_in]
        assert times[23] - times[0] > 0.4  # 0.5 s of speech took about 0.5 s to arrive
        loud = [rms_pcm16(f.audio) for _, f in call.bot.audio_in[2:22]]
        assert min(loud) > 0.5 * LOUD / 1.414


async def test_stop_ends_the_call_with_no_task_left(local_twilio: LocalTwilio) -> None:
    caller = local_twilio.caller(custom_parameters={"greeting": "2.0"})
    await caller.connect()
    call = await local_twilio.wait_call(caller.call_sid)
    await caller.wait_for_audio(0.5, within=5.0)
    await caller.hang_up()
    await local_twilio.wait_idle()
    assert call.task.end_reason is not None
    assert "stopped the stream" in call.task.end_reason
    assert live_framekit_tasks() == []


async def test_socket_drop_mid_utterance_ends_the_call_cleanly(
    local_twilio: LocalTwilio,
) -> None:
    caller = local_twilio.caller(custom_parameters={"greeting": "3.0"})
    await caller.connect()
    call = await local_twilio.wait_call(caller.call_sid)
    await caller.wait_for_audio(0.5, within=5.0)
    assert live_framekit_tasks()  # the call's reader and output worker are running
    caller.drop()
    await local_twilio.wait_idle()
    await caller.close()
    assert live_framekit_tasks() == []
    assert call.task.end_reason is not None
    assert "socket closed" in call.task.end_reason
    # The caller heard part of the greeting; the report says how much, from the echoes.
    played = call.bot.seen.of(PlayedUpToFrame)
    assert len(played) == 1
    assert 0.3 <= played[0].played_seconds < 3.0


async def test_server_shutdown_cancels_running_calls(local_twilio: LocalTwilio) -> None:
    caller = local_twilio.caller(custom_parameters={"greeting": "5.0"})
    await caller.connect()
    call = await local_twilio.wait_call(caller.call_sid)
    await caller.wait_for_audio(0.2, within=5.0)
    await local_twilio.server._shutdown(None)  # type: ignore[arg-type]
    await asyncio.wait_for(local_twilio.wait_idle(), 5.0)
    assert call.task.end_reason == "server shutting down"
    await caller.wait_closed(within=5.0)
    await caller.close()
    assert live_framekit_tasks() == []
