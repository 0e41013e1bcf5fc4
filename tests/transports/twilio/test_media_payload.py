"""The media payload's base64, read strictly, and the media message written per stream."""

from __future__ import annotations

import base64
import json

import pytest

from framekit.transports.twilio import ProtocolError, parse_message
from framekit.transports.twilio.protocol import MediaMessage, build_media

SID = "MZ" + "b" * 32


def _media(payload_text: str) -> str:
    body = {"track": "inbound", "chunk": "1", "timestamp": "20", "payload": payload_text}
    return json.dumps({"event": "media", "streamSid": SID, "media": body})


@pytest.mark.parametrize(
    "payload_text",
    [
        "AAAA\nAAAA",  # a line break: not the alphabet
        "AA AA",
        "AA==AA==",  # data after the padding
        "==AA",  # padding first
        "AAA",  # padding missing
        "AAAA-_AA",  # the URL-safe alphabet is not Twilio's
        "AAAA\u00e9AAA",  # not ASCII
    ],
)
def test_a_payload_that_is_not_strict_base64_is_bad_base64(payload_text: str) -> None:
    with pytest.raises(ProtocolError) as error:
        parse_message(_media(payload_text))
    assert error.value.code == "bad_base64"


def test_every_byte_value_comes_back() -> None:
    payload = bytes(range(256)) * 2
    parsed = parse_message(_media(base64.b64encode(payload).decode()))
    assert isinstance(parsed, MediaMessage)
    assert parsed.payload == payload


@pytest.mark.parametrize("sid", [SID, 'q"uote', "back\\slash", "MZ\u2028"])
def test_media_messages_of_many_streams_each_carry_their_own_sid(sid: str) -> None:
    for payload in (b"\xff" * 160, b"\x00\x7f" * 40):
        sent = json.loads(build_media(sid, payload))
        assert sent == {
            "event": "media",
            "streamSid": sid,
            "media": {"payload": base64.b64encode(payload).decode()},
        }
