"""Every bad input gets its defined outcome, while a second call on the same server goes on.

The server under test allows 5 bad messages a call (``conftest``); the outcomes are
the table in ``docs/twilio.md``.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable

import pytest
from loguru import logger

from framekit.frames import BotStoppedSpeakingFrame, DTMFFrame, PlayedUpToFrame
from framekit.tasks import live_framekit_tasks
from framekit.testing.twilio_caller import TwilioCallerSimulator
from framekit.transports.twilio.protocol import MAX_MESSAGE_CHARS
from transports.twilio.helpers import LocalTwilio

Send = Callable[[TwilioCallerSimulator], Awaitable[None]]


def media_with(payload_text: str) -> Send:
    async def send(caller: TwilioCallerSimulator) -> None:
        await caller.send_json(
            {
                "event": "media",
                "streamSid": caller.stream_sid,
                "media": {
                    "track": "inbound",
                    "chunk": "1",
                    "timestamp": "0",
                    "payload": payload_text,
                },
            }
        )

    return send


def raw(message: str | bytes) -> Send:
    async def send(caller: TwilioCallerSimulator) -> None:
        await caller.send_raw(message)

    return send


async def second_start(caller: TwilioCallerSimulator) -> None:
    await caller.send_start()


async def mark_for_another_stream(caller: TwilioCallerSimulator) -> None:
    await caller.send_json({"event": "mark", "streamSid": "MZother", "mark": {"name": "fk1.5"}})


IGNORED: dict[str, tuple[Send, int]] = {
    # name: (what the caller sends, how many bad messages it counts as)
    "malformed_json": (raw('{"event": "media", '), 1),
    "json_array": (raw("[1, 2, 3]"), 1),
    "no_event": (raw('{"streamSid": "x"}'), 1),
    "binary_frame": (raw(b"\x00\x01\x02"), 1),
    "unknown_event": (raw('{"event": "future-thing", "x": 1}'), 0),
    "payload_not_base64": (media_with("@@not base64@@"), 1),
    "payload_empty": (media_with(""), 1),
    "payload_too_big": (media_with(base64.b64encode(b"\xff" * 4000).decode()), 1),
    "payload_odd_size_accepted": (media_with(base64.b64encode(b"\xff" * 37).decode()), 0),
    "number_past_4300_digits": (raw('{"event": "media", "n": ' + "1" * 4301 + "}"), 1),
    "nesting_past_the_recursion_limit": (raw('{"event": "media", "x": ' + "[" * 5000 + "}"), 1),
    "lone_surrogate_in_a_field": (raw('{"event": "dtmf", "streamSid": "\\ud800"}'), 1),
    "nan": (raw('{"event": "media", "n": NaN}'), 1),
    "second_start": (second_start, 1),
    "foreign_mark": (mark_for_another_stream, 1),
}


@pytest.mark.parametrize("case", sorted(IGNORED))
async def test_ignored_inputs_leave_the_call_running(local_twilio: LocalTwilio, case: str) -> None:
    send, bad = IGNORED[case]
    async with (
        local_twilio.caller(custom_parameters={"greeting": "0.6"}) as victim,
        local_twilio.caller(custom_parameters={"greeting": "0.6"}) as bystander,
    ):
        call = await local_twilio.wait_call(victim.call_sid)
        other = await local_twilio.wait_call(bystander.call_sid)
        await call.task.wait_started()
        await send(victim)
        await victim.send_dtmf("5")  # still served: the DTMF arrives after the bad input
        await victim.wait_for(lambda: bool(call.bot.seen.of(DTMFFrame)), within=3.0)
        assert call.transport.bad_messages == bad
        assert not call.task.has_finished()
        for caller, c in ((victim, call), (bystander, other)):
            await caller.wait_for(lambda c=c: bool(c.bot.seen.of(BotStoppedSpeakingFrame)))
            assert c.bot.seen.of(PlayedUpToFrame)[0].played_seconds == 0.6
            assert len(caller.received_audio) == 0.6 * 8000


async def test_media_before_start_is_dropped_and_the_call_starts(
    local_twilio: LocalTwilio,
) -> None:
    async with local_twilio.caller(send_start=False, custom_parameters={"greeting": "0.2"}) as c:
        await c.send_json(
            {"event": "media", "streamSid": c.stream_sid, "media": {"payload": "/w=="}}
        )
        await c.send_start()
        call = await local_twilio.wait_call(c.call_sid)
        await c.wait_for_audio(0.2)
        assert call.transport.bad_messages == 1


async def test_no_start_closes_the_socket_and_builds_no_pipeline(
    local_twilio: LocalTwilio,
) -> None:
    caller = local_twilio.caller(send_start=False)
    await caller.connect()
    await caller.wait_closed(within=5.0)  # handshake_timeout is 2 s in this server
    await caller.close()
    assert caller.close_code == 1008
    assert local_twilio.calls == {}
    assert local_twilio.server.refused_streams == 1


async def end_by_oversize(caller: TwilioCallerSimulator) -> None:
    await caller.send_raw(json.dumps({"event": "media", "pad": "x" * (MAX_MESSAGE_CHARS + 10)}))


async def end_by_huge_frame(caller: TwilioCallerSimulator) -> None:
    await caller.send_raw("x" * (MAX_MESSAGE_CHARS * 4 + 100))  # over aiohttp's own limit


async def end_by_flood(caller: TwilioCallerSimulator) -> None:
    message = json.dumps({"event": "future-thing"})
    for _ in range(400):  # beyond the 300-message burst, at once
        await caller.send_raw(message)


async def end_by_bad_messages(caller: TwilioCallerSimulator) -> None:
    for _ in range(6):  # this server allows 5
        await caller.send_raw("{nope")


async def end_by_unsupported_format(caller: TwilioCallerSimulator) -> None:
    await caller.send_json(
        {
            "event": "start",
            "start": {
                "streamSid": caller.stream_sid,
                "callSid": caller.call_sid,
                "mediaFormat": {"encoding": "audio/x-l16", "sampleRate": 16000, "channels": 1},
            },
        }
    )


ENDED: dict[str, tuple[Send, int | None, str]] = {
    # name: (what the caller sends, close code, end reason contains)
    "oversized_message": (end_by_oversize, 1009, "oversized"),
    "frame_over_socket_limit": (end_by_huge_frame, 1009, "socket closed"),
    "flood": (end_by_flood, 1008, "flood"),
    "too_many_bad_messages": (end_by_bad_messages, 1008, "bad messages"),
}


@pytest.mark.parametrize("case", sorted(ENDED))
async def test_hostile_inputs_end_that_call_only(local_twilio: LocalTwilio, case: str) -> None:
    send, code, reason = ENDED[case]
    bystander = local_twilio.caller(custom_parameters={"greeting": "1.0"})
    await bystander.connect()
    other = await local_twilio.wait_call(bystander.call_sid)
    async with local_twilio.caller(custom_parameters={"greeting": "2.0"}) as victim:
        call = await local_twilio.wait_call(victim.call_sid)
        await victim.wait_for_audio(0.1)
        await send(victim)
        await call.task.wait_finished()
        await victim.wait_closed(within=5.0)
        assert victim.close_code == code
        assert call.task.end_reason is not None
        assert reason in call.task.end_reason
    # The other call heard its whole greeting and is still up.
    await bystander.wait_for(lambda: bool(other.bot.seen.of(BotStoppedSpeakingFrame)))
    assert len(bystander.received_audio) == 1.0 * 8000
    assert not other.task.has_finished()
    await bystander.hang_up()
    await local_twilio.wait_idle()
    assert live_framekit_tasks() == []


async def test_unsupported_media_format_is_refused(local_twilio: LocalTwilio) -> None:
    caller = local_twilio.caller(send_start=False)
    await caller.connect()
    await end_by_unsupported_format(caller)
    await caller.wait_closed()
    await caller.close()
    assert caller.close_code == 1008
    assert local_twilio.calls == {}


async def test_many_calls_at_once(local_twilio: LocalTwilio) -> None:
    callers = [local_twilio.caller(custom_parameters={"greeting": "0.5"}) for _ in range(20)]
    await asyncio.gather(*(c.connect() for c in callers))
    await asyncio.gather(*(c.wait_for_audio(0.5) for c in callers))
    assert len(local_twilio.server.active_calls) == 20
    await asyncio.gather(*(c.hang_up() for c in callers))
    await local_twilio.wait_idle()
    assert all(len(c.received_audio) == 4160 for c in callers)  # 13 chunks of 40 ms
    assert live_framekit_tasks() == []


async def test_a_second_stream_with_the_same_stream_sid_is_refused(
    local_twilio: LocalTwilio,
) -> None:
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level="WARNING")
    try:
        async with local_twilio.caller(custom_parameters={"greeting": "0.6"}) as first:
            call = await local_twilio.wait_call(first.call_sid)
            second = local_twilio.caller(stream_sid=first.stream_sid)
            await second.connect()
            await second.wait_closed()
            await second.close()
            assert second.close_code == 1008
            # The first call keeps its place and hears its whole greeting.
            assert local_twilio.server.active_calls[first.stream_sid] is call.task
            await first.wait_for(lambda: bool(call.bot.seen.of(BotStoppedSpeakingFrame)))
            assert len(first.received_audio) == 0.6 * 8000
            assert not call.task.has_finished()
            await first.hang_up()
        await local_twilio.wait_idle()
    finally:
        logger.remove(sink)
    assert second.call_sid not in local_twilio.calls  # no pipeline was built for it
    assert any("already has that streamSid" in line for line in lines)
    assert live_framekit_tasks() == []
