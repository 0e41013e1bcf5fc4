"""Parsing Twilio's messages, building ours, stream tokens and the flood guard."""

from __future__ import annotations

import base64
import json

import pytest

from framekit.servers.twilio import TokenError, sign_stream_token, verify_stream_token
from framekit.transports.twilio import FloodGuard, ProtocolError, StreamLimits, parse_message
from framekit.transports.twilio.protocol import (
    ConnectedMessage,
    DTMFMessage,
    MarkMessage,
    MediaMessage,
    StartMessage,
    StopMessage,
    UnknownEventMessage,
    build_clear,
    build_mark,
    build_media,
)

SID = "MZ" + "a" * 32

# Shapes as Twilio's documentation gives them (counters are strings).
START = {
    "event": "start",
    "sequenceNumber": "1",
    "start": {
        "accountSid": "AC123",
        "streamSid": SID,
        "callSid": "CA123",
        "tracks": ["inbound"],
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        "customParameters": {"from": "+15551234567", "tier": "gold"},
    },
    "streamSid": SID,
}


def start_with(**fields: object) -> str:
    body = dict(START["start"])  # type: ignore[call-overload]
    body.update(fields)
    return json.dumps({**START, "start": body})


def media(payload: bytes, **extra: object) -> str:
    body = {"track": "inbound", "chunk": "2", "timestamp": "5", "payload": ""}
    body["payload"] = base64.b64encode(payload).decode()
    return json.dumps({"event": "media", "streamSid": SID, "media": body, **extra})


def test_parses_every_twilio_event() -> None:
    connected = parse_message('{"event": "connected", "protocol": "Call", "version": "1.0.0"}')
    assert connected == ConnectedMessage(protocol="Call", version="1.0.0")
    start = parse_message(json.dumps(START))
    assert start == StartMessage(
        stream_sid=SID,
        call_sid="CA123",
        account_sid="AC123",
        tracks=("inbound",),
        custom_parameters={"from": "+15551234567", "tier": "gold"},
    )
    assert parse_message(media(b"\x7f" * 160)) == MediaMessage(SID, "inbound", 2, 5, b"\x7f" * 160)
    dtmf = {"event": "dtmf", "streamSid": SID, "dtmf": {"track": "inbound_track", "digit": "#"}}
    assert parse_message(json.dumps(dtmf)) == DTMFMessage(SID, "#")
    mark = {"event": "mark", "streamSid": SID, "mark": {"name": "fk1.5"}}
    assert parse_message(json.dumps(mark)) == MarkMessage(SID, "fk1.5")
    stop = {"event": "stop", "streamSid": SID, "stop": {"accountSid": "AC1", "callSid": "CA1"}}
    assert parse_message(json.dumps(stop)) == StopMessage(SID, "CA1")
    assert parse_message('{"event": "new"}') == UnknownEventMessage("new")


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (b"\x00", "binary_message"),
        ("x" * 20_000, "oversized"),
        ("{", "malformed_json"),
        ("[]", "not_an_object"),
        ('{"event": 3}', "missing_event"),
        ('{"event": "start"}', "missing_field"),
        (media(b""), "bad_payload_size"),
        (media(b"\xff" * 1601), "bad_payload_size"),
        (media(b"\xff" * 160).replace('"payload": "', '"payload": "!'), "bad_base64"),
        (media(b"\xff", streamSid=""), "missing_field"),
        (media(b"\xff").replace('"chunk": "2"', '"chunk": "two"'), "bad_field"),
        ('{"event": "dtmf", "streamSid": "s", "dtmf": {"digit": "E"}}', "bad_digit"),
        ('{"event": "dtmf", "streamSid": "s", "dtmf": {"digit": "12"}}', "bad_field"),
        ('{"event": "mark", "streamSid": "s", "mark": {}}', "missing_field"),
        (
            json.dumps(
                {**START, "start": {**START["start"], "mediaFormat": {"sampleRate": 16000}}}
            ),  # type: ignore[dict-item]
            "bad_media_format",
        ),
        (
            json.dumps({**START, "start": {**START["start"], "customParameters": {"a": 1}}}),  # type: ignore[dict-item]
            "bad_field",
        ),
    ],
)
def test_bad_messages_raise_a_coded_error(message: str | bytes, code: str) -> None:
    with pytest.raises(ProtocolError) as error:
        parse_message(message)
    assert error.value.code == code


def test_payload_sizes_other_than_160_are_accepted_up_to_the_limit() -> None:
    for size in (1, 37, 160, 320, 1600):
        parsed = parse_message(media(b"\x01" * size))
        assert isinstance(parsed, MediaMessage)
        assert len(parsed.payload) == size


def test_builders_write_what_twilio_reads() -> None:
    sent = json.loads(build_media(SID, b"\x00\xff" * 80))
    assert sent == {
        "event": "media",
        "streamSid": SID,
        "media": {"payload": base64.b64encode(b"\x00\xff" * 80).decode()},
    }
    assert json.loads(build_mark(SID, "fk1.5")) == {
        "event": "mark",
        "streamSid": SID,
        "mark": {"name": "fk1.5"},
    }
    assert json.loads(build_clear(SID)) == {"event": "clear", "streamSid": SID}
    assert json.loads(build_media('a"b', b""))["streamSid"] == 'a"b'  # escaped, not injected


def test_stream_token_round_trip_expiry_and_forgery() -> None:
    token = sign_stream_token("secret", "CA1", ttl=10, now=1000.0)
    assert verify_stream_token("secret", token, now=1005.0) == "CA1"
    with pytest.raises(TokenError, match="expired"):
        verify_stream_token("secret", token, now=1011.0)
    with pytest.raises(TokenError, match="signature"):
        verify_stream_token("other secret", token, now=1005.0)
    call, expires, mac = token.split(".")
    with pytest.raises(TokenError, match="signature"):  # a later expiry needs a new MAC
        verify_stream_token("secret", f"{call}.{int(expires) + 100}.{mac}", now=1005.0)
    with pytest.raises(TokenError, match="signature"):  # another call's SID too
        verify_stream_token("secret", f"CA2.{expires}.{mac}", now=1005.0)
    for junk in ("", "a.b", "CA1.x.y", "CA1.10.y.z"):
        with pytest.raises(TokenError, match="malformed"):
            verify_stream_token("secret", junk)


def test_flood_guard_allows_a_burst_then_the_rate() -> None:
    guard = FloodGuard(StreamLimits(messages_per_second=1.0, burst=5))
    assert all(guard.allow() for _ in range(5))
    assert not guard.allow()


def test_flood_guard_credits_a_backlog_once() -> None:
    guard = FloodGuard(StreamLimits(messages_per_second=1.0, burst=5))
    guard.allow_backlog(2.0)  # 2 s nobody read: Twilio sent up to 120 messages
    assert all(guard.allow() for _ in range(125))
    assert not guard.allow()


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="burst"):
        StreamLimits(burst=0)
    with pytest.raises(ValueError, match="handshake_timeout"):
        StreamLimits(handshake_timeout=0)
